//! Data shapes shared by the server and the browser. Nothing here may carry a secret
//! back to the browser: passwords only travel inbound, in `DatasourceInput`.
use serde::{Deserialize, Serialize};

/// Database engines a datasource can point at.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum Engine {
    Postgres,
    /// MySQL and MariaDB: one protocol, one dialect (with a few differences handled at run time).
    MySql,
    Sqlite,
}

impl Engine {
    pub const ALL: [Engine; 3] = [Engine::Postgres, Engine::MySql, Engine::Sqlite];
    pub fn as_str(self) -> &'static str {
        match self {
            Engine::Postgres => "postgres",
            Engine::MySql => "mysql",
            Engine::Sqlite => "sqlite",
        }
    }
    pub fn parse(s: &str) -> Option<Engine> {
        Engine::ALL.into_iter().find(|e| e.as_str() == s)
    }
    pub fn label(self) -> &'static str {
        match self {
            Engine::Postgres => "PostgreSQL",
            Engine::MySql => "MySQL / MariaDB",
            Engine::Sqlite => "SQLite",
        }
    }
    /// A network server (host, port, user…) rather than a file.
    pub fn is_server(self) -> bool {
        !matches!(self, Engine::Sqlite)
    }
    pub fn default_port(self) -> Option<u16> {
        match self {
            Engine::Postgres => Some(5432),
            Engine::MySql => Some(3306),
            Engine::Sqlite => None,
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
    /// The datasource's own functions an admin allowed in queries (see `DatasourceFunctions`).
    #[serde(default)]
    pub allowed_functions: Vec<String>,
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
    /// A few frequent values of a low-cardinality text column (from the database's own
    /// statistics), so the model spells filter values the way the data does.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sample_values: Vec<String>,
}

impl SchemaColumn {
    /// A nullable column with nothing else known about it (tests build schemas from these).
    pub fn plain(name: &str, data_type: &str) -> SchemaColumn {
        SchemaColumn {
            name: name.into(),
            data_type: data_type.into(),
            nullable: true,
            default: None,
            primary_key: false,
            references: None,
            comment: None,
            sample_values: Vec::new(),
        }
    }
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

/// A stretch of SQL text, in characters from its start (an error's place, for the editor).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct SqlSpan {
    pub start: usize,
    pub end: usize,
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
    /// Whether a column holds numbers (PostgreSQL, MySQL / MariaDB and SQLite type names), so
    /// the table can right-align it and spreadsheets get number cells.
    pub fn is_numeric_type(type_name: &str) -> bool {
        let t = type_name.to_ascii_lowercase();
        t != "interval"
            && ["int", "tinyint", "smallint", "mediumint", "bigint", "float", "double", "numeric", "decimal", "real", "money", "serial", "bigserial", "smallserial"]
                .iter()
                .any(|k| t.starts_with(k))
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
    /// A client-chosen id, so a cancel request naming it stops the model call and the query.
    #[serde(default)]
    pub ask_id: Option<String>,
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
    /// Questions of the verified answers shown to the model as examples.
    #[serde(default)]
    pub examples: Vec<String>,
    /// The question of the verified answer whose SQL answered this one (no model call).
    #[serde(default)]
    pub verified_question: Option<String>,
    /// The stored turn, for choosing another reading later.
    #[serde(default)]
    pub turn_id: String,
    #[serde(default)]
    pub confidence: Confidence,
    /// Candidate queries asked, and how many of them returned these rows.
    #[serde(default)]
    pub candidates: u32,
    #[serde(default)]
    pub votes: u32,
    /// Other readings, when the candidates disagreed (largest group first).
    #[serde(default)]
    pub alternatives: Vec<Reading>,
}

/// What an ask is doing, streamed to the browser one JSON line per event while it works.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum AskEvent {
    /// The conversation this ask belongs to; sent first.
    Started { conversation_id: String },
    /// The tables the prompt shows the model.
    TablesChosen { tables: Vec<String> },
    /// Verified answers (their questions) shown to the model as examples.
    ExamplesChosen { questions: Vec<String> },
    /// Values of the database the question names (`table.column = 'value'`), shown to the model.
    ValuesMatched { values: Vec<String> },
    /// The model is writing attempt number `attempt` (from 1).
    Writing { attempt: u32 },
    /// A piece of the model's reply, as it arrives.
    Token { text: String },
    /// The attempt's SQL passed the guard's parse and is running.
    Running { sql: String },
    /// The attempt failed; the next one is told why.
    AttemptFailed { attempt: AskAttempt },
    /// Every candidate's final SQL (None: it found no working query) and the group of equal
    /// results it fell in (0 = the answer), once all have run.
    CandidatesCompared { sqls: Vec<Option<String>>, groups: Vec<Option<u32>> },
    /// Boxed: the answer is far larger than every other event.
    Done { answer: Box<AskResponse> },
    /// `code` is the error code of the API (`change_refused`, `ask_cancelled`, `llm_failed`…).
    Failed { code: String, message: String },
}

/// One conversation in the list.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ConversationSummary {
    pub id: String,
    pub title: String,
    pub turns: i64,
    pub updated_at_ms: i64,
}

/// One stored question and what came of it (rows are not stored: re-run the SQL to see them).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ConversationTurn {
    #[serde(default)]
    pub id: String,
    pub question: String,
    pub sql: Option<String>,
    pub explanation: Option<String>,
    pub error: Option<String>,
    pub row_count: Option<i64>,
    pub created_at_ms: i64,
    /// None for turns stored before answers carried one, and for failed turns.
    #[serde(default)]
    pub confidence: Option<Confidence>,
    /// The readings offered (the answer first); `chosen` is the one the user picked.
    #[serde(default)]
    pub readings: Vec<Reading>,
    #[serde(default)]
    pub chosen: u32,
}

/// The language model settings as the browser sees them; the API key is write-only.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct LlmProviderView {
    /// `settings` (saved on the settings page), `environment` (flags / env vars) or `none`.
    pub source: String,
    pub base_url: String,
    pub model: String,
    pub has_api_key: bool,
    pub temperature: f32,
    pub max_tokens: u32,
    pub timeout_ms: u64,
}

/// Saved from the settings page. An empty or absent `api_key` keeps the saved one unless
/// `clear_api_key` is set.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct LlmProviderInput {
    pub base_url: String,
    pub model: String,
    #[serde(default)]
    pub api_key: Option<String>,
    #[serde(default)]
    pub clear_api_key: bool,
    pub temperature: f32,
    pub max_tokens: u32,
    pub timeout_ms: u64,
}

/// Never prints the key.
impl std::fmt::Debug for LlmProviderInput {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LlmProviderInput")
            .field("base_url", &self.base_url)
            .field("model", &self.model)
            .field("api_key", &self.api_key.as_ref().map(|_| "[set]"))
            .finish_non_exhaustive()
    }
}

/// What a test request to the model showed.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct LlmTestResult {
    pub ok: bool,
    pub message: String,
    pub elapsed_ms: u64,
}

mod accounts;
pub use accounts::*;
pub(crate) mod datasource_check;
pub use datasource_check::*;
mod exports;
mod history;
mod readings;
mod verified;
pub use exports::*;
pub use history::*;
pub use readings::*;
pub use verified::*;

#[cfg(test)]
mod tests {
    use super::QueryResult;

    #[test]
    fn numeric_types_of_every_engine_are_recognised() {
        for t in ["int4", "int8", "integer", "numeric", "float8", "double precision", "decimal", "tinyint", "bigint unsigned", "DECIMAL(10,2)", "REAL", "money"] {
            assert!(QueryResult::is_numeric_type(t), "{t}");
        }
        for t in ["interval", "point", "text", "varchar", "date", "timestamptz", "boolean", "json"] {
            assert!(!QueryResult::is_numeric_type(t), "{t}");
        }
    }
}
