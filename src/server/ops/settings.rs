//! The language model settings (admins only).
use super::{audit, require_admin};
use crate::{
    app::model::{LlmProviderInput, LlmProviderView, LlmTestResult, UserView},
    server::{
        error::AppResult,
        state::AppState,
        store::{AuditAction, AuditRecord, AuditStatus},
    },
};

pub async fn llm_settings(state: &AppState, user: &UserView) -> AppResult<LlmProviderView> {
    require_admin(user)?;
    Ok(state.llm.view().await)
}

pub async fn save_llm_settings(state: &AppState, user: &UserView, input: &LlmProviderInput) -> AppResult<LlmProviderView> {
    require_admin(user)?;
    let saved = state.llm.save(input).await?;
    audit(state, AuditRecord::by(user, AuditAction::LlmSettingsSaved, AuditStatus::Ok).detail(format!("{} at {}", saved.model, saved.base_url))).await?;
    Ok(saved)
}

/// Forgets the settings saved on the page and goes back to the flags / environment.
pub async fn reset_llm_settings(state: &AppState, user: &UserView) -> AppResult<LlmProviderView> {
    require_admin(user)?;
    let view = state.llm.reset().await?;
    audit(state, AuditRecord::by(user, AuditAction::LlmSettingsReset, AuditStatus::Ok)).await?;
    Ok(view)
}

pub async fn test_llm_settings(state: &AppState, user: &UserView, input: &LlmProviderInput) -> AppResult<LlmTestResult> {
    require_admin(user)?;
    state.limits.test_connection.check(&user.id)?;
    state.llm.test(input).await
}
