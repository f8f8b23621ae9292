//! Datasources: listing and reading them (as shared), saving, sharing and testing them
//! (admins), their schema and the functions queries may call.
use std::sync::Arc;

use super::{audit, audit_admin, open_as_admin, open_datasource, require_admin};
use crate::{
    app::model::{ConnectionTest, DatasourceFunctions, DatasourceInput, DatasourceSharing, DatasourceSummary, SchemaInfo, UserView},
    server::{
        error::{AppError, AppResult},
        state::AppState,
        store::{AuditAction, AuditRecord, AuditStatus},
    },
};

pub async fn list(state: &AppState, user: &UserView) -> AppResult<Vec<DatasourceSummary>> {
    let all = state.datasources.list().await?;
    if user.is_admin() {
        return Ok(all);
    }
    let granted = state.store.granted_datasources(&user.id).await?;
    Ok(all.into_iter().filter(|d| granted.contains(&d.id)).collect())
}

pub async fn get(state: &AppState, user: &UserView, id: &str) -> AppResult<DatasourceSummary> {
    Ok(open_datasource(state, user, id).await?.summary().clone())
}

/// Creates (`id: None`) or updates a datasource. Admins only.
pub async fn save(state: &AppState, user: &UserView, id: Option<&str>, input: &DatasourceInput) -> AppResult<DatasourceSummary> {
    require_admin(user)?;
    let saved = match id {
        Some(id) => {
            let datasource = state.datasources.open(id).await?;
            state.datasources.update(&datasource, input).await?
        }
        None => state.datasources.create(input).await?,
    };
    let record = AuditRecord::by(user, AuditAction::DatasourceSaved, AuditStatus::Ok).on_datasource(&saved.id, &saved.name);
    audit(state, record).await?;
    Ok(saved)
}

pub async fn delete(state: &AppState, user: &UserView, id: &str) -> AppResult<()> {
    let datasource = open_as_admin(state, user, id).await?;
    state.datasources.delete(&datasource).await?;
    audit_admin(state, user, AuditAction::DatasourceDeleted, &datasource).await
}

pub async fn test(state: &AppState, user: &UserView, id: &str) -> AppResult<ConnectionTest> {
    require_admin(user)?;
    state.limits.test_connection.check(&user.id)?;
    let datasource = state.datasources.open(id).await?;
    state.datasources.test(&datasource).await
}

/// Tests settings before they are saved: a new datasource (`id: None`) or an edit of `id`,
/// whose stored password an empty password field stands for. Admins only.
pub async fn test_settings(state: &AppState, user: &UserView, id: Option<&str>, input: &DatasourceInput) -> AppResult<ConnectionTest> {
    require_admin(user)?;
    state.limits.test_connection.check(&user.id)?;
    let existing = match id {
        Some(id) => Some(state.datasources.open(id).await?),
        None => None,
    };
    state.datasources.test_input(existing.as_ref(), input).await
}

pub async fn schema(state: &AppState, user: &UserView, id: &str, refresh: bool) -> AppResult<Arc<SchemaInfo>> {
    let datasource = open_datasource(state, user, id).await?;
    state.datasources.schema(&datasource, refresh).await
}

/// The datasource's own functions admins allowed in queries (admins only).
pub async fn allowed_functions(state: &AppState, user: &UserView, id: &str) -> AppResult<DatasourceFunctions> {
    let datasource = open_as_admin(state, user, id).await?;
    Ok(DatasourceFunctions { functions: datasource.summary().allowed_functions.clone() })
}

/// Replaces that list (admins only); audited, since it widens what queries may call.
pub async fn set_allowed_functions(state: &AppState, user: &UserView, id: &str, input: &DatasourceFunctions) -> AppResult<DatasourceFunctions> {
    let datasource = open_as_admin(state, user, id).await?;
    let functions = state.datasources.set_allowed_functions(&datasource, &input.functions).await?;
    let listed = if functions.is_empty() { "none".to_string() } else { functions.join(", ") };
    let record = AuditRecord::by(user, AuditAction::FunctionsAllowed, AuditStatus::Ok)
        .on_datasource(datasource.id(), datasource.name())
        .detail(format!("allowed functions: {listed}"));
    audit(state, record).await?;
    Ok(DatasourceFunctions { functions })
}

pub async fn sharing(state: &AppState, user: &UserView, id: &str) -> AppResult<DatasourceSharing> {
    let datasource = open_as_admin(state, user, id).await?;
    read_sharing(state, datasource.id()).await
}

async fn read_sharing(state: &AppState, id: &str) -> AppResult<DatasourceSharing> {
    let grantees = state.store.datasource_grantees(id).await?;
    Ok(DatasourceSharing { everyone: grantees.iter().any(|g| g == "*"), users: grantees.into_iter().filter(|g| g != "*").collect() })
}

pub async fn set_sharing(state: &AppState, user: &UserView, id: &str, sharing: &DatasourceSharing) -> AppResult<DatasourceSharing> {
    let datasource = open_as_admin(state, user, id).await?;
    let known: Vec<String> = state.store.list_users().await?.into_iter().map(|u| u.id).collect();
    if let Some(unknown) = sharing.users.iter().find(|u| !known.contains(u)) {
        return Err(AppError::InvalidInput(format!("no user has the id {unknown:?}")));
    }
    let mut grantees = sharing.users.clone();
    if sharing.everyone {
        grantees.push("*".into());
    }
    state.store.set_datasource_grantees(datasource.id(), &grantees).await?;
    audit_admin(state, user, AuditAction::DatasourceShared, &datasource).await?;
    read_sharing(state, datasource.id()).await
}
