//! The GraphQL layer: schema built from the model, thin resolvers, per-request
//! loaders, and the mapping of our errors onto `extensions.code`.

mod args;
mod batch;
mod editorial;
pub mod limits;
mod loaders;
mod media;
mod richtext;
mod schema;
mod search;
mod values;

pub use loaders::Loaders;
pub use schema::build;

use crate::domain::auth::{Actor, Viewer};
use crate::error::Error;

/// What one request carries into resolvers.
pub struct Req {
    /// Who is calling, and from where.
    pub actor: Actor,
    /// The locale negotiated from Accept-Language.
    pub accept_locale: String,
    pub loaders: Loaders,
    /// What the answer depends on (`T:Type`, `I:id`), for the response cache.
    pub deps: std::sync::Arc<std::sync::Mutex<Vec<String>>>,
    /// Whether the answer holds anything beyond published content.
    pub private: std::sync::Arc<std::sync::atomic::AtomicBool>,
}

impl Req {
    pub fn new(actor: Actor, accept_locale: String, loaders: Loaders) -> Req {
        Req { actor, accept_locale, loaders, deps: Default::default(), private: Default::default() }
    }
    pub fn depends_on(&self, dep: String) {
        self.deps.lock().unwrap_or_else(|p| p.into_inner()).push(dep);
    }
    pub fn mark_private(&self) {
        self.private.store(true, std::sync::atomic::Ordering::Relaxed);
    }
    pub fn viewer(&self) -> Option<&Viewer> {
        self.actor.viewer.as_ref()
    }
}

pub fn gql_err(e: Error) -> async_graphql::Error {
    let code = e.code.as_str();
    let field = e.field.clone();
    use async_graphql::ErrorExtensions;
    async_graphql::Error::new(e.message).extend_with(move |_, ext| {
        ext.set("code", code);
        if let Some(f) = &field {
            ext.set("field", f.as_str());
        }
    })
}
