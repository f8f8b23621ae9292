//! The tools and resources. Each tool: find the principal, check the token's scope and
//! datasource list, call `ops`, write one `mcp_tool` audit line naming the token, and return
//! JSON text. A refusal (scope, guard, not found) is a tool result with `isError`, so the
//! calling model reads the reason; malformed calls are JSON-RPC errors from the SDK.
use std::time::Instant;

use rmcp::{
    handler::server::{router::tool::ToolRouter, wrapper::Parameters},
    model::{
        CallToolResult, ContentBlock, ListResourcesResult, PaginatedRequestParams, ReadResourceRequestParams, ReadResourceResponse, ReadResourceResult, Resource,
        ResourceContents, ServerCapabilities, ServerConfig,
    },
    schemars::{self, JsonSchema},
    service::RequestContext,
    tool, tool_handler, tool_router, ErrorData, RoleServer, ServerHandler,
};
use serde::Deserialize;
use serde_json::{json, Value};

use super::output;
use crate::{
    app::model::{AskRequest, SqlRequest, TokenScope},
    server::{
        auth::Principal,
        error::{AppError, AppResult},
        ops,
        state::AppState,
        store::{AuditAction, AuditRecord, AuditStatus},
    },
};

/// Longest question or SQL text a tool takes.
const MAX_TEXT_CHARS: usize = 20_000;
/// Scheme of the schema resources: `databaseai://datasources/<id>/schema`.
const RESOURCE_PREFIX: &str = "databaseai://datasources/";

#[derive(Clone)]
pub struct DatabaseTools {
    state: AppState,
    /// The stdio server's principal; over HTTP each request brings its own.
    fixed: Option<Principal>,
    tool_router: ToolRouter<DatabaseTools>,
}

/// A tool call that was let in: who makes it and since when.
struct Call {
    me: Principal,
    started: Instant,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DescribeSchemaArgs {
    /// The datasource's id, from list_datasources.
    pub datasource_id: String,
    /// Only tables whose name, comment, or a column's name or comment contains this text (any case).
    #[serde(default)]
    pub search: Option<String>,
    /// Page of the matching tables, from 1 (25 tables a page).
    #[serde(default)]
    pub page: Option<u32>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AskArgs {
    /// The datasource's id, from list_datasources.
    pub datasource_id: String,
    /// The question in plain language, e.g. "Which five customers spent the most in 2024?"
    pub question: String,
    /// To ask a follow-up ("and by month?"), the conversation_id an earlier ask returned.
    #[serde(default)]
    pub conversation_id: Option<String>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RunSqlArgs {
    /// The datasource's id, from list_datasources.
    pub datasource_id: String,
    /// One read-only statement (SELECT, WITH … SELECT, VALUES) in the datasource's dialect.
    pub sql: String,
    /// Rows to return, 1 to 500 (default 50).
    #[serde(default)]
    pub max_rows: Option<u32>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ExplainSqlArgs {
    /// The datasource's id, from list_datasources.
    pub datasource_id: String,
    /// One read-only query whose plan to show (without EXPLAIN in front).
    pub sql: String,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DatasourceArgs {
    /// The datasource's id, from list_datasources.
    pub datasource_id: String,
}

#[tool_router]
impl DatabaseTools {
    pub fn new(state: AppState, fixed: Option<Principal>) -> DatabaseTools {
        DatabaseTools { state, fixed, tool_router: Self::tool_router() }
    }

    #[tool(
        description = "List the SQL databases (datasources) you can query, with the id every other tool takes, \
                       the name and the engine (PostgreSQL, MySQL / MariaDB or SQLite, which decides the SQL dialect)."
    )]
    async fn list_datasources(&self, ctx: RequestContext<RoleServer>) -> Result<CallToolResult, ErrorData> {
        let call = match self.admit(&ctx, "list_datasources", TokenScope::Schema, None, None).await {
            Ok(call) => call,
            Err(refusal) => return Ok(refusal),
        };
        let me = &call.me;
        let outcome = ops::datasources::list(&self.state, &me.user).await.map(|list| {
            let shown: Vec<Value> =
                list.iter().filter(|d| me.reaches(&d.id)).map(|d| json!({"id": d.id, "name": d.name, "engine": d.engine.label()})).collect();
            json!({ "datasources": shown })
        });
        self.finish(&call, "list_datasources", None, None, outcome).await
    }

    #[tool(
        description = "Describe a datasource's tables: columns with types, primary keys, foreign keys (which column \
                       references which) and comments. Large schemas come in pages of 25 tables; pass `search` to find \
                       the tables about a subject (it matches table and column names and comments). Read this before \
                       writing SQL for run_sql."
    )]
    async fn describe_schema(&self, Parameters(args): Parameters<DescribeSchemaArgs>, ctx: RequestContext<RoleServer>) -> Result<CallToolResult, ErrorData> {
        let id = args.datasource_id.as_str();
        let call = match self.admit(&ctx, "describe_schema", TokenScope::Schema, Some(id), args.search.as_deref()).await {
            Ok(call) => call,
            Err(refusal) => return Ok(refusal),
        };
        let me = &call.me;
        let outcome = ops::datasources::schema(&self.state, &me.user, id, false)
            .await
            .map(|schema| output::schema_page(&schema, args.search.as_deref().unwrap_or(""), args.page.unwrap_or(1)));
        self.finish(&call, "describe_schema", Some(id), None, outcome).await
    }

    #[tool(
        description = "Answer a question about a datasource's data in plain language. The server writes the SQL, \
                       checks that it only reads, runs it with time and row limits and returns the SQL, a short \
                       explanation, the rows (at most 50) and a confidence (high, medium or low: whether independent \
                       attempts agreed). Pass the returned conversation_id to ask a follow-up. It cannot change data."
    )]
    async fn ask(&self, Parameters(args): Parameters<AskArgs>, ctx: RequestContext<RoleServer>) -> Result<CallToolResult, ErrorData> {
        let id = args.datasource_id.as_str();
        let call = match self.admit(&ctx, "ask", TokenScope::Ask, Some(id), Some(&args.question)).await {
            Ok(call) => call,
            Err(refusal) => return Ok(refusal),
        };
        let me = &call.me;
        let request = AskRequest { question: args.question.clone(), conversation_id: args.conversation_id.clone(), pinned_tables: Vec::new(), ask_id: None };
        let outcome = ops::asks::ask(&self.state, &me.user, id, &request).await.map(|answer| {
            let mut out = json!({
                "sql": answer.sql,
                "explanation": answer.explanation,
                "confidence": answer.confidence,
                "conversation_id": answer.conversation_id,
                "result": output::rows(&answer.result, output::DEFAULT_ROWS),
            });
            if let Some(q) = &answer.verified_question {
                out["verified_question"] = json!(q);
            }
            out
        });
        self.finish(&call, "ask", Some(id), Some(&args.question), outcome).await
    }

    #[tool(
        description = "Run one read-only SQL statement on a datasource and return its rows (50 unless max_rows says \
                       otherwise, at most 500). Only reading is allowed: the server parses the SQL with the database's \
                       own grammar and refuses anything that could change data or settings, with the reason. Use \
                       describe_schema first to get table and column names right."
    )]
    async fn run_sql(&self, Parameters(args): Parameters<RunSqlArgs>, ctx: RequestContext<RoleServer>) -> Result<CallToolResult, ErrorData> {
        let id = args.datasource_id.as_str();
        let call = match self.admit(&ctx, "run_sql", TokenScope::Sql, Some(id), Some(&args.sql)).await {
            Ok(call) => call,
            Err(refusal) => return Ok(refusal),
        };
        let me = &call.me;
        let shown = args.max_rows.unwrap_or(output::DEFAULT_ROWS).clamp(1, output::MAX_ROWS);
        let request = SqlRequest { sql: args.sql.clone(), max_rows: Some(shown), query_id: None };
        let outcome = ops::queries::run_sql(&self.state, &me.user, id, &request).await.map(|result| output::rows(&result, shown));
        self.finish(&call, "run_sql", Some(id), Some(&args.sql), outcome).await
    }

    #[tool(
        description = "Show the database's plan for a read-only query (EXPLAIN, without running it), to check that \
                       a query will use indexes before running it on large tables."
    )]
    async fn explain_sql(&self, Parameters(args): Parameters<ExplainSqlArgs>, ctx: RequestContext<RoleServer>) -> Result<CallToolResult, ErrorData> {
        let id = args.datasource_id.as_str();
        let call = match self.admit(&ctx, "explain_sql", TokenScope::Sql, Some(id), Some(&args.sql)).await {
            Ok(call) => call,
            Err(refusal) => return Ok(refusal),
        };
        let me = &call.me;
        // The guard reads the whole text: EXPLAIN of anything but one query is refused there.
        let request = SqlRequest { sql: format!("EXPLAIN {}", args.sql.trim()), max_rows: Some(output::MAX_ROWS), query_id: None };
        let outcome = ops::queries::run_sql(&self.state, &me.user, id, &request).await.map(|result| output::rows(&result, output::MAX_ROWS));
        self.finish(&call, "explain_sql", Some(id), Some(&args.sql), outcome).await
    }

    #[tool(
        description = "List a datasource's verified answers: questions people checked, each with the SQL that answers \
                       it. Good examples of how this database is queried; ask uses them itself."
    )]
    async fn list_verified_answers(&self, Parameters(args): Parameters<DatasourceArgs>, ctx: RequestContext<RoleServer>) -> Result<CallToolResult, ErrorData> {
        let id = args.datasource_id.as_str();
        let call = match self.admit(&ctx, "list_verified_answers", TokenScope::Schema, Some(id), None).await {
            Ok(call) => call,
            Err(refusal) => return Ok(refusal),
        };
        let me = &call.me;
        let outcome = ops::verified::list(&self.state, &me.user, id).await.map(|answers| {
            let shown: Vec<Value> = answers.iter().map(|a| json!({"question": a.question, "sql": a.sql, "approved": a.approved})).collect();
            json!({ "verified_answers": shown })
        });
        self.finish(&call, "list_verified_answers", Some(id), None, outcome).await
    }
}

impl DatabaseTools {
    /// The caller, when it may use `tool` on `datasource`; otherwise the refusal to return
    /// (also written to the audit log).
    async fn admit(&self, ctx: &RequestContext<RoleServer>, tool: &str, scope: TokenScope, datasource: Option<&str>, text: Option<&str>) -> Result<Call, CallToolResult> {
        let started = Instant::now();
        let me = self.principal(ctx).map_err(|e| refusal(&e))?;
        let checked = match text {
            Some(t) if t.chars().count() > MAX_TEXT_CHARS => Err(AppError::InvalidInput(format!("the text is longer than {MAX_TEXT_CHARS} characters"))),
            _ => me
                .require(scope)
                .and_then(|_| datasource.map_or(Ok(()), |id| me.require_datasource(id)))
                .and_then(|_| self.state.limits.mcp_call.check(&me.user.id)),
        };
        let call = Call { me, started };
        match checked {
            Ok(()) => Ok(call),
            Err(e) => {
                self.audit(&call, tool, datasource, None, Some(&e)).await;
                Err(refusal(&e))
            }
        }
    }

    fn principal(&self, ctx: &RequestContext<RoleServer>) -> AppResult<Principal> {
        if let Some(p) = &self.fixed {
            return Ok(p.clone());
        }
        // Set by the authentication middleware on the HTTP request that carried this call.
        ctx.extensions
            .get::<axum::http::request::Parts>()
            .and_then(|parts| parts.extensions.get::<Principal>())
            .cloned()
            .ok_or(AppError::Unauthenticated)
    }

    /// Audits the call and turns its outcome into the tool's result.
    async fn finish(&self, call: &Call, tool: &str, datasource: Option<&str>, text: Option<&str>, outcome: AppResult<Value>) -> Result<CallToolResult, ErrorData> {
        self.audit(call, tool, datasource, text, outcome.as_ref().err()).await;
        Ok(match outcome {
            Ok(value) => CallToolResult::success(vec![ContentBlock::text(value.to_string())]),
            Err(e) => refusal(&e),
        })
    }

    async fn audit(&self, call: &Call, tool: &str, datasource: Option<&str>, text: Option<&str>, error: Option<&AppError>) {
        let via = match call.me.token_name() {
            Some(name) => format!("{tool} via token {name:?}"),
            None => format!("{tool} via stdio"),
        };
        let (status, detail) = match error {
            None => (AuditStatus::Ok, via),
            Some(e @ (AppError::Denied(_) | AppError::NotFound(_) | AppError::SqlRejected(_) | AppError::SqlSyntax(..) | AppError::ChangeRefused(_))) => {
                (AuditStatus::Denied, format!("{via}: {}", e.public_message()))
            }
            Some(e) => (AuditStatus::Failed, format!("{via}: {}", e.public_message())),
        };
        let record = AuditRecord {
            datasource_id: datasource.map(str::to_string),
            question: text.map(str::to_string),
            duration_ms: Some(call.started.elapsed().as_millis() as i64),
            detail: Some(detail),
            ..AuditRecord::by(&call.me.user, AuditAction::McpTool, status)
        };
        if let Err(e) = self.state.store.append_audit(&record).await {
            tracing::error!(error = %e, "cannot write the audit line of an MCP tool call");
        }
    }

    fn schema_resources(&self, me: &Principal, list: &[crate::app::model::DatasourceSummary]) -> Vec<Resource> {
        list.iter()
            .filter(|d| me.reaches(&d.id))
            .map(|d| {
                Resource::new(format!("{RESOURCE_PREFIX}{}/schema", d.id), format!("{} schema", d.name))
                    .with_description(format!("Tables and columns of the {} datasource {:?} (JSON)", d.engine.label(), d.name))
                    .with_mime_type("application/json")
            })
            .collect()
    }
}

/// An error as a tool result the model reads: `isError` with the public message.
fn refusal(e: &AppError) -> CallToolResult {
    CallToolResult::error(vec![ContentBlock::text(json!({"error": {"code": e.code(), "message": e.public_message()}}).to_string())])
}

#[tool_handler(router = self.tool_router)]
impl ServerHandler for DatabaseTools {
    fn get_info(&self) -> ServerConfig {
        ServerConfig::new(ServerCapabilities::builder().enable_tools().enable_resources().build())
            .with_server_info(rmcp::model::Implementation::new("databaseai", env!("CARGO_PKG_VERSION")))
            .with_instructions(
                "DatabaseAI answers questions about SQL databases, read-only. Call list_datasources first; then either \
                 ask (plain-language questions; the server writes and checks the SQL) or describe_schema followed by \
                 run_sql (your own read-only SQL). Statements that would change data are refused with the reason.",
            )
    }

    async fn list_resources(&self, _request: Option<PaginatedRequestParams>, ctx: RequestContext<RoleServer>) -> Result<ListResourcesResult, ErrorData> {
        let me = self.principal(&ctx).map_err(rpc_error)?;
        if me.require(TokenScope::Schema).is_err() {
            return Ok(ListResourcesResult::with_all_items(Vec::new()));
        }
        let list = ops::datasources::list(&self.state, &me.user).await.map_err(rpc_error)?;
        Ok(ListResourcesResult::with_all_items(self.schema_resources(&me, &list)))
    }

    async fn read_resource(&self, request: ReadResourceRequestParams, ctx: RequestContext<RoleServer>) -> Result<ReadResourceResponse, ErrorData> {
        let me = self.principal(&ctx).map_err(rpc_error)?;
        let id = request
            .uri
            .strip_prefix(RESOURCE_PREFIX)
            .and_then(|rest| rest.strip_suffix("/schema"))
            .filter(|id| !id.is_empty() && !id.contains('/'))
            .ok_or_else(|| ErrorData::resource_not_found(format!("no resource {:?}", request.uri), None))?;
        me.require(TokenScope::Schema).and_then(|_| me.require_datasource(id)).map_err(rpc_error)?;
        let schema = ops::datasources::schema(&self.state, &me.user, id, false).await.map_err(rpc_error)?;
        let text = output::schema_whole(&schema).to_string();
        Ok(ReadResourceResult::new(vec![ResourceContents::text(text, request.uri.clone())]).into())
    }
}

fn rpc_error(e: AppError) -> ErrorData {
    match e {
        AppError::NotFound(_) => ErrorData::resource_not_found(e.public_message(), None),
        AppError::Denied(_) | AppError::Unauthenticated => ErrorData::invalid_request(e.public_message(), None),
        _ => ErrorData::internal_error(e.public_message(), None),
    }
}
