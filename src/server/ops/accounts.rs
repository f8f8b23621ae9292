//! Accounts as a signed-in user sees them: admins manage users and read the audit log;
//! everyone manages their own API tokens.
use super::{audit, require_admin};
use crate::{
    app::model::{AuditEntry, AuditFilter, CreatedToken, NewTokenInput, NewUserInput, PasswordChange, PasswordReset, RoleChange, TokenScope, TokenView, UserView},
    server::{
        auth::{as_field, create_user, issue_token, new_password_hash, Principal},
        error::{AppError, AppResult},
        state::AppState,
        store::{AuditAction, AuditRecord, AuditStatus, Store, TokenAccess},
    },
};

/// Most audit entries one page returns.
pub const AUDIT_PAGE_MAX: i64 = 1_000;

pub async fn list_users(state: &AppState, user: &UserView) -> AppResult<Vec<UserView>> {
    require_admin(user)?;
    Ok(state.store.list_users().await?)
}

pub async fn add_user(state: &AppState, user: &UserView, input: &NewUserInput) -> AppResult<UserView> {
    require_admin(user)?;
    let created = create_user(&state.store, input).await?;
    audit(state, AuditRecord::by(user, AuditAction::UserCreated, AuditStatus::Ok).detail(format!("created {} ({})", created.username, created.role.as_str()))).await?;
    Ok(created)
}

/// Deletes an account (not your own, and never the last admin).
pub async fn remove_user(state: &AppState, user: &UserView, id: &str) -> AppResult<()> {
    require_admin(user)?;
    if id == user.id {
        return Err(AppError::InvalidInput("you cannot delete your own account".into()));
    }
    let target = find_user(state, id).await?;
    if target.is_admin() && state.store.count_admins().await? <= 1 {
        return Err(AppError::InvalidInput("the last admin cannot be deleted".into()));
    }
    state.store.delete_user(id).await?;
    audit(state, AuditRecord::by(user, AuditAction::UserDeleted, AuditStatus::Ok).detail(format!("deleted {}", target.username))).await
}

/// Gives an account another role (not your own: another admin does that, so no one locks
/// themselves out), never taking the admin role from the last admin.
pub async fn change_role(state: &AppState, user: &UserView, id: &str, change: &RoleChange) -> AppResult<UserView> {
    require_admin(user)?;
    if id == user.id {
        return Err(AppError::InvalidInput("you cannot change your own role; another admin can".into()));
    }
    let target = find_user(state, id).await?;
    if target.role == change.role {
        return Ok(target);
    }
    if !state.store.set_role(id, change.role).await? {
        return Err(AppError::InvalidInput("the last admin keeps the admin role".into()));
    }
    let detail = format!("{} is now {} (was {})", target.username, change.role.as_str(), target.role.as_str());
    audit(state, AuditRecord::by(user, AuditAction::RoleChanged, AuditStatus::Ok).detail(detail)).await?;
    Ok(UserView { role: change.role, ..target })
}

/// Sets a new password on someone else's account (yours is changed with the current one) and
/// ends that account's sessions.
pub async fn reset_password(state: &AppState, user: &UserView, id: &str, reset: &PasswordReset) -> AppResult<()> {
    require_admin(user)?;
    if id == user.id {
        return Err(AppError::InvalidInput("change your own password on your account page (it asks for the current one)".into()));
    }
    let target = find_user(state, id).await?;
    let hash = new_password_hash(&reset.password).await.map_err(|e| as_field("password", e))?;
    if !state.store.set_password_hash(id, &hash).await? {
        return Err(AppError::NotFound("user"));
    }
    state.store.delete_sessions_of(id, None).await?;
    audit(state, AuditRecord::by(user, AuditAction::PasswordReset, AuditStatus::Ok).detail(format!("reset the password of {}", target.username))).await
}

/// Changes your own password; your other sessions end.
pub async fn change_password(state: &AppState, principal: &Principal, change: &PasswordChange) -> AppResult<()> {
    let outcome = state.auth.change_password(principal, change).await;
    let status = if outcome.is_ok() { AuditStatus::Ok } else { AuditStatus::Denied };
    audit(state, AuditRecord::by(&principal.user, AuditAction::PasswordChanged, status)).await?;
    outcome
}

async fn find_user(state: &AppState, id: &str) -> AppResult<UserView> {
    state.store.list_users().await?.into_iter().find(|u| u.id == id).ok_or(AppError::NotFound("user"))
}

pub async fn list_tokens(state: &AppState, user: &UserView) -> AppResult<Vec<TokenView>> {
    Ok(state.store.list_tokens(&user.id).await?)
}

/// A new personal API token; its secret is returned once and stored only as a hash. Takes
/// the store alone, since `databaseai admin create-token` runs without a server. `by` is who
/// asks: a token can only make tokens that do no more than itself.
pub async fn create_token(store: &Store, by: &Principal, input: &NewTokenInput) -> AppResult<CreatedToken> {
    let access = token_access(store, by, input).await?;
    let created = issue_token(store, &by.user, &input.name, &access).await?;
    let scopes: Vec<&str> = access.scopes.iter().map(|s| s.as_str()).collect();
    let reach = access.datasource_ids.as_ref().map_or("every datasource".to_string(), |ids| format!("datasources {}", ids.join(", ")));
    let detail = format!("token {:?} ({}…): {} on {reach}", created.token.name, created.token.prefix, scopes.join(" "));
    store.append_audit(&AuditRecord::by(&by.user, AuditAction::TokenCreated, AuditStatus::Ok).detail(detail)).await?;
    Ok(created)
}

/// Most datasources one token may be limited to.
const MAX_TOKEN_DATASOURCES: usize = 100;

/// The scopes and datasources a new token gets: all scopes when none are named, the maker's
/// datasource list (if any) when none is named; each named datasource must be one its user
/// may use and the maker reaches.
async fn token_access(store: &Store, by: &Principal, input: &NewTokenInput) -> AppResult<TokenAccess> {
    let mut scopes = input.scopes.clone().unwrap_or_else(|| TokenScope::ALL.to_vec());
    scopes.sort();
    scopes.dedup();
    if let Some(maker) = &by.token {
        if scopes.iter().any(|s| !maker.access.scopes.contains(s)) {
            return Err(AppError::Denied("a token cannot make a token that may do more than itself"));
        }
    }
    let datasource_ids = match &input.datasource_ids {
        None => by.token.as_ref().and_then(|t| t.access.datasource_ids.clone()),
        Some(ids) => {
            let mut ids: Vec<String> = ids.iter().map(|id| id.trim().to_string()).collect();
            ids.sort();
            ids.dedup();
            let invalid = |message: String| as_field("datasource_ids", AppError::InvalidInput(message));
            if ids.is_empty() || ids.len() > MAX_TOKEN_DATASOURCES {
                return Err(invalid(format!("choose 1 to {MAX_TOKEN_DATASOURCES} datasources, or leave the list out for all of them")));
            }
            for id in &ids {
                let usable = store.get_datasource(id).await?.is_some()
                    && (by.user.is_admin() || store.datasource_granted(id, &by.user.id).await?)
                    && by.reaches(id);
                if !usable {
                    return Err(invalid(format!("there is no datasource {id:?} that you may use")));
                }
            }
            Some(ids)
        }
    };
    Ok(TokenAccess { scopes, datasource_ids })
}

pub async fn revoke_token(state: &AppState, user: &UserView, id: &str) -> AppResult<()> {
    if !state.store.delete_token(&user.id, id).await? {
        return Err(AppError::NotFound("token"));
    }
    audit(state, AuditRecord::by(user, AuditAction::TokenRevoked, AuditStatus::Ok).detail(format!("token {id}"))).await
}

pub async fn audit_log(state: &AppState, user: &UserView, filter: &AuditFilter, limit: i64, offset: i64) -> AppResult<Vec<AuditEntry>> {
    require_admin(user)?;
    Ok(state.store.list_audit(filter, limit.clamp(1, AUDIT_PAGE_MAX), offset.max(0)).await?)
}

/// The audit log as CSV, newest first. Cells that a spreadsheet would run as a formula are
/// prefixed with a quote.
pub async fn audit_csv(state: &AppState, user: &UserView) -> AppResult<String> {
    require_admin(user)?;
    let mut out = csv::Writer::from_writer(Vec::new());
    out.write_record(["time_utc_ms", "user", "action", "datasource", "question", "sql", "status", "duration_ms", "detail"])
        .map_err(AppError::internal)?;
    let mut offset = 0;
    loop {
        let page = state.store.list_audit(&AuditFilter::default(), AUDIT_PAGE_MAX, offset).await?;
        for e in &page {
            let cells = [
                e.at_ms.to_string(),
                e.username.clone(),
                e.action.clone(),
                e.datasource_name.clone().unwrap_or_default(),
                e.question.clone().unwrap_or_default(),
                e.sql.clone().unwrap_or_default(),
                e.status.clone(),
                e.duration_ms.map(|d| d.to_string()).unwrap_or_default(),
                e.detail.clone().unwrap_or_default(),
            ];
            out.write_record(cells.iter().map(|c| neutralize_formula(c))).map_err(AppError::internal)?;
        }
        if (page.len() as i64) < AUDIT_PAGE_MAX {
            break;
        }
        offset += AUDIT_PAGE_MAX;
    }
    String::from_utf8(out.into_inner().map_err(|e| AppError::internal(e.to_string()))?).map_err(AppError::internal)
}

/// A cell starting with = + - @ (or tab/CR) is read as a formula by spreadsheets: make it text.
pub fn neutralize_formula(cell: &str) -> String {
    match cell.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{cell}"),
        _ => cell.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::neutralize_formula;

    #[test]
    fn spreadsheet_formulas_are_neutralised() {
        assert_eq!(neutralize_formula("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(neutralize_formula("-1"), "'-1");
        assert_eq!(neutralize_formula("SELECT 1"), "SELECT 1");
    }
}
