//! The running service: configuration and the services every layer shares.

use crate::domain::auth::Auth;
use crate::domain::content::{Content, Countries};
use crate::domain::locale::Locales;
use crate::error::Result;
use crate::media::Media;
use crate::store::Store;
use std::sync::Arc;

#[derive(Debug, Clone)]
pub struct Limits {
    /// Largest request body accepted, in bytes (uploads have their own limits).
    pub body_bytes: usize,
    pub depth: usize,
    /// Estimated cost: fields times the page sizes of the lists they sit in.
    pub complexity: usize,
    /// Largest `first`/`last`.
    pub page_size: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits { body_bytes: 1 << 20, depth: 15, complexity: 50_000, page_size: 100 }
    }
}

#[derive(Debug, Clone)]
pub struct Config {
    pub locales: Locales,
    pub jwt_secret: Option<String>,
    pub token_ttl_secs: i64,
    pub limits: Limits,
    /// Where clients reach this server, for absolute media URLs.
    pub public_url: String,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            locales: Locales::default(),
            jwt_secret: None,
            token_ttl_secs: 12 * 3600,
            limits: Limits::default(),
            public_url: "http://127.0.0.1:4000".into(),
        }
    }
}

pub struct Hub {
    pub content: Content,
    pub auth: Auth,
    pub media: Arc<Media>,
    pub limits: Limits,
    pub public_url: String,
}

impl Hub {
    pub async fn new(store: Store, media: Arc<Media>, config: Config) -> Result<Arc<Hub>> {
        let auth = Auth::new(&store, config.jwt_secret.as_deref(), config.token_ttl_secs).await?;
        let countries = Countries::load(&store).await?;
        Ok(Arc::new(Hub {
            content: Content { store, locales: config.locales, countries },
            auth,
            media,
            limits: config.limits,
            public_url: config.public_url.trim_end_matches('/').to_owned(),
        }))
    }

    pub fn store(&self) -> &Store {
        &self.content.store
    }
}
