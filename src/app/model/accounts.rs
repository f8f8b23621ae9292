//! Accounts, sessions, tokens, sharing and the audit log, as the browser and API clients see
//! them. Passwords and token secrets only travel inbound, except a new token's secret, which is
//! shown once.
use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Users, datasources, model settings and the audit log.
    Admin,
    /// Asks and runs SQL on the datasources shared with them.
    Analyst,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Analyst => "analyst",
        }
    }
    pub fn parse(s: &str) -> Option<Role> {
        match s {
            "admin" => Some(Role::Admin),
            "analyst" => Some(Role::Analyst),
            _ => None,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct UserView {
    pub id: String,
    pub username: String,
    pub role: Role,
}

impl UserView {
    pub fn is_admin(&self) -> bool {
        self.role == Role::Admin
    }
}

/// Who is signed in, and whether the first admin still has to be created.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct SessionInfo {
    pub user: Option<UserView>,
    pub setup_needed: bool,
    /// False in `--no-auth` single-user mode (there is nothing to sign out of).
    pub auth_enabled: bool,
}

#[derive(Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct LoginInput {
    pub username: String,
    pub password: String,
}

impl std::fmt::Debug for LoginInput {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LoginInput").field("username", &self.username).finish_non_exhaustive()
    }
}

#[derive(Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct NewUserInput {
    pub username: String,
    pub password: String,
    pub role: Role,
}

impl std::fmt::Debug for NewUserInput {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NewUserInput").field("username", &self.username).field("role", &self.role).finish_non_exhaustive()
    }
}

/// Changing your own password: the current one proves it is you.
#[derive(Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct PasswordChange {
    pub current: String,
    pub new: String,
}

impl std::fmt::Debug for PasswordChange {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PasswordChange").finish_non_exhaustive()
    }
}

/// An admin's new password for someone else's account.
#[derive(Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct PasswordReset {
    pub password: String,
}

impl std::fmt::Debug for PasswordReset {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PasswordReset").finish_non_exhaustive()
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct RoleChange {
    pub role: Role,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct TokenView {
    pub id: String,
    pub name: String,
    /// The token's first characters, to tell tokens apart.
    pub prefix: String,
    pub created_at_ms: i64,
    pub last_used_ms: Option<i64>,
    /// What the token may be used for.
    #[serde(default)]
    pub scopes: Vec<TokenScope>,
    /// The only datasources it reaches (ids); none: every datasource its user may use.
    #[serde(default)]
    pub datasource_ids: Option<Vec<String>>,
}

/// What a personal token may be used for, chosen when it is made. A token never does more
/// than its user may; scopes only take away.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum TokenScope {
    /// List datasources, read schemas and verified answers.
    Schema,
    /// Run read-only SQL (and EXPLAIN it), export results, see query history.
    Sql,
    /// Ask questions in plain language and read conversations.
    Ask,
    /// Everything else its user may do: datasource and model settings, accounts, tokens, audit.
    Manage,
}

impl TokenScope {
    pub const ALL: [TokenScope; 4] = [TokenScope::Schema, TokenScope::Sql, TokenScope::Ask, TokenScope::Manage];

    pub fn as_str(self) -> &'static str {
        match self {
            TokenScope::Schema => "schema",
            TokenScope::Sql => "sql",
            TokenScope::Ask => "ask",
            TokenScope::Manage => "manage",
        }
    }

    pub fn parse(text: &str) -> Option<TokenScope> {
        TokenScope::ALL.into_iter().find(|s| s.as_str() == text.trim())
    }

    /// For the token form.
    pub fn describe(self) -> &'static str {
        match self {
            TokenScope::Schema => "read datasources' schemas and verified answers",
            TokenScope::Sql => "run read-only SQL and exports",
            TokenScope::Ask => "ask questions",
            TokenScope::Manage => "change settings, accounts and tokens",
        }
    }
}

/// A new token: `secret` is shown this once and never stored in clear.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct CreatedToken {
    pub token: TokenView,
    pub secret: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct NewTokenInput {
    pub name: String,
    /// What it may do; absent: everything its user may (all four scopes).
    #[serde(default)]
    pub scopes: Option<Vec<TokenScope>>,
    /// Limit it to these datasources (ids); absent: every datasource its user may use.
    #[serde(default)]
    pub datasource_ids: Option<Vec<String>>,
}

/// The datasource's own functions (`name` or `schema.name`) that queries may call besides the
/// built-in allow-list of harmless functions; set by admins.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct DatasourceFunctions {
    #[serde(default)]
    pub functions: Vec<String>,
}

/// Who may use a datasource besides admins.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct DatasourceSharing {
    #[serde(default)]
    pub everyone: bool,
    /// User ids.
    #[serde(default)]
    pub users: Vec<String>,
}

/// What an audit line records. The names are what the log stores and shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AuditAction {
    Login,
    LoginFailed,
    Logout,
    Ask,
    Sql,
    Export,
    DatasourceSaved,
    DatasourceDeleted,
    DatasourceShared,
    FunctionsAllowed,
    LlmSettingsSaved,
    LlmSettingsReset,
    VerifiedSaved,
    VerifiedApproved,
    VerifiedImported,
    UserCreated,
    UserDeleted,
    RoleChanged,
    PasswordChanged,
    PasswordReset,
    TokenCreated,
    TokenRevoked,
    /// A tool call from an MCP client.
    McpTool,
}

impl AuditAction {
    /// Every action, for the audit log's filter.
    pub const ALL: [AuditAction; 23] = [
        AuditAction::Login, AuditAction::LoginFailed, AuditAction::Logout, AuditAction::Ask, AuditAction::Sql,
        AuditAction::Export, AuditAction::DatasourceSaved, AuditAction::DatasourceDeleted, AuditAction::DatasourceShared,
        AuditAction::FunctionsAllowed, AuditAction::LlmSettingsSaved, AuditAction::LlmSettingsReset,
        AuditAction::VerifiedSaved, AuditAction::VerifiedApproved, AuditAction::VerifiedImported,
        AuditAction::UserCreated, AuditAction::UserDeleted, AuditAction::RoleChanged, AuditAction::PasswordChanged,
        AuditAction::PasswordReset, AuditAction::TokenCreated, AuditAction::TokenRevoked,
        AuditAction::McpTool,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            AuditAction::Login => "login",
            AuditAction::LoginFailed => "login_failed",
            AuditAction::Logout => "logout",
            AuditAction::Ask => "ask",
            AuditAction::Sql => "sql",
            AuditAction::Export => "export",
            AuditAction::DatasourceSaved => "datasource_saved",
            AuditAction::DatasourceDeleted => "datasource_deleted",
            AuditAction::DatasourceShared => "datasource_shared",
            AuditAction::FunctionsAllowed => "functions_allowed",
            AuditAction::LlmSettingsSaved => "llm_settings_saved",
            AuditAction::LlmSettingsReset => "llm_settings_reset",
            AuditAction::VerifiedSaved => "verified_saved",
            AuditAction::VerifiedApproved => "verified_approved",
            AuditAction::VerifiedImported => "verified_imported",
            AuditAction::UserCreated => "user_created",
            AuditAction::UserDeleted => "user_deleted",
            AuditAction::RoleChanged => "role_changed",
            AuditAction::PasswordChanged => "password_changed",
            AuditAction::PasswordReset => "password_reset",
            AuditAction::TokenCreated => "token_created",
            AuditAction::TokenRevoked => "token_revoked",
            AuditAction::McpTool => "mcp_tool",
        }
    }
}

/// Which audit lines to list: every condition given must hold (none given: all lines).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct AuditFilter {
    /// Exactly this username.
    #[serde(default)]
    pub user: Option<String>,
    /// Exactly this action (`ask`, `login_failed`, …).
    #[serde(default)]
    pub action: Option<String>,
    /// Datasource names containing this text (any case).
    #[serde(default)]
    pub datasource: Option<String>,
    /// From this time on (Unix milliseconds).
    #[serde(default)]
    pub since_ms: Option<i64>,
    /// Before this time (Unix milliseconds).
    #[serde(default)]
    pub until_ms: Option<i64>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct AuditEntry {
    pub at_ms: i64,
    pub username: String,
    /// login, login_failed, logout, ask, sql, datasource_saved, … .
    pub action: String,
    pub datasource_name: Option<String>,
    pub question: Option<String>,
    pub sql: Option<String>,
    /// ok, failed, cancelled, denied.
    pub status: String,
    pub duration_ms: Option<i64>,
    pub detail: Option<String>,
}
