//! Data shapes shared by the server and the browser. Nothing here may carry a secret
//! back to the browser: passwords only travel inbound, in `DatasourceInput`.
use serde::{Deserialize, Serialize};

/// Database engines a datasource can point at.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum Engine {
    Postgres,
    Sqlite,
}

impl Engine {
    pub fn as_str(self) -> &'static str {
        match self {
            Engine::Postgres => "postgres",
            Engine::Sqlite => "sqlite",
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            Engine::Postgres => "PostgreSQL",
            Engine::Sqlite => "SQLite",
        }
    }
}

/// libpq's sslmode values that make sense for a server-side client.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "kebab-case")]
pub enum SslMode {
    Disable,
    #[default]
    Prefer,
    Require,
    VerifyCa,
    VerifyFull,
}

impl SslMode {
    pub const ALL: [SslMode; 5] =
        [SslMode::Disable, SslMode::Prefer, SslMode::Require, SslMode::VerifyCa, SslMode::VerifyFull];
    pub fn as_str(self) -> &'static str {
        match self {
            SslMode::Disable => "disable",
            SslMode::Prefer => "prefer",
            SslMode::Require => "require",
            SslMode::VerifyCa => "verify-ca",
            SslMode::VerifyFull => "verify-full",
        }
    }
    pub fn parse(s: &str) -> Option<SslMode> {
        SslMode::ALL.into_iter().find(|m| m.as_str() == s)
    }
}

/// What the browser or an API client sends to create or edit a datasource.
/// `password: None` on edit keeps the stored password (it is write-only).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct DatasourceInput {
    pub name: String,
    pub engine: Option<Engine>,
    #[serde(default)]
    pub host: Option<String>,
    #[serde(default)]
    pub port: Option<u16>,
    #[serde(default)]
    pub database: Option<String>,
    #[serde(default)]
    pub user: Option<String>,
    #[serde(default)]
    pub password: Option<String>,
    #[serde(default)]
    pub sslmode: Option<SslMode>,
    /// SQLite only: a file name relative to the data directory's `sqlite/` folder.
    #[serde(default)]
    pub path: Option<String>,
}

/// A saved datasource as shown to people: never includes the password.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct DatasourceSummary {
    pub id: String,
    pub name: String,
    pub engine: Engine,
    pub host: Option<String>,
    pub port: Option<u16>,
    pub database: Option<String>,
    pub user: Option<String>,
    pub sslmode: Option<SslMode>,
    pub path: Option<String>,
    pub has_password: bool,
    pub is_demo: bool,
}

/// Outcome of "test connection": reachable or not, plus least-privilege warnings.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ConnectionTest {
    pub ok: bool,
    pub message: String,
    pub server_version: Option<String>,
    /// Privileges the role should not have, in plain words.
    pub warnings: Vec<String>,
    /// SQL an administrator can run to create a read-only role instead.
    pub read_only_role_sql: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ForeignKeyRef {
    pub schema: Option<String>,
    pub table: String,
    pub column: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct SchemaColumn {
    pub name: String,
    pub data_type: String,
    pub nullable: bool,
    pub default: Option<String>,
    pub primary_key: bool,
    pub references: Option<ForeignKeyRef>,
    pub comment: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct SchemaTable {
    /// `None` for engines without schemas (SQLite).
    pub schema: Option<String>,
    pub name: String,
    /// "table", "view", "materialized view", "foreign table" or "partitioned table".
    pub kind: String,
    pub comment: Option<String>,
    /// Planner estimate (PostgreSQL) or exact count (SQLite); `None` when unknown.
    pub row_estimate: Option<i64>,
    pub columns: Vec<SchemaColumn>,
}

impl SchemaTable {
    /// The name to paste into SQL: schema-qualified where the engine has schemas.
    pub fn qualified_name(&self) -> String {
        match &self.schema {
            Some(s) => format!("{s}.{}", self.name),
            None => self.name.clone(),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct SchemaInfo {
    pub engine: Engine,
    pub tables: Vec<SchemaTable>,
    /// Unix milliseconds when this snapshot was read from the database.
    pub introspected_at_ms: i64,
}

/// `POST /api/v1/datasources/{id}/sql` body.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct SqlRequest {
    pub sql: String,
    #[serde(default)]
    pub max_rows: Option<u32>,
    /// Optional id the client chooses so it can cancel the query while it runs.
    #[serde(default)]
    pub query_id: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ResultColumn {
    pub name: String,
    /// The database's type name, lower case (e.g. "int8", "text", "timestamptz", "integer").
    #[serde(rename = "type")]
    pub type_name: String,
}

/// A result set. Cells are JSON: numbers, strings, booleans, objects (JSON columns) or null.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct QueryResult {
    pub columns: Vec<ResultColumn>,
    #[cfg_attr(feature = "ssr", schema(value_type = Vec<Vec<Object>>))]
    pub rows: Vec<Vec<serde_json::Value>>,
    pub row_count: usize,
    /// True when the row cap or byte cap cut the result short.
    pub truncated: bool,
    pub elapsed_ms: u64,
}

impl QueryResult {
    /// Whether a column holds numbers, so the table can right-align it.
    pub fn is_numeric_type(type_name: &str) -> bool {
        let t = type_name.to_ascii_lowercase();
        ["int", "float", "numeric", "decimal", "real", "double", "money", "serial"]
            .iter()
            .any(|k| t.contains(k))
    }
}

/// `POST /api/v1/datasources/{id}/ask` body.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct AskRequest {
    pub question: String,
    /// Continue a conversation (follow-up questions); omit to start one.
    #[serde(default)]
    pub conversation_id: Option<String>,
    /// Tables to always show the model, plain or schema-qualified.
    #[serde(default)]
    pub pinned_tables: Vec<String>,
}

/// One try the pipeline made before the answer: its SQL (if any) and what went wrong.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct AskAttempt {
    pub sql: Option<String>,
    pub error: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct AskResponse {
    pub conversation_id: String,
    pub sql: String,
    pub explanation: String,
    /// The rows, flattened into this object; its `elapsed_ms` is the whole ask's time.
    #[serde(flatten)]
    pub result: QueryResult,
    /// Earlier attempts that failed and were corrected, oldest first.
    pub attempts: Vec<AskAttempt>,
}
