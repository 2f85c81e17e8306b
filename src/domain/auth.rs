//! Identity: argon2 password hashes and signed bearer tokens.

use super::permissions::Role;
use crate::error::{Error, Result};
use crate::store::{Store, UserRow, new_id, now_ms};
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use jsonwebtoken::{DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};

/// Who is calling.
#[derive(Debug, Clone)]
pub struct Viewer {
    pub id: String,
    pub email: String,
    pub role: Role,
}

#[derive(Debug, Serialize, Deserialize)]
struct Claims {
    sub: String,
    role: String,
    iat: i64,
    exp: i64,
}

#[derive(Clone)]
pub struct Auth {
    encoding: EncodingKey,
    decoding: DecodingKey,
    pub token_ttl_secs: i64,
}

/// OWASP's argon2id guidance: 19 MiB, 2 passes, 1 lane.
fn argon() -> Argon2<'static> {
    Argon2::new(Algorithm::Argon2id, Version::V0x13, Params::new(19 * 1024, 2, 1, None).expect("valid argon2 params"))
}

pub async fn hash_password(password: String) -> Result<String> {
    check_password_strength(&password)?;
    tokio::task::spawn_blocking(move || {
        let salt = SaltString::encode_b64(&rand::random::<[u8; 16]>()).map_err(Error::internal)?;
        argon().hash_password(password.as_bytes(), &salt).map(|h| h.to_string()).map_err(Error::internal)
    })
    .await
    .map_err(Error::internal)?
}

pub fn check_password_strength(password: &str) -> Result<()> {
    if password.chars().count() < 12 {
        return Err(Error::field("password", "use at least 12 characters"));
    }
    if password.len() > 1024 {
        return Err(Error::field("password", "use at most 1024 bytes"));
    }
    Ok(())
}

/// Verifies against `hash`, or, when the email is unknown (`None`), against the
/// hash of a random password, so the answer takes as long either way and says
/// nothing about which emails exist.
async fn verify_password(password: String, hash: Option<String>) -> bool {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
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
    pub async fn new(store: &Store, secret: Option<&str>, token_ttl_secs: i64) -> Result<Auth> {
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
            encoding: EncodingKey::from_secret(secret.as_bytes()),
            decoding: DecodingKey::from_secret(secret.as_bytes()),
            token_ttl_secs,
        })
    }

    pub async fn login(&self, store: &Store, email: &str, password: &str) -> Result<(String, i64, UserRow)> {
        let denied = || Error::unauthenticated("Email or password is incorrect.");
        let user = store.user_by_email(email.trim()).await?;
        let hash = user.as_ref().map(|u| u.password_hash.clone());
        let ok = verify_password(password.to_owned(), hash).await;
        let user = match user {
            Some(u) if ok && u.active => u,
            _ => return Err(denied()),
        };
        let (token, exp) = self.issue(&user)?;
        Ok((token, exp, user))
    }

    pub fn issue(&self, user: &UserRow) -> Result<(String, i64)> {
        let now = now_ms() / 1000;
        let exp = now + self.token_ttl_secs;
        let claims = Claims { sub: user.id.clone(), role: user.role.clone(), iat: now, exp };
        let token = jsonwebtoken::encode(&Header::default(), &claims, &self.encoding).map_err(Error::internal)?;
        Ok((token, exp * 1000))
    }

    /// The viewer a bearer token stands for; the user must still exist and be active.
    pub async fn viewer(&self, store: &Store, token: &str) -> Result<Viewer> {
        let validation = Validation { leeway: 0, ..Validation::default() };
        let data = jsonwebtoken::decode::<Claims>(token, &self.decoding, &validation).map_err(|e| {
            use jsonwebtoken::errors::ErrorKind;
            match e.kind() {
                ErrorKind::ExpiredSignature => Error::unauthenticated("Your session has expired; log in again."),
                _ => Error::unauthenticated("The bearer token is not valid; log in again."),
            }
        })?;
        let user = store
            .user_by_id(&data.claims.sub)
            .await?
            .filter(|u| u.active)
            .ok_or_else(|| Error::unauthenticated("This account no longer exists or is deactivated."))?;
        let role = Role::parse(&user.role).ok_or_else(|| Error::internal("unknown role in database"))?;
        Ok(Viewer { id: user.id, email: user.email, role })
    }
}

pub async fn create_user(store: &Store, email: &str, role: Role, password: String) -> Result<UserRow> {
    let email = email.trim().to_lowercase();
    if !email.contains('@') || email.len() > 254 || email.contains(char::is_whitespace) {
        return Err(Error::field("email", "give an email address such as editor@example.org"));
    }
    if store.user_by_email(&email).await?.is_some() {
        return Err(Error::conflict(format!("a user with email {email} already exists")));
    }
    let hash = hash_password(password).await?;
    let user = UserRow {
        id: new_id(),
        email,
        display_name: None,
        password_hash: hash,
        role: role.as_str().to_owned(),
        active: true,
        created_at: now_ms(),
    };
    store.insert_user(&user).await?;
    Ok(user)
}
