//! The rules a datasource's fields follow, shared by the form and the server: the form shows
//! every broken field at once, next to the field, before it sends anything; the server applies
//! the same rules again (it never trusts a form) and answers with the same field errors.
use std::path::{Component, Path};

use serde::{Deserialize, Serialize};

use super::{DatasourceInput, Engine};

/// One field's problem. `field` is the input's field name (`name`, `engine`, `host`, `port`,
/// `database`, `user`, `password`, `path`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

impl FieldError {
    pub fn new(field: &str, message: impl Into<String>) -> Self {
        FieldError { field: field.to_string(), message: message.into() }
    }
}

/// The problems of a whole form, in field order; shown as one sentence where there is no field.
pub fn describe_field_errors(errors: &[FieldError]) -> String {
    errors.iter().map(|e| e.message.as_str()).collect::<Vec<_>>().join("; ")
}

/// A valid input's fields, trimmed (a host also lower-cased).
#[derive(Clone, Debug, PartialEq)]
pub struct CheckedDatasource {
    pub name: String,
    pub target: CheckedTarget,
}

#[derive(Clone, Debug, PartialEq)]
pub enum CheckedTarget {
    Server { engine: Engine, host: String, port: u16, database: String, user: String },
    /// Relative to the data directory's `sqlite/` folder.
    Sqlite { path: String },
}

pub const MAX_PASSWORD_BYTES: usize = 1024;

/// Checks every field and reports every problem, not only the first.
pub fn check_datasource(input: &DatasourceInput) -> Result<CheckedDatasource, Vec<FieldError>> {
    let mut found = Found::default();
    let name = found.keep("name", validate_name(&input.name));
    let target = match input.engine {
        None => found.add("engine", "engine is required (postgres, mysql or sqlite)"),
        Some(Engine::Sqlite) => {
            found.keep("path", validate_sqlite_path(input.path.as_deref().unwrap_or(""))).map(|path| CheckedTarget::Sqlite { path })
        }
        Some(engine) => {
            let host = found.keep("host", validate_host(input.host.as_deref().unwrap_or("")));
            let port = match input.port.or(engine.default_port()) {
                Some(p) if p > 0 => Some(p),
                _ => found.add("port", "port must be a number between 1 and 65535"),
            };
            // PostgreSQL allows 63-byte names, MariaDB 64-byte databases and 80-character users.
            let database = found.keep("database", required("database", input.database.as_deref(), 64));
            let user = found.keep("user", required("user", input.user.as_deref(), 80));
            if input.password.as_deref().is_some_and(|p| p.len() > MAX_PASSWORD_BYTES) {
                found.add::<()>("password", format!("password must be at most {MAX_PASSWORD_BYTES} bytes"));
            }
            match (host, port, database, user) {
                (Some(host), Some(port), Some(database), Some(user)) => Some(CheckedTarget::Server { engine, host, port, database, user }),
                _ => None,
            }
        }
    };
    match (name, target) {
        (Some(name), Some(target)) if found.0.is_empty() => Ok(CheckedDatasource { name, target }),
        _ => Err(found.0),
    }
}

/// The problems found so far.
#[derive(Default)]
struct Found(Vec<FieldError>);

impl Found {
    fn add<T>(&mut self, field: &str, message: impl Into<String>) -> Option<T> {
        self.0.push(FieldError::new(field, message));
        None
    }

    fn keep(&mut self, field: &str, checked: Result<String, String>) -> Option<String> {
        match checked {
            Ok(value) => Some(value),
            Err(message) => self.add(field, message),
        }
    }
}

fn validate_name(name: &str) -> Result<String, String> {
    if name.trim().chars().count() > 100 {
        return Err("name must be at most 100 characters".into());
    }
    required("name", Some(name), usize::MAX)
}

/// A required one-line text field: trimmed, not empty, at most `max` bytes.
fn required(field: &str, value: Option<&str>, max: usize) -> Result<String, String> {
    let v = value.map(str::trim).unwrap_or("");
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
fn validate_host(host: &str) -> Result<String, String> {
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

fn validate_sqlite_path(path: &str) -> Result<String, String> {
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

/// Inputs for the tests of the rules here and of the server's settings built from them.
#[cfg(test)]
pub(crate) mod fixtures {
    use super::*;

    /// A complete PostgreSQL input on this host.
    pub fn pg(host: &str) -> DatasourceInput {
        DatasourceInput {
            name: "x".into(),
            engine: Some(Engine::Postgres),
            host: Some(host.into()),
            database: Some("db".into()),
            user: Some("u".into()),
            ..Default::default()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{fixtures::pg, *};

    fn fields(input: &DatasourceInput) -> Vec<String> {
        check_datasource(input).unwrap_err().into_iter().map(|e| e.field).collect()
    }

    #[test]
    fn hosts_are_plain_names() {
        assert!(check_datasource(&pg("db.example.com")).is_ok());
        assert!(check_datasource(&pg("::1")).is_ok());
        for bad in ["", "postgres://x", "a b", "host/path", "user@host", "h:5432?x=1"] {
            assert_eq!(fields(&pg(bad)), ["host"], "{bad}");
        }
    }

    #[test]
    fn every_broken_field_is_reported_at_once() {
        let input = DatasourceInput { name: " ".into(), engine: Some(Engine::MySql), port: Some(0), password: Some("p".repeat(2000)), ..Default::default() };
        assert_eq!(fields(&input), ["name", "host", "port", "database", "user", "password"]);
        let errors = check_datasource(&input).unwrap_err();
        assert_eq!(errors[0].message, "name is required");
        assert_eq!(errors[3].message, "database is required");
        assert!(describe_field_errors(&errors).starts_with("name is required; host is required; port must be"));
    }

    #[test]
    fn an_engine_is_required_and_named() {
        let mut input = pg("h");
        input.engine = None;
        let errors = check_datasource(&input).unwrap_err();
        assert_eq!(errors, [FieldError::new("engine", "engine is required (postgres, mysql or sqlite)")]);
    }

    #[test]
    fn values_are_trimmed_and_servers_take_their_default_port() {
        let mut input = pg(" DB.Example.com ");
        input.name = "  Sales ".into();
        let checked = check_datasource(&input).unwrap();
        assert_eq!(checked.name, "Sales");
        let CheckedTarget::Server { host, port, .. } = checked.target else { panic!("a server") };
        assert_eq!((host.as_str(), port), ("db.example.com", 5432));
        input.engine = Some(Engine::MySql);
        let CheckedTarget::Server { port, .. } = check_datasource(&input).unwrap().target else { panic!("a server") };
        assert_eq!(port, 3306);
    }

    #[test]
    fn sqlite_paths_stay_inside_the_data_dir() {
        let file = |p: &str| DatasourceInput { name: "f".into(), engine: Some(Engine::Sqlite), path: Some(p.into()), ..Default::default() };
        assert!(check_datasource(&file("shop.sqlite")).is_ok());
        assert!(check_datasource(&file("team/shop.db")).is_ok());
        for bad in ["", "../etc/passwd", "/etc/passwd", "a/../../b", "./x"] {
            assert_eq!(fields(&file(bad)), ["path"], "{bad}");
        }
    }
}
