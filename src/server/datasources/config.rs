//! Validated datasource settings: the domain type behind `DatasourceInput`.
//! Users never give a raw connection URL; every field is typed and bounded.
use std::path::{Component, Path, PathBuf};

use secrecy::SecretString;

use crate::app::model::{DatasourceInput, Engine, SslMode};

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

pub fn validate_name(name: &str) -> Result<String, String> {
    let name = name.trim();
    if name.is_empty() {
        return Err("name is required".into());
    }
    if name.chars().count() > 100 {
        return Err("name must be at most 100 characters".into());
    }
    if name.chars().any(|c| c.is_control()) {
        return Err("name must not contain control characters".into());
    }
    Ok(name.to_string())
}

fn required(field: &str, value: &Option<String>, max: usize) -> Result<String, String> {
    let v = value.as_deref().map(str::trim).unwrap_or("");
    if v.is_empty() {
        return Err(format!("{field} is required"));
    }
    if v.len() > max {
        return Err(format!("{field} must be at most {max} characters"));
    }
    if v.chars().any(|c| c.is_control()) {
        return Err(format!("{field} must not contain control characters"));
    }
    Ok(v.to_string())
}

/// A host name or IP literal: letters, digits, '-', '.', ':' (IPv6), no spaces or URL parts.
pub fn validate_host(host: &str) -> Result<String, String> {
    let h = host.trim().trim_start_matches('[').trim_end_matches(']');
    if h.is_empty() {
        return Err("host is required".into());
    }
    if h.len() > 253 {
        return Err("host must be at most 253 characters".into());
    }
    if !h.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | ':' | '_')) {
        return Err("host must be a host name or IP address (no scheme, path, user or port)".into());
    }
    Ok(h.to_ascii_lowercase())
}

pub fn validate_sqlite_path(path: &str) -> Result<String, String> {
    let p = path.trim();
    if p.is_empty() {
        return Err("file is required".into());
    }
    if p.len() > 255 {
        return Err("file name must be at most 255 characters".into());
    }
    let as_path = Path::new(p);
    if as_path.is_absolute() || as_path.components().any(|c| !matches!(c, Component::Normal(_))) {
        return Err("file must be a relative path inside the data directory's sqlite/ folder (no '..', no absolute path)".into());
    }
    Ok(p.to_string())
}

impl DatasourceConfig {
    /// Validates user input. `stored_password` is used when the input leaves it out (edits).
    pub fn from_input(
        input: &DatasourceInput,
        stored_password: Option<SecretString>,
    ) -> Result<(String, DatasourceConfig), String> {
        let name = validate_name(&input.name)?;
        let engine = input.engine.ok_or("engine is required (postgres, mysql or sqlite)")?;
        let config = match engine {
            Engine::Postgres | Engine::MySql => {
                let host = validate_host(input.host.as_deref().unwrap_or(""))?;
                let port = input.port.or(engine.default_port()).unwrap_or_default();
                if port == 0 {
                    return Err("port must be between 1 and 65535".into());
                }
                let password = match input.password.as_deref() {
                    Some("") | None => stored_password,
                    Some(p) if p.len() > 1024 => return Err("password is too long".into()),
                    Some(p) => Some(SecretString::from(p.to_string())),
                };
                // PostgreSQL allows 63-byte names, MariaDB 64-byte databases and 80-character users.
                let server = ServerConfig {
                    host,
                    port,
                    database: required("database", &input.database, 64)?,
                    user: required("user", &input.user, 80)?,
                    password,
                    sslmode: input.sslmode.unwrap_or_default(),
                };
                if engine == Engine::MySql {
                    DatasourceConfig::MySql(server)
                } else {
                    DatasourceConfig::Postgres(server)
                }
            }
            Engine::Sqlite => DatasourceConfig::Sqlite(SqliteConfig {
                relative_path: validate_sqlite_path(input.path.as_deref().unwrap_or(""))?,
            }),
        };
        Ok((name, config))
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

    fn pg(host: &str) -> DatasourceInput {
        DatasourceInput {
            name: "x".into(),
            engine: Some(Engine::Postgres),
            host: Some(host.into()),
            database: Some("db".into()),
            user: Some("u".into()),
            ..Default::default()
        }
    }

    #[test]
    fn hosts_are_plain_names() {
        assert!(DatasourceConfig::from_input(&pg("db.example.com"), None).is_ok());
        assert!(DatasourceConfig::from_input(&pg("::1"), None).is_ok());
        for bad in ["", "postgres://x", "a b", "host/path", "user@host", "h:5432?x=1"] {
            assert!(DatasourceConfig::from_input(&pg(bad), None).is_err(), "{bad}");
        }
    }

    #[test]
    fn required_fields_are_named() {
        let mut i = pg("h");
        i.database = None;
        assert_eq!(DatasourceConfig::from_input(&i, None).unwrap_err(), "database is required");
        let mut i = pg("h");
        i.name = "  ".into();
        assert_eq!(DatasourceConfig::from_input(&i, None).unwrap_err(), "name is required");
        let mut i = pg("h");
        i.engine = None;
        assert!(DatasourceConfig::from_input(&i, None).unwrap_err().contains("engine"));
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
    fn sqlite_paths_stay_inside_the_data_dir() {
        assert!(validate_sqlite_path("shop.sqlite").is_ok());
        assert!(validate_sqlite_path("team/shop.db").is_ok());
        for bad in ["", "../etc/passwd", "/etc/passwd", "a/../../b", "./x"] {
            assert!(validate_sqlite_path(bad).is_err(), "{bad}");
        }
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
