//! The use-case layer: the one door through which server functions, `/api/v1` handlers and
//! the CLI reach the services. Each operation applies the same rules, in one place:
//! - who may do it: admins see every datasource; analysts see the ones shared with them, and
//!   anything else is "not found" (an id reveals nothing); conversations, verified answers
//!   and running queries belong to the person who started them;
//! - rate limits (`state.limits`) and each person's share of a datasource's connections;
//! - the audit log (typed `AuditAction`s);
//! - a datasource id is resolved once into a `Datasource` handle that the services take.
use crate::{
    app::model::UserView,
    server::{
        datasources::Datasource,
        error::{AppError, AppResult},
        state::AppState,
        store::{AuditAction, AuditRecord, AuditStatus},
    },
};

pub mod accounts;
pub mod asks;
pub mod datasources;
pub mod queries;
pub mod sessions;
pub mod settings;
pub mod verified;

/// A client-chosen query or ask id, namespaced by its user.
pub fn scoped_id(user: &UserView, id: &str) -> String {
    format!("{}:{id}", user.id)
}

pub fn require_admin(user: &UserView) -> AppResult<()> {
    if user.is_admin() {
        Ok(())
    } else {
        Err(AppError::Denied("only an admin can do this"))
    }
}

/// The datasource `id` as `user` may use it: its stored row read once, or "not found" when
/// it does not exist or is not shared with them.
pub async fn open_datasource(state: &AppState, user: &UserView, id: &str) -> AppResult<Datasource> {
    if !user.is_admin() && !state.store.datasource_granted(id, &user.id).await? {
        return Err(AppError::NotFound("datasource"));
    }
    state.datasources.open(id).await
}

/// The same for admin-only operations.
async fn open_as_admin(state: &AppState, user: &UserView, id: &str) -> AppResult<Datasource> {
    require_admin(user)?;
    state.datasources.open(id).await
}

/// Writes one audit line.
async fn audit(state: &AppState, record: AuditRecord) -> AppResult<()> {
    Ok(state.store.append_audit(&record).await?)
}

/// An admin's change to a datasource, as an audit line.
async fn audit_admin(state: &AppState, user: &UserView, action: AuditAction, datasource: &Datasource) -> AppResult<()> {
    audit(state, AuditRecord::by(user, action, AuditStatus::Ok).on_datasource(datasource.id(), datasource.name())).await
}
