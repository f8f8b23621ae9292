//! SQL a person runs or exports, their history, and cancelling what they started.
use std::time::Instant;

use super::{audit, open_datasource, scoped_id};
use crate::{
    app::model::{Engine, ExportRequest, HistoryEntry, QueryResult, SqlRequest, SqlSpan, UserView},
    server::{
        error::{AppError, AppResult},
        guard,
        export::{self, ExportFile},
        state::AppState,
        store::{now_ms, AuditAction, AuditRecord, AuditStatus},
    },
};

/// Runs the user's SQL through the guard and limits, and writes it to the audit log.
pub async fn run_sql(state: &AppState, user: &UserView, id: &str, request: &SqlRequest) -> AppResult<QueryResult> {
    let datasource = open_datasource(state, user, id).await?;
    let scoped = SqlRequest { query_id: request.query_id.as_deref().map(|q| scoped_id(user, q)), ..request.clone() };
    let _slot = state.datasources.shares().take(datasource.id(), &user.id)?;
    let started = Instant::now();
    let outcome = state.datasources.run_sql(&datasource, &scoped).await.map_err(|e| with_error_place(e, &request.sql, datasource.engine()));
    let status = match &outcome {
        Ok(_) => AuditStatus::Ok,
        Err(AppError::QueryCancelled) => AuditStatus::Cancelled,
        Err(_) => AuditStatus::Failed,
    };
    let record = AuditRecord {
        sql: Some(request.sql.clone()),
        duration_ms: Some(started.elapsed().as_millis() as i64),
        detail: outcome.as_ref().err().map(|e| e.public_message()),
        row_count: outcome.as_ref().ok().map(|r| r.row_count as i64),
        ..AuditRecord::by(user, AuditAction::Sql, status).on_datasource(datasource.id(), datasource.name())
    };
    audit(state, record).await?;
    outcome
}

/// A refusal of SQL the parser could not read, with the place it stopped at (for the editor
/// to underline); any other error as it is.
fn with_error_place(e: AppError, sql: &str, engine: Engine) -> AppError {
    match e {
        AppError::SqlRejected(message) if message.starts_with(guard::UNPARSED) => match guard::syntax_error_at(sql, engine.into()) {
            Some(at) => AppError::SqlSyntax(message, SqlSpan { start: at.start, end: at.end }),
            None => AppError::SqlRejected(message),
        },
        other => other,
    }
}

/// Starts an export of the user's SQL (guard, export row cap) and logs it.
pub async fn export(state: &AppState, user: &UserView, id: &str, request: &ExportRequest) -> AppResult<ExportFile> {
    let datasource = open_datasource(state, user, id).await?;
    let _slot = state.datasources.shares().take(datasource.id(), &user.id)?;
    let rx = state.datasources.export_rows(&datasource, &request.sql, request.format, None).await;
    let started = Instant::now();
    let outcome = match rx {
        Ok(rx) => match export::Rows::start(rx, &request.columns).await {
            Ok(rows) => {
                let stem = export::file_stem(datasource.name(), now_ms());
                export::write(request.format, rows, datasource.name(), &stem).await
            }
            Err(e) => Err(e),
        },
        Err(e) => Err(e),
    };
    let record = AuditRecord {
        sql: Some(request.sql.clone()),
        duration_ms: Some(started.elapsed().as_millis() as i64),
        detail: Some(match &outcome {
            Ok(f) => f.file_name.clone(),
            Err(e) => e.public_message(),
        }),
        ..AuditRecord::by(user, AuditAction::Export, if outcome.is_ok() { AuditStatus::Ok } else { AuditStatus::Failed })
            .on_datasource(datasource.id(), datasource.name())
    };
    audit(state, record).await?;
    outcome
}

/// The user's own runs (questions and SQL), newest first.
pub async fn history(state: &AppState, user: &UserView, search: &str, offset: i64) -> AppResult<Vec<HistoryEntry>> {
    Ok(state.store.history(&user.id, search, 200, offset.max(0)).await?)
}

/// Cancels the user's own running ask or query.
pub async fn cancel(state: &AppState, user: &UserView, query_id: &str) -> bool {
    let scoped = scoped_id(user, query_id);
    state.ask.cancel(&scoped).await || state.datasources.cancel(&scoped).await
}
