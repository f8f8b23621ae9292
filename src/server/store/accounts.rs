//! Users, sessions, API tokens and datasource grants.
use sqlx::Row;

use super::{datasources::is_unique_violation, now_ms, Store};
use crate::{
    app::model::{Role, TokenScope, TokenView, UserView},
    server::error::{AppError, AppResult},
};

/// The `--no-auth` user's name; it has no password, so no one can sign in as it.
pub const LOCAL_USERNAME: &str = "local";

pub struct NewUserRecord {
    pub username: String,
    pub password_hash: Option<String>,
    pub role: Role,
}

/// What a token may do: its scopes and, when limited, the only datasources it reaches.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TokenAccess {
    pub scopes: Vec<TokenScope>,
    pub datasource_ids: Option<Vec<String>>,
}

impl TokenAccess {
    /// Everything its user may do: tokens made without a choice.
    pub fn full() -> TokenAccess {
        TokenAccess { scopes: TokenScope::ALL.to_vec(), datasource_ids: None }
    }

    fn scopes_text(&self) -> String {
        self.scopes.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(" ")
    }

    fn datasource_ids_json(&self) -> Option<String> {
        self.datasource_ids.as_ref().map(|ids| serde_json::to_string(ids).unwrap_or_default())
    }
}

/// A token that authenticated a request: which one (for the audit log) and what it may do.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TokenGrant {
    pub id: String,
    pub name: String,
    pub access: TokenAccess,
}

fn access_from_row(r: &sqlx::any::AnyRow) -> Result<TokenAccess, sqlx::Error> {
    let scopes: String = r.try_get("scopes")?;
    let scopes = scopes
        .split_whitespace()
        .map(|s| TokenScope::parse(s).ok_or_else(|| sqlx::Error::Decode(format!("unknown token scope {s:?}").into())))
        .collect::<Result<Vec<_>, _>>()?;
    let ids: Option<String> = r.try_get("datasource_ids")?;
    let datasource_ids = ids.map(|j| serde_json::from_str(&j).map_err(|e| sqlx::Error::Decode(Box::new(e)))).transpose()?;
    Ok(TokenAccess { scopes, datasource_ids })
}

fn user_from_row(r: &sqlx::any::AnyRow) -> Result<UserView, sqlx::Error> {
    let role: String = r.try_get("role")?;
    Ok(UserView {
        id: r.try_get("id")?,
        username: r.try_get("username")?,
        role: Role::parse(&role).ok_or_else(|| sqlx::Error::Decode(format!("unknown role {role:?}").into()))?,
    })
}

impl Store {
    pub async fn insert_user(&self, user: &NewUserRecord) -> AppResult<UserView> {
        let id = uuid::Uuid::new_v4().to_string();
        let inserted = sqlx::query("INSERT INTO users (id, username, password_hash, role, created_at_ms) VALUES ($1, $2, $3, $4, $5)")
            .bind(&id)
            .bind(&user.username)
            .bind(&user.password_hash)
            .bind(user.role.as_str())
            .bind(now_ms())
            .execute(&self.pool)
            .await;
        match inserted {
            Ok(_) => Ok(UserView { id, username: user.username.clone(), role: user.role }),
            Err(e) if is_unique_violation(&e) => Err(AppError::InvalidInput(format!("the username {:?} is taken", user.username))),
            Err(e) => Err(e.into()),
        }
    }

    /// Accounts someone can sign in to.
    pub async fn has_password_users(&self) -> Result<bool, sqlx::Error> {
        let n: i64 = sqlx::query_scalar("SELECT count(*) FROM users WHERE password_hash IS NOT NULL").fetch_one(&self.pool).await?;
        Ok(n > 0)
    }

    /// A password-less account (the `--no-auth` user or the eval runner), created once.
    pub async fn ensure_system_user(&self, username: &str) -> Result<UserView, sqlx::Error> {
        let role = if username == LOCAL_USERNAME { Role::Admin } else { Role::Analyst };
        let _ = sqlx::query(
            "INSERT INTO users (id, username, password_hash, role, created_at_ms) VALUES ($1, $2, NULL, $3, $4) ON CONFLICT (username) DO NOTHING",
        )
        .bind(uuid::Uuid::new_v4().to_string())
        .bind(username)
        .bind(role.as_str())
        .bind(now_ms())
        .execute(&self.pool)
        .await?;
        let row = sqlx::query("SELECT id, username, role FROM users WHERE username = $1").bind(username).fetch_one(&self.pool).await?;
        user_from_row(&row)
    }

    pub async fn ensure_local_user(&self) -> Result<UserView, sqlx::Error> {
        self.ensure_system_user(LOCAL_USERNAME).await
    }

    /// The user and their password hash (None for system users).
    pub async fn user_with_hash(&self, username: &str) -> Result<Option<(UserView, Option<String>)>, sqlx::Error> {
        let row = sqlx::query("SELECT id, username, role, password_hash FROM users WHERE username = $1")
            .bind(username)
            .fetch_optional(&self.pool)
            .await?;
        row.map(|r| Ok((user_from_row(&r)?, r.try_get("password_hash")?))).transpose()
    }

    pub async fn user_by_name(&self, username: &str) -> Result<Option<UserView>, sqlx::Error> {
        Ok(self.user_with_hash(username).await?.map(|(u, _)| u))
    }

    /// Accounts people sign in to, by name.
    pub async fn list_users(&self) -> Result<Vec<UserView>, sqlx::Error> {
        let rows = sqlx::query("SELECT id, username, role FROM users WHERE password_hash IS NOT NULL ORDER BY username")
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(user_from_row).collect()
    }

    pub async fn count_admins(&self) -> Result<i64, sqlx::Error> {
        sqlx::query_scalar("SELECT count(*) FROM users WHERE role = 'admin' AND password_hash IS NOT NULL").fetch_one(&self.pool).await
    }

    /// Deletes an account with its sessions, tokens and conversations.
    pub async fn delete_user(&self, id: &str) -> Result<bool, sqlx::Error> {
        sqlx::query("DELETE FROM datasource_grants WHERE grantee = $1").bind(id).execute(&self.pool).await?;
        let done = sqlx::query("DELETE FROM users WHERE id = $1 AND password_hash IS NOT NULL").bind(id).execute(&self.pool).await?;
        Ok(done.rows_affected() == 1)
    }

    /// A new password hash for an account someone signs in to.
    pub async fn set_password_hash(&self, id: &str, hash: &str) -> Result<bool, sqlx::Error> {
        let done = sqlx::query("UPDATE users SET password_hash = $2 WHERE id = $1 AND password_hash IS NOT NULL")
            .bind(id)
            .bind(hash)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Changes an account's role. Taking the admin role from the last admin changes nothing
    /// (checked in the same statement, so two admins demoting each other cannot both succeed).
    pub async fn set_role(&self, id: &str, role: Role) -> Result<bool, sqlx::Error> {
        let done = sqlx::query(
            "UPDATE users SET role = $2 WHERE id = $1 AND password_hash IS NOT NULL \
             AND ($2 = 'admin' OR (SELECT count(*) FROM users WHERE role = 'admin' AND password_hash IS NOT NULL AND id <> $1) > 0)",
        )
        .bind(id)
        .bind(role.as_str())
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Ends the account's sessions, except `keep` (the hash of the session making the change).
    pub async fn delete_sessions_of(&self, user_id: &str, keep: Option<&str>) -> Result<u64, sqlx::Error> {
        let done = sqlx::query("DELETE FROM sessions WHERE user_id = $1 AND token_hash <> $2")
            .bind(user_id)
            .bind(keep.unwrap_or(""))
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected())
    }

    pub async fn create_session(&self, token_hash: &str, user_id: &str) -> Result<(), sqlx::Error> {
        let now = now_ms();
        sqlx::query("INSERT INTO sessions (token_hash, user_id, created_at_ms, last_seen_ms) VALUES ($1, $2, $3, $3)")
            .bind(token_hash)
            .bind(user_id)
            .bind(now)
            .execute(&self.pool)
            .await
            .map(|_| ())
    }

    pub async fn delete_session(&self, token_hash: &str) -> Result<(), sqlx::Error> {
        sqlx::query("DELETE FROM sessions WHERE token_hash = $1").bind(token_hash).execute(&self.pool).await.map(|_| ())
    }

    pub async fn touch_session(&self, token_hash: &str, now: i64) -> Result<(), sqlx::Error> {
        sqlx::query("UPDATE sessions SET last_seen_ms = $2 WHERE token_hash = $1").bind(token_hash).bind(now).execute(&self.pool).await.map(|_| ())
    }

    /// The session's user, its start and last activity.
    pub async fn session_user(&self, token_hash: &str) -> Result<Option<(UserView, i64, i64)>, sqlx::Error> {
        let row = sqlx::query(
            "SELECT u.id, u.username, u.role, s.created_at_ms, s.last_seen_ms FROM sessions s JOIN users u ON u.id = s.user_id \
             WHERE s.token_hash = $1",
        )
        .bind(token_hash)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|r| Ok((user_from_row(&r)?, r.try_get("created_at_ms")?, r.try_get("last_seen_ms")?))).transpose()
    }

    pub async fn insert_token(&self, user_id: &str, name: &str, token_hash: &str, prefix: &str, access: &TokenAccess) -> Result<TokenView, sqlx::Error> {
        let token = TokenView {
            id: uuid::Uuid::new_v4().to_string(),
            name: name.to_string(),
            prefix: prefix.to_string(),
            created_at_ms: now_ms(),
            last_used_ms: None,
            scopes: access.scopes.clone(),
            datasource_ids: access.datasource_ids.clone(),
        };
        sqlx::query(
            "INSERT INTO api_tokens (id, user_id, name, token_hash, prefix, created_at_ms, scopes, datasource_ids) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(&token.id)
        .bind(user_id)
        .bind(&token.name)
        .bind(token_hash)
        .bind(&token.prefix)
        .bind(token.created_at_ms)
        .bind(access.scopes_text())
        .bind(access.datasource_ids_json())
        .execute(&self.pool)
        .await?;
        Ok(token)
    }

    pub async fn list_tokens(&self, user_id: &str) -> Result<Vec<TokenView>, sqlx::Error> {
        let rows = sqlx::query(
            "SELECT id, name, prefix, created_at_ms, last_used_ms, scopes, datasource_ids FROM api_tokens WHERE user_id = $1 ORDER BY created_at_ms DESC",
        )
        .bind(user_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                let access = access_from_row(r)?;
                Ok(TokenView {
                    id: r.try_get("id")?,
                    name: r.try_get("name")?,
                    prefix: r.try_get("prefix")?,
                    created_at_ms: r.try_get("created_at_ms")?,
                    last_used_ms: r.try_get("last_used_ms")?,
                    scopes: access.scopes,
                    datasource_ids: access.datasource_ids,
                })
            })
            .collect()
    }

    /// Revokes one of the user's own tokens.
    pub async fn delete_token(&self, user_id: &str, id: &str) -> Result<bool, sqlx::Error> {
        let done = sqlx::query("DELETE FROM api_tokens WHERE id = $1 AND user_id = $2").bind(id).bind(user_id).execute(&self.pool).await?;
        Ok(done.rows_affected() == 1)
    }

    /// The token's user and what the token may do. `last_used` is written at most once a
    /// minute per token: a script calling the API in a loop must not turn every request into a write.
    pub async fn token_user(&self, token_hash: &str) -> Result<Option<(UserView, TokenGrant)>, sqlx::Error> {
        let row = sqlx::query(
            "SELECT u.id, u.username, u.role, t.id AS token_id, t.name AS token_name, t.last_used_ms, t.scopes, t.datasource_ids \
             FROM api_tokens t JOIN users u ON u.id = t.user_id WHERE t.token_hash = $1",
        )
        .bind(token_hash)
        .fetch_optional(&self.pool)
        .await?;
        let Some(row) = row else { return Ok(None) };
        let now = now_ms();
        let last_used: Option<i64> = row.try_get("last_used_ms")?;
        if last_used.is_none_or(|t| now - t > 60_000) {
            sqlx::query("UPDATE api_tokens SET last_used_ms = $2 WHERE token_hash = $1").bind(token_hash).bind(now).execute(&self.pool).await?;
        }
        let grant = TokenGrant { id: row.try_get("token_id")?, name: row.try_get("token_name")?, access: access_from_row(&row)? };
        Ok(Some((user_from_row(&row)?, grant)))
    }

    /// Whether `user_id` may use the datasource (granted to them or to everyone).
    pub async fn datasource_granted(&self, datasource_id: &str, user_id: &str) -> Result<bool, sqlx::Error> {
        let n: i64 = sqlx::query_scalar("SELECT count(*) FROM datasource_grants WHERE datasource_id = $1 AND (grantee = '*' OR grantee = $2)")
            .bind(datasource_id)
            .bind(user_id)
            .fetch_one(&self.pool)
            .await?;
        Ok(n > 0)
    }

    /// The datasources granted to the user or to everyone, in one query.
    pub async fn granted_datasources(&self, user_id: &str) -> Result<std::collections::HashSet<String>, sqlx::Error> {
        let ids: Vec<String> = sqlx::query_scalar("SELECT DISTINCT datasource_id FROM datasource_grants WHERE grantee = '*' OR grantee = $1")
            .bind(user_id)
            .fetch_all(&self.pool)
            .await?;
        Ok(ids.into_iter().collect())
    }

    /// Grantees of a datasource: user ids and `*`.
    pub async fn datasource_grantees(&self, datasource_id: &str) -> Result<Vec<String>, sqlx::Error> {
        sqlx::query_scalar("SELECT grantee FROM datasource_grants WHERE datasource_id = $1 ORDER BY grantee")
            .bind(datasource_id)
            .fetch_all(&self.pool)
            .await
    }

    pub async fn set_datasource_grantees(&self, datasource_id: &str, grantees: &[String]) -> Result<(), sqlx::Error> {
        let mut tx = self.pool.begin().await?;
        sqlx::query("DELETE FROM datasource_grants WHERE datasource_id = $1").bind(datasource_id).execute(&mut *tx).await?;
        for grantee in grantees {
            sqlx::query("INSERT INTO datasource_grants (datasource_id, grantee) VALUES ($1, $2) ON CONFLICT DO NOTHING")
                .bind(datasource_id)
                .bind(grantee)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await
    }
}
