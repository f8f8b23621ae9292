//! Typed configuration. Precedence: command-line flag > environment > config file > default.
//! The config file (`--config`, TOML, flat keys like `port = 8088`) only fills in
//! environment variables that are not already set, so there is one parser: clap's.
use std::{net::IpAddr, path::PathBuf};

use clap::Parser;
use secrecy::SecretString;

use super::{ask::prompt::AnswerFormat, error::StartupResult};
use crate::app::model::TokenScope;

fn parse_scope(text: &str) -> Result<TokenScope, String> {
    TokenScope::parse(text).ok_or_else(|| format!("{text:?} is not a scope (schema, sql, ask, manage)"))
}

#[derive(Debug, Clone, Parser)]
#[command(name = "databaseai", version, about = "Ask questions of your SQL database in plain language")]
pub struct Settings {
    /// TOML file with settings (keys as the long flag names with '_' for '-').
    #[arg(long, env = "DATABASEAI_CONFIG")]
    pub config: Option<PathBuf>,

    /// Address to listen on. Use 0.0.0.0 in a container.
    #[arg(long, env = "DATABASEAI_BIND", default_value = "127.0.0.1")]
    pub bind: IpAddr,

    /// Port to listen on.
    #[arg(long, env = "DATABASEAI_PORT", default_value_t = 8088)]
    pub port: u16,

    /// Where the app keeps its own files: the SQLite store, the key file, SQLite datasources.
    #[arg(long, env = "DATABASEAI_DATA_DIR", default_value = "data")]
    pub data_dir: PathBuf,

    /// App store URL: `sqlite://…` or `postgres://…`. Default: SQLite in the data directory.
    #[arg(long = "database-url", env = "DATABASE_URL", hide_env_values = true)]
    pub database_url: Option<SecretString>,

    /// Base64 of 32 bytes that encrypts datasource passwords. Default: a generated key file.
    #[arg(long, env = "DATABASEAI_SECRET_KEY", hide_env_values = true)]
    pub secret_key: Option<SecretString>,

    /// Comma-separated hosts that datasources may point at. Empty: any host that passes
    /// the built-in network policy (never link-local or cloud metadata addresses).
    #[arg(long, env = "DATABASEAI_ALLOWED_HOSTS", value_delimiter = ',')]
    pub allowed_hosts: Vec<String>,

    /// Comma-separated `Host` names (or `host:port`) the MCP endpoint `/mcp` answers to,
    /// besides localhost, 127.0.0.1 and ::1 (DNS-rebinding protection); `*`: any (behind a
    /// proxy that checks them).
    #[arg(long, env = "DATABASEAI_MCP_HOSTS", value_delimiter = ',')]
    pub mcp_hosts: Vec<String>,

    /// Hard cap on rows a query may return.
    #[arg(long, env = "DATABASEAI_MAX_ROWS", default_value_t = 10_000)]
    pub max_rows: u32,

    /// Statement time limit in milliseconds.
    #[arg(long, env = "DATABASEAI_STATEMENT_TIMEOUT_MS", default_value_t = 15_000)]
    pub statement_timeout_ms: u64,

    /// Time limit for an export (CSV up to a million rows, XLSX, PDF), in milliseconds.
    #[arg(long, env = "DATABASEAI_EXPORT_TIMEOUT_MS", default_value_t = 300_000)]
    pub export_timeout_ms: u64,

    /// Do not create the bundled demo datasource on first start.
    #[arg(long, env = "DATABASEAI_NO_DEMO")]
    pub no_demo: bool,

    /// OpenAI-compatible API base URL (ends before /chat/completions), e.g. http://127.0.0.1:8081/v1.
    #[arg(long, env = "DATABASEAI_LLM_BASE_URL")]
    pub llm_base_url: Option<String>,

    /// Hosts the LLM base URL may reach over plain http besides this machine (comma-separated),
    /// e.g. `llm` for a model container on the compose network. Others need https.
    #[arg(long, env = "DATABASEAI_LLM_HTTP_HOSTS", value_delimiter = ',')]
    pub llm_http_hosts: Vec<String>,

    /// Model name sent to the LLM server.
    #[arg(long, env = "DATABASEAI_LLM_MODEL", default_value = "qwen2.5-coder-1.5b-instruct")]
    pub llm_model: String,

    /// API key for the LLM server (never logged, never sent to the browser).
    #[arg(long, env = "DATABASEAI_LLM_API_KEY", hide_env_values = true)]
    pub llm_api_key: Option<SecretString>,

    #[arg(long, env = "DATABASEAI_LLM_TEMPERATURE", default_value_t = 0.0)]
    pub llm_temperature: f32,

    #[arg(long, env = "DATABASEAI_LLM_MAX_TOKENS", default_value_t = 512)]
    pub llm_max_tokens: u32,

    /// Time limit for one model call, in milliseconds.
    #[arg(long, env = "DATABASEAI_LLM_TIMEOUT_MS", default_value_t = 180_000)]
    pub llm_timeout_ms: u64,

    /// Show the model a few frequent values of categorical text columns (taken from the
    /// database's statistics). Set to false when data values must not reach the LLM provider.
    #[arg(long, env = "DATABASEAI_LLM_SAMPLE_VALUES", default_value_t = true, action = clap::ArgAction::Set)]
    pub llm_sample_values: bool,

    /// How the model is asked to write its query: `json` (`{"sql": …}`, using the server's
    /// structured output when it has one) or `sql-block` (a ```sql block). The explanation
    /// shown is read off the query either way.
    #[arg(long, env = "DATABASEAI_LLM_ANSWER_FORMAT", value_enum, default_value_t = AnswerFormat::Json)]
    pub llm_answer_format: AnswerFormat,

    /// How many model attempts one question may take (errors are fed back between them).
    #[arg(long, env = "DATABASEAI_ASK_MAX_ATTEMPTS", default_value_t = 4)]
    pub ask_max_attempts: u32,

    /// Candidate queries per question, asked at once (one greedy, the rest sampled) and
    /// compared by their results: the largest group of equal results is the answer, and
    /// whether they agree is the answer's confidence. 1 asks once, with no vote.
    #[arg(long, env = "DATABASEAI_ASK_CANDIDATES", default_value_t = 3, value_parser = clap::value_parser!(u32).range(1..=8))]
    pub ask_candidates: u32,

    /// Serve Prometheus `/metrics` on this separate port (so an ingress for the app never
    /// exposes it). Unset: `/metrics` is on the app port.
    #[arg(long, env = "DATABASEAI_METRICS_PORT")]
    pub metrics_port: Option<u16>,

    /// Single-user mode without accounts: every request acts as a built-in admin. Refused
    /// unless the server listens on a loopback address.
    #[arg(long, env = "DATABASEAI_NO_AUTH")]
    pub no_auth: bool,

    /// First admin account for headless installs, created at start-up when no account exists
    /// (otherwise the browser asks for one on first visit).
    #[arg(long, env = "DATABASEAI_ADMIN_USER")]
    pub admin_user: Option<String>,

    #[arg(long, env = "DATABASEAI_ADMIN_PASSWORD", hide_env_values = true)]
    pub admin_password: Option<SecretString>,

    /// A session ends after this many minutes without a request.
    #[arg(long, env = "DATABASEAI_SESSION_IDLE_MINUTES", default_value_t = 480)]
    pub session_idle_minutes: u64,

    /// Mark the session cookie Secure even when no proxy says the request came over HTTPS.
    #[arg(long, env = "DATABASEAI_SECURE_COOKIES")]
    pub secure_cookies: bool,

    /// Questions one user may ask per minute.
    #[arg(long, env = "DATABASEAI_ASK_PER_MINUTE", default_value_t = 30)]
    pub ask_per_minute: u32,

    /// Sign-in attempts per minute for one username.
    #[arg(long, env = "DATABASEAI_LOGIN_PER_MINUTE", default_value_t = 10)]
    pub login_per_minute: u32,

    /// Log as JSON lines (for log collectors) instead of human-readable text.
    #[arg(long, env = "DATABASEAI_LOG_JSON")]
    pub log_json: bool,

    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Clone, clap::Subcommand)]
pub enum Command {
    /// Measure the ask pipeline's execution accuracy on a question set (sql-eval CSV format).
    Eval(EvalArgs),
    /// Administration from the command line.
    #[command(subcommand)]
    Admin(AdminCommand),
    /// Serve MCP over stdin/stdout for a desktop AI client, on the app store of these
    /// settings, as the personal token in DATABASEAI_TOKEN (or the built-in user with --no-auth).
    Mcp,
}

#[derive(Debug, Clone, clap::Subcommand)]
pub enum AdminCommand {
    /// Create a personal API token for a user and print it (shown once).
    CreateToken {
        #[arg(long)]
        user: String,
        #[arg(long, default_value = "cli")]
        name: String,
        /// What it may do (schema, sql, ask, manage; comma-separated). Default: all four.
        #[arg(long, value_delimiter = ',', value_parser = parse_scope)]
        scopes: Vec<TokenScope>,
        /// Limit it to these datasource ids (comma-separated). Default: every one the user may use.
        #[arg(long, value_delimiter = ',')]
        datasources: Vec<String>,
    },
}

#[derive(Debug, Clone, clap::Args)]
pub struct EvalArgs {
    /// CSV with question, query, db_name, query_category, instructions.
    #[arg(long, required_unless_present = "verified")]
    pub questions: Option<PathBuf>,
    /// Instead of a question file: run this datasource's verified answers (from the app store
    /// the other flags point at) as a test suite; each is asked without itself as an example.
    #[arg(long, value_name = "DATASOURCE_ID")]
    pub verified: Option<String>,
    /// PostgreSQL server holding one database per db_name (user and password from the URL).
    #[arg(long, default_value = "postgres://postgres@127.0.0.1:5432/postgres")]
    pub pg_url: String,
    /// Ask on this MySQL / MariaDB server instead (one database per db_name, copied from
    /// PostgreSQL by `scripts/pg-to-mariadb`); gold queries still run on PostgreSQL.
    #[arg(long)]
    pub mysql_url: Option<String>,
    /// Leave out the first N selected questions (to finish an interrupted run; the report
    /// keeps each question's index in the file).
    #[arg(long, default_value_t = 0)]
    pub skip: usize,
    /// Only the first N selected questions.
    #[arg(long)]
    pub limit: Option<usize>,
    /// Every K-th question (a quick sample that still covers every database and category).
    #[arg(long, default_value_t = 1)]
    pub stride: usize,
    #[arg(long)]
    pub category: Option<String>,
    #[arg(long)]
    pub db: Option<String>,
    /// Where the JSON and Markdown reports go.
    #[arg(long, default_value = "bench/results")]
    pub report_dir: PathBuf,
}

impl Settings {
    /// Parse flags and environment, after loading `--config`/`DATABASEAI_CONFIG` if given.
    /// Call it before any other thread starts: the config file is applied to the environment.
    pub fn load() -> StartupResult<Settings> {
        let args: Vec<String> = std::env::args().collect();
        refuse_secrets_in_arguments(&args)?;
        let config_path = find_config_arg(&args).or_else(|| std::env::var("DATABASEAI_CONFIG").ok());
        if let Some(path) = config_path {
            apply_config_file(&PathBuf::from(path))?;
        }
        Ok(Settings::parse_from(args))
    }

    pub fn store_url(&self) -> String {
        use secrecy::ExposeSecret;
        match &self.database_url {
            Some(url) => url.expose_secret().to_string(),
            None => format!("sqlite://{}?mode=rwc", self.data_dir.join("databaseai.sqlite").display()),
        }
    }
}

/// Any local user can read a process's arguments (`ps`), so secrets come from the
/// environment or the config file only.
fn refuse_secrets_in_arguments(args: &[String]) -> StartupResult<()> {
    const SECRETS: &[(&str, &str)] = &[
        ("--secret-key", "DATABASEAI_SECRET_KEY"),
        ("--llm-api-key", "DATABASEAI_LLM_API_KEY"),
        ("--admin-password", "DATABASEAI_ADMIN_PASSWORD"),
    ];
    for (i, arg) in args.iter().enumerate() {
        let flag = arg.split('=').next().unwrap_or_default();
        if let Some((_, var)) = SECRETS.iter().find(|(f, _)| *f == flag) {
            return Err(format!("{flag} on the command line is visible to every local user: set {var} or put it in the --config file").into());
        }
        let url = match arg.strip_prefix("--database-url=") {
            Some(v) => Some(v),
            None if arg == "--database-url" => args.get(i + 1).map(String::as_str),
            None => None,
        };
        if url.and_then(|u| url::Url::parse(u).ok()).is_some_and(|u| u.password().is_some()) {
            return Err("a --database-url with a password is visible to every local user: set DATABASE_URL or put it in the --config file".into());
        }
    }
    Ok(())
}

fn find_config_arg(args: &[String]) -> Option<String> {
    let mut it = args.iter();
    while let Some(a) = it.next() {
        if a == "--config" {
            return it.next().cloned();
        }
        if let Some(v) = a.strip_prefix("--config=") {
            return Some(v.to_string());
        }
    }
    None
}

/// Maps `key = value` from a TOML file to `DATABASEAI_KEY` (or `DATABASE_URL`) when unset.
fn apply_config_file(path: &PathBuf) -> StartupResult<()> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read config file {}: {e}", path.display()))?;
    for (key, var, value) in config_file_env(&text)? {
        let _ = key;
        if std::env::var_os(&var).is_none() {
            // SAFETY: `Settings::load` runs in `main` before the tokio runtime (or any other
            // thread) starts, so nothing reads the environment concurrently.
            unsafe { std::env::set_var(var, value) };
        }
    }
    Ok(())
}

/// Pure part of `apply_config_file`: which variables a file would set.
pub fn config_file_env(text: &str) -> StartupResult<Vec<(String, String, String)>> {
    let table: toml::Table = text.parse().map_err(|e| format!("invalid config file: {e}"))?;
    let mut out = Vec::new();
    for (key, value) in table {
        let var = match key.as_str() {
            "database_url" => "DATABASE_URL".to_string(),
            k if k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') => {
                format!("DATABASEAI_{}", k.to_ascii_uppercase())
            }
            k => return Err(format!("invalid config key {k:?}").into()),
        };
        let value = match value {
            toml::Value::String(s) => s,
            toml::Value::Integer(i) => i.to_string(),
            toml::Value::Boolean(b) => b.to_string(),
            toml::Value::Array(items) => items
                .iter()
                .map(|v| v.as_str().map(str::to_string).unwrap_or_else(|| v.to_string()))
                .collect::<Vec<_>>()
                .join(","),
            other => return Err(format!("unsupported value for {key}: {other}").into()),
        };
        out.push((key, var, value));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn config_file_maps_keys_to_env_vars() {
        let vars = config_file_env("port = 9000\nbind = \"0.0.0.0\"\ndatabase_url = \"postgres://x\"\nallowed_hosts = [\"a\", \"b\"]\nno_demo = true").unwrap();
        let find = |v: &str| vars.iter().find(|(_, var, _)| var == v).map(|t| t.2.clone());
        assert_eq!(find("DATABASEAI_PORT").as_deref(), Some("9000"));
        assert_eq!(find("DATABASEAI_BIND").as_deref(), Some("0.0.0.0"));
        assert_eq!(find("DATABASE_URL").as_deref(), Some("postgres://x"));
        assert_eq!(find("DATABASEAI_ALLOWED_HOSTS").as_deref(), Some("a,b"));
        assert_eq!(find("DATABASEAI_NO_DEMO").as_deref(), Some("true"));
    }

    #[test]
    fn config_file_rejects_garbage() {
        assert!(config_file_env("port = ").is_err());
        assert!(config_file_env("\"bad key\" = 1").is_err());
    }

    #[test]
    fn flags_override_defaults() {
        let s = Settings::parse_from(["databaseai", "--port", "9123", "--bind", "0.0.0.0"]);
        let args = |a: &[&str]| a.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        for bad in [&["databaseai", "--admin-password", "x"][..], &["databaseai", "--llm-api-key=k"], &["databaseai", "--database-url", "postgres://u:pw@h/db"]] {
            assert!(refuse_secrets_in_arguments(&args(bad)).unwrap_err().to_string().contains("visible to every local user"), "{bad:?}");
        }
        assert!(refuse_secrets_in_arguments(&args(&["databaseai", "--database-url", "postgres://u@h/db", "--port", "1"])).is_ok());
        assert_eq!(s.port, 9123);
        assert_eq!(s.bind.to_string(), "0.0.0.0");
        assert!(s.store_url().starts_with("sqlite://"));
    }
}
