use super::*;

async fn service(idle: Duration) -> (tempfile::TempDir, AuthService) {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}?mode=rwc", dir.path().join("s.sqlite").display());
    let store = Store::connect(&url).await.unwrap();
    let settings = AuthSettings { no_auth: false, idle_timeout: idle, secure_cookies: false, login_per_minute: 3 };
    let auth = AuthService::new(store, settings, Some(("admin".into(), "correct horse".into()))).await.unwrap();
    (dir, auth)
}

fn login(name: &str, password: &str) -> LoginInput {
    LoginInput { username: name.into(), password: password.into() }
}

#[test]
fn passwords_hash_with_argon2id_and_verify() {
    let h = hash_password("s3cret-pass").unwrap();
    assert!(h.starts_with("$argon2id$"), "{h}");
    assert!(verify_password("s3cret-pass", &h));
    assert!(!verify_password("s3cret-pasS", &h));
    assert!(!verify_password("s3cret-pass", "not a hash"));
    assert_ne!(h, hash_password("s3cret-pass").unwrap(), "salted");
}

#[test]
fn usernames_and_passwords_are_checked() {
    assert_eq!(check_username("  ana.lyst@x ").unwrap(), "ana.lyst@x");
    assert!(check_username("").is_err());
    assert!(check_username("has space").is_err());
    assert!(check_username("<script>").is_err());
    assert!(check_password("short").is_err());
    assert!(check_password("long enough").is_ok());
}

#[tokio::test]
async fn sign_in_rotates_the_session_and_sign_out_ends_it() {
    let (_dir, auth) = service(Duration::from_secs(3600)).await;
    assert!(!auth.setup_needed().await.unwrap(), "the admin came from the environment");
    let (user, first) = auth.login(&login("admin", "correct horse"), None, None).await.unwrap();
    assert_eq!(user.role, Role::Admin);
    let (_, second) = auth.login(&login("admin", "correct horse"), Some(&first), None).await.unwrap();
    assert_ne!(first, second);
    assert!(auth.principal(Some(&first), None).await.unwrap().is_none(), "the old session ended at sign-in");
    let p = auth.principal(Some(&second), None).await.unwrap().expect("signed in");
    auth.logout(&p).await.unwrap();
    assert!(auth.principal(Some(&second), None).await.unwrap().is_none());
    let cookie = auth.session_cookie(Some("x"), false);
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax") && !cookie.contains("Secure"), "{cookie}");
    assert!(auth.session_cookie(Some("x"), true).contains("; Secure"));
}

#[tokio::test]
async fn wrong_passwords_fail_and_are_rate_limited() {
    let (_dir, auth) = service(Duration::from_secs(3600)).await;
    let e = auth.login(&login("admin", "wrong password"), None, None).await.unwrap_err();
    assert_eq!(e.public_message(), "wrong username or password");
    let e = auth.login(&login("nobody", "wrong password"), None, None).await.unwrap_err();
    assert_eq!(e.public_message(), "wrong username or password", "unknown users look the same");
    auth.login(&login("admin", "wrong again"), None, None).await.unwrap_err();
    auth.login(&login("admin", "and again"), None, None).await.unwrap_err();
    let limited = auth.login(&login("admin", "correct horse"), None, None).await.unwrap_err();
    assert!(matches!(limited, AppError::RateLimited(_)), "{limited:?}");
    // The same user from another address is not locked out by someone else's guesses.
    let elsewhere = Some("192.0.2.7".parse().unwrap());
    auth.login(&login("admin", "correct horse"), None, elsewhere).await.unwrap();
}

#[tokio::test]
async fn idle_sessions_expire() {
    let (_dir, auth) = service(Duration::from_millis(0)).await;
    let (_, token) = auth.login(&login("admin", "correct horse"), None, None).await.unwrap();
    tokio::time::sleep(Duration::from_millis(5)).await;
    assert!(auth.principal(Some(&token), None).await.unwrap().is_none());
}

#[tokio::test]
async fn tokens_are_stored_hashed_and_revocable() {
    let (_dir, auth) = service(Duration::from_secs(3600)).await;
    let admin = auth.store().user_by_name("admin").await.unwrap().unwrap();
    let created = issue_token(auth.store(), &admin, "ci", &crate::server::store::TokenAccess::full()).await.unwrap();
    assert!(created.secret.starts_with(TOKEN_PREFIX));
    let p = auth.principal(None, Some(&created.secret)).await.unwrap().expect("token works");
    assert_eq!(p.user.username, "admin");
    assert!(auth.principal(None, Some("dbai_not-a-token")).await.unwrap().is_none());
    assert!(auth.store().delete_token(&admin.id, &created.token.id).await.unwrap());
    assert!(auth.principal(None, Some(&created.secret)).await.unwrap().is_none());
}

#[tokio::test]
async fn first_run_setup_happens_once() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}?mode=rwc", dir.path().join("s.sqlite").display());
    let store = Store::connect(&url).await.unwrap();
    let settings = AuthSettings { no_auth: false, idle_timeout: Duration::from_secs(60), secure_cookies: false, login_per_minute: 10 };
    let auth = AuthService::new(store, settings, None).await.unwrap();
    assert!(auth.setup_needed().await.unwrap());
    assert!(auth.setup_admin(&login("first", "short"), None).await.is_err(), "weak password refused");
    assert!(auth.setup_needed().await.unwrap(), "nothing was created by the refused attempt");
    let (user, _) = auth.setup_admin(&login("first", "long enough"), None).await.unwrap();
    assert_eq!(user.role, Role::Admin);
    assert!(!auth.setup_needed().await.unwrap());
    let again = auth.setup_admin(&login("second", "long enough"), None).await.unwrap_err();
    assert!(matches!(again, AppError::Denied(_)));
}
