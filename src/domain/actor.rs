//! Who acts, and from where: what every write carries to its audit entry.

use super::permissions::Role;

/// Who is calling.
#[derive(Debug, Clone)]
pub struct Viewer {
    pub id: String,
    pub email: String,
    pub role: Role,
    /// The login session the token belongs to (none for the server itself).
    pub session_id: Option<String>,
}

/// A viewer and where the request came from, carried into every write so the
/// audit log can say who, and from where.
#[derive(Debug, Clone, Default)]
pub struct Actor {
    pub viewer: Option<Viewer>,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    /// The request's idempotency key (scoped to the caller), recorded with
    /// each write it makes.
    pub request_key: Option<String>,
}

impl Actor {
    /// Writes the server makes itself (demo, import, scheduler).
    pub fn system() -> Actor {
        Actor {
            viewer: Some(Viewer { id: "system".into(), email: "system".into(), role: Role::Admin, session_id: None }),
            ip: None,
            user_agent: None,
            request_key: None,
        }
    }
}
