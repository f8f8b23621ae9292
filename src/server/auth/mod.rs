//! Accounts and sign-in: Argon2id passwords, sessions and API tokens kept in the app store
//! (hashed, so every replica shares them and a copy of the store signs no one in), sign-in
//! limits, and the built-in user of `--no-auth` mode. Only who someone is: what they may do
//! is decided in `ops`.
use std::{
    net::IpAddr,
    sync::atomic::{AtomicBool, Ordering},
    time::Duration,
};

use argon2::{
    password_hash::{rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString},
    Argon2,
};
use rand::RngCore;
use sha2::{Digest, Sha256};

use super::{
    error::{AppError, AppResult},
    ratelimit::KeyedLimit,
    store::{now_ms, AuditAction, AuditRecord, AuditStatus, NewUserRecord, Store, TokenAccess},
};
use crate::app::model::{CreatedToken, FieldError, LoginInput, NewUserInput, PasswordChange, Role, UserView};

mod backoff;
mod principal;
pub use principal::Principal;

/// The session cookie. HttpOnly and SameSite=Lax always; Secure over HTTPS.
pub const SESSION_COOKIE: &str = "databaseai_session";
/// API tokens start with this, so leaked ones are easy to search for.
pub const TOKEN_PREFIX: &str = "dbai_";
/// A session ends this long after sign-in however active it is.
const SESSION_MAX_AGE: Duration = Duration::from_secs(7 * 24 * 3600);
/// `last_seen` is written at most this often per session.
const TOUCH_EVERY_MS: i64 = 60_000;
const MIN_PASSWORD_CHARS: usize = 8;

#[derive(Clone, Debug)]
pub struct AuthSettings {
    /// Single-user mode without sign-in (allowed on a loopback address only).
    pub no_auth: bool,
    pub idle_timeout: Duration,
    pub secure_cookies: bool,
    pub login_per_minute: u32,
}

pub struct AuthService {
    store: Store,
    settings: AuthSettings,
    /// The built-in admin every request acts as in `--no-auth` mode.
    local_user: Option<UserView>,
    /// Cached once true: the first admin exists (on any replica).
    has_users: AtomicBool,
    login_limit: KeyedLimit,
    login_backoff: backoff::LoginBackoff,
}

/// Hex SHA-256 of a session or token secret: what the store keeps.
pub fn secret_hash(secret: &str) -> String {
    Sha256::digest(secret.as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
}

/// 256 random bits, URL-safe.
fn new_secret() -> String {
    use base64::Engine;
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

pub fn hash_password(password: &str) -> AppResult<String> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default().hash_password(password.as_bytes(), &salt).map(|h| h.to_string()).map_err(|e| AppError::internal(e.to_string()))
}

pub fn verify_password(password: &str, phc: &str) -> bool {
    PasswordHash::new(phc).is_ok_and(|h| Argon2::default().verify_password(password.as_bytes(), &h).is_ok())
}

/// A valid hash of nothing anyone knows: unknown usernames cost the same time as wrong passwords.
static DECOY_HASH: std::sync::LazyLock<String> =
    std::sync::LazyLock::new(|| hash_password(&new_secret()).expect("argon2 with default parameters"));

pub fn check_username(name: &str) -> AppResult<String> {
    let name = name.trim();
    let ok_char = |c: char| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '@');
    if name.is_empty() || name.len() > 64 || !name.chars().all(ok_char) {
        return Err(AppError::InvalidInput("a username is 1 to 64 letters, digits or . _ - @".into()));
    }
    Ok(name.to_string())
}

/// Longer passwords add nothing and only make hashing slower.
const MAX_PASSWORD_CHARS: usize = 1024;

pub fn check_password(password: &str) -> AppResult<()> {
    let n = password.chars().count();
    if n < MIN_PASSWORD_CHARS {
        return Err(AppError::InvalidInput(format!("a password needs at least {MIN_PASSWORD_CHARS} characters")));
    }
    if n > MAX_PASSWORD_CHARS {
        return Err(AppError::InvalidInput(format!("a password may have at most {MAX_PASSWORD_CHARS} characters")));
    }
    Ok(())
}


impl AuthService {
    /// Creates the headless admin (`--admin-user`/`--admin-password`) or the `--no-auth` user.
    pub async fn new(store: Store, settings: AuthSettings, admin: Option<(String, String)>) -> AppResult<AuthService> {
        let local_user = if settings.no_auth { Some(store.ensure_local_user().await?) } else { None };
        if let Some((username, password)) = admin {
            if !store.has_password_users().await? {
                let input = NewUserInput { username, password, role: Role::Admin };
                match create_user(&store, &input).await {
                    Ok(user) => tracing::info!(username = %user.username, "created the admin account from the environment"),
                    // Another replica created it at the same moment.
                    Err(AppError::InvalidInput(m)) if m.contains("taken") => {}
                    Err(e) => return Err(e),
                }
            }
        }
        let has_users = AtomicBool::new(store.has_password_users().await?);
        Ok(AuthService {
            store,
            login_limit: KeyedLimit::per_minute(settings.login_per_minute),
            login_backoff: backoff::LoginBackoff::default(),
            settings,
            local_user,
            has_users,
        })
    }

    pub fn enabled(&self) -> bool {
        self.local_user.is_none()
    }

    /// True until the first admin account exists.
    pub async fn setup_needed(&self) -> AppResult<bool> {
        if !self.enabled() || self.has_users.load(Ordering::Relaxed) {
            return Ok(false);
        }
        let exists = self.store.has_password_users().await?;
        self.has_users.store(exists, Ordering::Relaxed);
        Ok(!exists)
    }

    /// Creates the first admin and signs them in. Refused once any account exists.
    pub async fn setup_admin(&self, input: &LoginInput, old_session: Option<&str>) -> AppResult<(UserView, String)> {
        self.login_limit.check("setup")?;
        if !self.setup_needed().await? {
            return Err(AppError::Denied("the admin account already exists: sign in instead"));
        }
        let new = NewUserInput { username: input.username.clone(), password: input.password.clone(), role: Role::Admin };
        check_username(&new.username)?;
        check_password(&new.password)?;
        // One winner even when two browsers submit at once, on any replica.
        if !self.store.claim_setting("first_admin", &now_ms().to_string()).await? {
            return Err(AppError::Denied("the admin account already exists: sign in instead"));
        }
        let user = create_user(&self.store, &new).await?;
        self.has_users.store(true, Ordering::Relaxed);
        let token = self.start_session(&user, old_session).await?;
        Ok((user, token))
    }

    /// Checks the password and starts a new session (any session the browser had is ended:
    /// the session id changes on sign-in).
    /// Failed attempts are limited per username *and* client address, so someone elsewhere
    /// guessing a password cannot lock the real user out.
    pub async fn login(&self, input: &LoginInput, old_session: Option<&str>, client: Option<IpAddr>) -> AppResult<(UserView, String)> {
        let username = input.username.trim().to_string();
        let client = client.map(|ip| ip.to_string()).unwrap_or_default();
        let key = format!("{}|{client}", username.to_lowercase());
        self.login_limit.check(&key)?;
        if let Some(wait) = self.login_backoff.wait(&key) {
            return Err(AppError::RateLimited(wait.as_secs().max(1)));
        }
        let found = self.store.user_with_hash(&username).await?;
        let password = input.password.clone();
        let phc = found.as_ref().and_then(|(_, h)| h.clone()).unwrap_or_else(|| DECOY_HASH.clone());
        let matches = tokio::task::spawn_blocking(move || verify_password(&password, &phc))
            .await
            .map_err(AppError::internal)?;
        let user = match found {
            Some((user, Some(_))) if matches => user,
            _ => {
                self.login_backoff.failed(&key);
                self.store.append_audit(&AuditRecord::new(None, &username, AuditAction::LoginFailed, AuditStatus::Denied)).await?;
                return Err(AppError::InvalidInput("wrong username or password".into()));
            }
        };
        self.login_backoff.succeeded(&key);
        let token = self.start_session(&user, old_session).await?;
        self.store.append_audit(&AuditRecord::by(&user, AuditAction::Login, AuditStatus::Ok)).await?;
        Ok((user, token))
    }

    async fn start_session(&self, user: &UserView, old_session: Option<&str>) -> AppResult<String> {
        if let Some(old) = old_session {
            self.store.delete_session(&secret_hash(old)).await?;
        }
        let token = new_secret();
        self.store.create_session(&secret_hash(&token), &user.id).await?;
        Ok(token)
    }

    /// Changes a signed-in user's own password. The current password must be right (wrong
    /// guesses count against the same limits as sign-in); every other session of the user
    /// ends, the one making the change stays.
    pub async fn change_password(&self, principal: &Principal, change: &PasswordChange) -> AppResult<()> {
        let user = &principal.user;
        let key = format!("{}|password-change", user.username.to_lowercase());
        self.login_limit.check(&key)?;
        if let Some(wait) = self.login_backoff.wait(&key) {
            return Err(AppError::RateLimited(wait.as_secs().max(1)));
        }
        let Some((_, Some(phc))) = self.store.user_with_hash(&user.username).await? else {
            return Err(AppError::InvalidInput("this account has no password to change".into()));
        };
        let current = change.current.clone();
        let matches = tokio::task::spawn_blocking(move || verify_password(&current, &phc)).await.map_err(AppError::internal)?;
        if !matches {
            self.login_backoff.failed(&key);
            return Err(AppError::InvalidFields(vec![FieldError::new("current", "the current password is wrong")]));
        }
        self.login_backoff.succeeded(&key);
        let hash = new_password_hash(&change.new).await.map_err(|e| as_field("new", e))?;
        self.store.set_password_hash(&user.id, &hash).await?;
        self.store.delete_sessions_of(&user.id, principal.session_hash.as_deref()).await?;
        Ok(())
    }

    pub async fn logout(&self, principal: &Principal) -> AppResult<()> {
        if let Some(hash) = &principal.session_hash {
            self.store.delete_session(hash).await?;
            self.store.append_audit(&AuditRecord::by(&principal.user, AuditAction::Logout, AuditStatus::Ok)).await?;
        }
        Ok(())
    }

    /// The user behind a session cookie or a bearer token, if it is valid; in `--no-auth`
    /// mode, the built-in user.
    pub async fn principal(&self, session: Option<&str>, bearer: Option<&str>) -> AppResult<Option<Principal>> {
        if let Some(user) = &self.local_user {
            return Ok(Some(Principal::local(user.clone())));
        }
        if let Some(token) = bearer {
            let found = self.store.token_user(&secret_hash(token)).await?;
            return Ok(found.map(|(user, grant)| Principal::by_token(user, grant)));
        }
        let Some(session) = session else { return Ok(None) };
        let hash = secret_hash(session);
        let Some((user, created, last_seen)) = self.store.session_user(&hash).await? else { return Ok(None) };
        let now = now_ms();
        let idle_ms = self.settings.idle_timeout.as_millis() as i64;
        if now - last_seen > idle_ms || now - created > SESSION_MAX_AGE.as_millis() as i64 {
            self.store.delete_session(&hash).await?;
            return Ok(None);
        }
        if now - last_seen > TOUCH_EVERY_MS {
            self.store.touch_session(&hash, now).await?;
        }
        Ok(Some(Principal::by_session(user, hash)))
    }

    /// `Set-Cookie` value for a new session, or (`None`) one that clears it.
    pub fn session_cookie(&self, token: Option<&str>, https: bool) -> String {
        let secure = if self.settings.secure_cookies || https { "; Secure" } else { "" };
        match token {
            Some(t) => format!("{SESSION_COOKIE}={t}; Path=/; HttpOnly; SameSite=Lax; Max-Age={}{secure}", SESSION_MAX_AGE.as_secs()),
            None => format!("{SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0{secure}"),
        }
    }

    pub fn store(&self) -> &Store {
        &self.store
    }

    /// A user that cannot sign in, for the `eval` command's conversations.
    pub async fn system_user(&self, username: &str) -> AppResult<UserView> {
        Ok(self.store.ensure_system_user(username).await?)
    }

    pub fn new_token_secret() -> String {
        format!("{TOKEN_PREFIX}{}", new_secret())
    }
}

/// Checks a new password and hashes it (off the async threads: Argon2 is slow on purpose).
pub async fn new_password_hash(password: &str) -> AppResult<String> {
    check_password(password)?;
    let password = password.to_string();
    tokio::task::spawn_blocking(move || hash_password(&password)).await.map_err(AppError::internal)?
}

/// An input error as the error of one form field.
pub fn as_field(field: &str, e: AppError) -> AppError {
    match e {
        AppError::InvalidInput(message) => AppError::InvalidFields(vec![FieldError::new(field, message)]),
        other => other,
    }
}

/// Validates and stores a new account.
pub async fn create_user(store: &Store, input: &NewUserInput) -> AppResult<UserView> {
    let username = check_username(&input.username)?;
    let hash = new_password_hash(&input.password).await?;
    let record = NewUserRecord { username, password_hash: Some(hash), role: input.role };
    store.insert_user(&record).await
}

/// A new personal API token for `user`; its secret is returned once and stored only as a hash.
/// `access` is what the token may do (its datasources already checked against the user's).
pub async fn issue_token(store: &Store, user: &UserView, name: &str, access: &TokenAccess) -> AppResult<CreatedToken> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 100 {
        return Err(as_field("name", AppError::InvalidInput("give the token a name (up to 100 characters)".into())));
    }
    if access.scopes.is_empty() {
        return Err(as_field("scopes", AppError::InvalidInput("choose at least one thing the token may do".into())));
    }
    let secret = AuthService::new_token_secret();
    let prefix: String = secret.chars().take(TOKEN_PREFIX.len() + 6).collect();
    let token = store.insert_token(&user.id, name, &secret_hash(&secret), &prefix, access).await?;
    Ok(CreatedToken { token, secret })
}

/// The principal the middleware attached to a request.
pub fn principal_of(extensions: &axum::http::Extensions) -> Result<Principal, AppError> {
    extensions.get::<Principal>().cloned().ok_or(AppError::Unauthenticated)
}

#[cfg(test)]
mod tests;
