//! Validated datasource settings: the domain type behind `DatasourceInput`.
//! Users never give a raw connection URL; every field is typed and bounded.
use std::path::{Path, PathBuf};

use secrecy::SecretString;

use crate::app::model::{check_datasource, CheckedTarget, DatasourceInput, Engine, FieldError, SslMode};

#[derive(Clone, Debug)]
pub enum DatasourceConfig {
    Postgres(ServerConfig),
    MySql(ServerConfig),
    Sqlite(SqliteConfig),
}

/// A database server reached over the network (PostgreSQL, MySQL / MariaDB).
#[derive(Clone, Debug)]
pub struct ServerConfig {
    pub host: String,
    pub port: u16,
    pub database: String,
    pub user: String,
    /// `None` when no password is used or none was given.
    pub password: Option<SecretString>,
    pub sslmode: SslMode,
}

#[derive(Clone, Debug)]
pub struct SqliteConfig {
    /// Relative to the data directory's `sqlite/` folder; never escapes it.
    pub relative_path: String,
}

impl SqliteConfig {
    pub fn full_path(&self, data_dir: &Path) -> PathBuf {
        sqlite_root(data_dir).join(&self.relative_path)
    }

    /// The file to open: an existing regular file below `sqlite/`, reached without a
    /// symbolic link at any step (a link could point at the app store or any file).
    pub fn checked_path(&self, data_dir: &Path) -> Result<PathBuf, String> {
        let mut path = sqlite_root(data_dir);
        for part in Path::new(&self.relative_path).components() {
            path.push(part);
            match std::fs::symlink_metadata(&path) {
                Ok(meta) if meta.file_type().is_symlink() => {
                    return Err(format!("SQLite file sqlite/{} is reached through a symbolic link, which is not allowed", self.relative_path));
                }
                Ok(_) => {}
                Err(_) => return Err(format!("SQLite file sqlite/{} does not exist", self.relative_path)),
            }
        }
        if !path.is_file() {
            return Err(format!("SQLite file sqlite/{} is not a regular file", self.relative_path));
        }
        Ok(path)
    }
}

/// SQLite datasources must live here (or, for the demo, below it).
pub fn sqlite_root(data_dir: &Path) -> PathBuf {
    data_dir.join("sqlite")
}

impl DatasourceConfig {
    /// Validates user input (the rules the form also applies, `check_datasource`).
    /// `stored_password` is used when the input leaves it out (edits).
    pub fn from_input(input: &DatasourceInput, stored_password: Option<SecretString>) -> Result<(String, DatasourceConfig), Vec<FieldError>> {
        let checked = check_datasource(input)?;
        let config = match checked.target {
            CheckedTarget::Sqlite { path } => DatasourceConfig::Sqlite(SqliteConfig { relative_path: path }),
            CheckedTarget::Server { engine, host, port, database, user } => {
                let password = match input.password.as_deref() {
                    Some("") | None => stored_password,
                    Some(p) => Some(SecretString::from(p.to_string())),
                };
                let server = ServerConfig { host, port, database, user, password, sslmode: input.sslmode.unwrap_or_default() };
                if engine == Engine::MySql {
                    DatasourceConfig::MySql(server)
                } else {
                    DatasourceConfig::Postgres(server)
                }
            }
        };
        Ok((checked.name, config))
    }

    pub fn engine(&self) -> Engine {
        match self {
            DatasourceConfig::Postgres(_) => Engine::Postgres,
            DatasourceConfig::MySql(_) => Engine::MySql,
            DatasourceConfig::Sqlite(_) => Engine::Sqlite,
        }
    }

    /// The network server's settings; `None` for a file.
    pub fn server(&self) -> Option<&ServerConfig> {
        match self {
            DatasourceConfig::Postgres(s) | DatasourceConfig::MySql(s) => Some(s),
            DatasourceConfig::Sqlite(_) => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::model::datasource_check::fixtures::pg;

    #[test]
    fn every_field_error_reaches_the_server() {
        let mut i = pg("a b");
        i.database = None;
        let fields: Vec<String> = DatasourceConfig::from_input(&i, None).unwrap_err().into_iter().map(|e| e.field).collect();
        assert_eq!(fields, ["host", "database"]);
    }

    #[test]
    fn empty_password_keeps_the_stored_one() {
        use secrecy::ExposeSecret;
        let (_, c) = DatasourceConfig::from_input(&pg("h"), Some(SecretString::from("old"))).unwrap();
        let DatasourceConfig::Postgres(p) = c else { panic!() };
        assert_eq!(p.password.unwrap().expose_secret(), "old");
    }

    #[test]
    fn mysql_takes_its_own_default_port() {
        let mut i = pg("db.example.com");
        i.engine = Some(Engine::MySql);
        let (_, c) = DatasourceConfig::from_input(&i, None).unwrap();
        assert_eq!(c.engine(), Engine::MySql);
        assert_eq!(c.server().unwrap().port, 3306);
        i.port = Some(3307);
        assert_eq!(DatasourceConfig::from_input(&i, None).unwrap().1.server().unwrap().port, 3307);
        let (_, pg_config) = DatasourceConfig::from_input(&pg("h"), None).unwrap();
        assert_eq!(pg_config.server().unwrap().port, 5432);
    }

    #[test]
    fn sqlite_files_are_not_reached_through_symbolic_links() {
        let dir = tempfile::tempdir().unwrap();
        let root = sqlite_root(dir.path());
        std::fs::create_dir_all(root.join("real")).unwrap();
        std::fs::write(root.join("real/ok.db"), b"").unwrap();
        std::fs::write(dir.path().join("store.db"), b"secret").unwrap();
        std::os::unix::fs::symlink(dir.path().join("store.db"), root.join("link.db")).unwrap();
        std::os::unix::fs::symlink(root.join("real"), root.join("linked-dir")).unwrap();
        let at = |p: &str| SqliteConfig { relative_path: p.into() }.checked_path(dir.path());
        assert_eq!(at("real/ok.db").unwrap(), root.join("real/ok.db"));
        assert!(at("link.db").unwrap_err().contains("symbolic link"));
        assert!(at("linked-dir/ok.db").unwrap_err().contains("symbolic link"));
        assert!(at("missing.db").unwrap_err().contains("does not exist"));
        assert!(at("real").unwrap_err().contains("not a regular file"));
    }
}
