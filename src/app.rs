//! The running service: configuration and the services every layer shares.

use crate::domain::auth::Auth;
use crate::domain::content::{Content, Countries};
use crate::domain::locale::Locales;
use crate::error::Result;
use crate::store::Store;
use std::sync::Arc;

#[derive(Debug, Clone)]
pub struct Limits {
    /// Largest request body accepted, in bytes.
    pub body_bytes: usize,
    pub depth: usize,
    /// Estimated cost: fields times the page sizes of the lists they sit in.
    pub complexity: usize,
    /// Largest `first`/`last`.
    pub page_size: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            body_bytes: 1 << 20,
            depth: 15,
            complexity: 50_000,
            page_size: 100,
        }
    }
}

pub struct Hub {
    pub content: Content,
    pub auth: Auth,
    pub limits: Limits,
}

impl Hub {
    pub async fn new(
        store: Store,
        locales: Locales,
        jwt_secret: Option<&str>,
        token_ttl_secs: i64,
        limits: Limits,
    ) -> Result<Arc<Hub>> {
        let auth = Auth::new(&store, jwt_secret, token_ttl_secs).await?;
        let countries = Countries::load(&store).await?;
        Ok(Arc::new(Hub {
            content: Content {
                store,
                locales,
                countries,
            },
            auth,
            limits,
        }))
    }

    pub fn store(&self) -> &Store {
        &self.content.store
    }
}
