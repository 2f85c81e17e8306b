//! Identity: argon2 password hashes and signed bearer tokens.

pub use super::actor::{Actor, Viewer};
use super::permissions::Role;
use crate::error::{Error, Result};
use crate::store::{Store, UserRow, new_id};
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use jsonwebtoken::{DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};

#[derive(Debug, Serialize, Deserialize)]
struct Claims {
    sub: String,
    /// Session id: revoking the session revokes the token.
    sid: String,
    role: String,
    iat: i64,
    exp: i64,
}

/// An account as the domain hands it up: never its password hash.
#[derive(Debug, Clone)]
pub struct User {
    pub id: String,
    pub email: String,
    pub display_name: Option<String>,
    pub role: Role,
    pub active: bool,
    pub created_at: i64,
    /// Raised by every write to the account.
    pub version: i64,
}

impl User {
    pub(crate) fn of(row: UserRow) -> Result<User> {
        let role = Role::parse(&row.role)
            .ok_or_else(|| Error::internal(format!("the database holds an unknown role {:?}", row.role)))?;
        Ok(User {
            id: row.id,
            email: row.email,
            display_name: row.display_name,
            role,
            active: row.active,
            created_at: row.created_at,
            version: row.version,
        })
    }
}

/// A session opened by signing in: its bearer token, when it ends, and whose it is.
#[derive(Debug, Clone)]
pub struct Session {
    pub token: String,
    pub expires_at: i64,
    pub user: User,
}

/// Sign-in, sessions and their tokens (`users::Users` manages the accounts).
#[derive(Clone)]
pub struct Auth {
    store: Store,
    encoding: EncodingKey,
    decoding: DecodingKey,
    pub token_ttl_secs: i64,
    /// Sign-in attempts that failed, per address, this minute.
    attempts: std::sync::Arc<super::rate::RateWindows>,
    /// Failed sign-ins allowed per address and minute (0: no limit).
    pub login_failures_per_minute: i64,
}

/// OWASP's argon2id guidance: 19 MiB, 2 passes, 1 lane.
fn argon() -> Argon2<'static> {
    Argon2::new(Algorithm::Argon2id, Version::V0x13, Params::new(19 * 1024, 2, 1, None).expect("valid argon2 params"))
}

/// Password hashing runs a few at a time (as many as there are cores): each
/// takes 19 MiB and tens of milliseconds of CPU, so a burst of them waits
/// instead of taking every core and the memory with it.
async fn argon_slot() -> Option<tokio::sync::SemaphorePermit<'static>> {
    static SLOTS: std::sync::OnceLock<tokio::sync::Semaphore> = std::sync::OnceLock::new();
    let slots =
        SLOTS.get_or_init(|| tokio::sync::Semaphore::new(std::thread::available_parallelism().map_or(2, |n| n.get())));
    slots.acquire().await.ok()
}

pub async fn hash_password(password: String) -> Result<String> {
    check_password_strength(&password)?;
    let _slot = argon_slot().await;
    tokio::task::spawn_blocking(move || {
        let salt = SaltString::encode_b64(&rand::random::<[u8; 16]>()).map_err(Error::failed)?;
        argon().hash_password(password.as_bytes(), &salt).map(|h| h.to_string()).map_err(Error::failed)
    })
    .await
    .map_err(Error::failed)?
}

pub fn check_password_strength(password: &str) -> Result<()> {
    if password.chars().count() < 12 {
        return Err(Error::field("password", "use at least 12 characters"));
    }
    let distinct: std::collections::HashSet<char> = password.chars().collect();
    if distinct.len() < 5 {
        return Err(Error::field("password", "use more different characters"));
    }
    const COMMON: &[&str] = &["password1234", "123456789012", "qwertyuiopas", "azertyuiopqs", "motdepasse12"];
    if COMMON.iter().any(|c| password.to_lowercase().contains(c)) {
        return Err(Error::field("password", "this password is too common"));
    }
    if password.len() > 1024 {
        return Err(Error::field("password", "use at most 1024 bytes"));
    }
    Ok(())
}

/// Blocking check of a password against an argon2 hash.
pub fn verify_hash(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash).is_ok_and(|h| argon().verify_password(password.as_bytes(), &h).is_ok())
}

/// Verifies against `hash`, or, when the email is unknown (`None`), against the
/// hash of a random password, so the answer takes as long either way and says
/// nothing about which emails exist.
async fn verify_password(password: String, hash: Option<String>) -> bool {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    let _slot = argon_slot().await;
    tokio::task::spawn_blocking(move || {
        let hash = hash.unwrap_or_else(|| {
            DUMMY
                .get_or_init(|| {
                    let salt = SaltString::encode_b64(&rand::random::<[u8; 16]>()).expect("16 bytes encode");
                    let pw = rand::random::<[u8; 16]>();
                    argon().hash_password(&pw, &salt).map(|h| h.to_string()).unwrap_or_default()
                })
                .clone()
        });
        PasswordHash::new(&hash).is_ok_and(|h| argon().verify_password(password.as_bytes(), &h).is_ok())
    })
    .await
    .unwrap_or(false)
}

impl Auth {
    /// Uses `secret` when given, else the one kept in the database (made on
    /// first start), so every instance on one database signs alike.
    pub async fn new(store: Store, secret: Option<&str>, token_ttl_secs: i64) -> Result<Auth> {
        let secret = match secret {
            Some(s) if s.len() >= 32 => s.to_owned(),
            Some(_) => {
                return Err(Error::bad_input("RELAIS_JWT_SECRET must be at least 32 characters"));
            }
            None => {
                use base64::Engine;
                let fresh = base64::engine::general_purpose::STANDARD.encode(rand::random::<[u8; 32]>());
                store.setting_or_insert("jwt_secret", &fresh).await?
            }
        };
        Ok(Auth {
            store,
            encoding: EncodingKey::from_secret(secret.as_bytes()),
            decoding: DecodingKey::from_secret(secret.as_bytes()),
            token_ttl_secs,
            attempts: Default::default(),
            login_failures_per_minute: 10,
        })
    }

    /// Checks credentials and opens a session. Every failure reads the same,
    /// whether the email exists or not; repeated failures lock the account
    /// for a while (doubling from 1 s after 5 failures, at most 15 minutes).
    pub async fn login(&self, actor: &Actor, email: &str, password: &str) -> Result<Session> {
        let store = &self.store;
        let denied = || {
            Error::unauthenticated("Email or password is incorrect, or too many attempts: wait a moment and try again.")
        };
        // Per address, before anything is looked up, so the answer is the same
        // whether the account exists. Each attempt counts until it succeeds,
        // so a burst sent at once is held to the limit too.
        let bucket = format!("login:{}", actor.ip.as_deref().unwrap_or("-"));
        if self.login_failures_per_minute > 0 {
            let r = self.attempts.count(&bucket, self.login_failures_per_minute);
            if !r.allowed {
                return Err(Error::new(
                    crate::error::Code::RateLimited,
                    format!("Too many failed sign-ins from your address: try again in {} s.", r.reset),
                ));
            }
        }
        let row = store.user_by_email(email.trim()).await?;
        let ok = verify_password(password.to_owned(), row.as_ref().map(|u| u.password_hash.clone())).await;
        let user = row.map(User::of).transpose()?;
        let now = self.store.now_ms();
        let log = |action: &str, user: Option<&User>| {
            let mut a = actor.clone();
            a.viewer =
                user.map(|u| Viewer { id: u.id.clone(), email: u.email.clone(), role: u.role, session_id: None });
            let detail = serde_json::json!({ "email": email.trim().to_lowercase() });
            super::audit::entry(&a, action, None, Some(detail))
        };
        let Some(user) = user else {
            store.insert_audit(&log("loginFailed", None)).await?;
            return Err(denied());
        };
        let (failed, locked_until) = store.login_state(&user.id).await?;
        if locked_until.is_some_and(|t| t > now) || !ok || !user.active {
            if locked_until.is_none_or(|t| t <= now) {
                let failed = failed + 1;
                let lock = (failed >= 5).then(|| now + (1000i64 << (failed - 5).min(10)).min(15 * 60 * 1000));
                store.set_login_state(&user.id, failed, lock).await?;
            }
            store.insert_audit(&log("loginFailed", Some(&user))).await?;
            return Err(denied());
        }
        if failed > 0 {
            store.set_login_state(&user.id, 0, None).await?;
        }
        self.attempts.refund(&bucket);
        let session = self.open_session(user, actor).await?;
        store.insert_audit(&log("login", Some(&session.user))).await?;
        Ok(session)
    }

    /// A new session for `user` and its token.
    pub(super) async fn open_session(&self, user: User, actor: &Actor) -> Result<Session> {
        let now = self.store.now_ms() / 1000;
        let exp = now + self.token_ttl_secs;
        let sid = new_id();
        self.store
            .insert_session(&sid, &user.id, now * 1000, exp * 1000, actor.ip.as_deref(), actor.user_agent.as_deref())
            .await?;
        let claims = Claims { sub: user.id.clone(), sid, role: user.role.as_str().to_owned(), iat: now, exp };
        let token = jsonwebtoken::encode(&Header::default(), &claims, &self.encoding).map_err(Error::failed)?;
        Ok(Session { token, expires_at: exp * 1000, user })
    }

    /// The viewer a bearer token stands for: its session must be open and its
    /// user active.
    pub async fn viewer(&self, token: &str) -> Result<Viewer> {
        // Expiry is read against the service's clock, below, not the system's.
        let validation = Validation { validate_exp: false, ..Validation::default() };
        let data = jsonwebtoken::decode::<Claims>(token, &self.decoding, &validation)
            .map_err(|_| Error::unauthenticated("The bearer token is not valid; log in again."))?;
        if data.claims.exp * 1000 <= self.store.now_ms() {
            return Err(Error::unauthenticated("Your session has expired; log in again."));
        }
        let s = self
            .store
            .session_user(&data.claims.sid)
            .await?
            .ok_or_else(|| Error::unauthenticated("This session does not exist; log in again."))?;
        if s.revoked_at.is_some() {
            return Err(Error::unauthenticated("This session was logged out; log in again."));
        }
        if s.expires_at <= self.store.now_ms() {
            return Err(Error::unauthenticated("Your session has expired; log in again."));
        }
        if !s.user.active {
            return Err(Error::unauthenticated("This account is deactivated."));
        }
        let role = Role::parse(&s.user.role).ok_or_else(|| Error::internal("unknown role in database"))?;
        Ok(Viewer { id: s.user.id, email: s.user.email, role, session_id: Some(data.claims.sid) })
    }
}

/// A new active account (`users::Users::create`).
pub(super) async fn create_user(store: &Store, email: &str, role: Role, password: String) -> Result<UserRow> {
    let email = email.trim().to_lowercase();
    if !email.contains('@') || email.len() > 254 || email.contains(char::is_whitespace) {
        return Err(Error::field("email", "give an email address such as editor@example.org"));
    }
    if store.user_by_email(&email).await?.is_some() {
        return Err(Error::taken("email", format!("another account has the address {email} already")));
    }
    let hash = hash_password(password).await?;
    let user = UserRow {
        id: new_id(),
        email,
        display_name: None,
        password_hash: hash,
        role: role.as_str().to_owned(),
        active: true,
        created_at: store.now_ms(),
        version: 1,
    };
    store.insert_user(&user).await?;
    Ok(user)
}
