//! The values resolvers pass down: an item with the scope of its root field
//! (stage and locale chain), connections, embedded sub-items.

use crate::domain::locale;
use crate::error::{Error, Result};
use crate::model::item::{Item, Stage};
use crate::model::query::{Edge, Page};
use serde_json::Value as J;
use std::collections::BTreeMap;
use std::sync::Arc;

/// What a root field decided for everything below it.
#[derive(Debug)]
pub struct Scope {
    pub stage: Stage,
    /// The locale asked for, then its fallbacks.
    pub chain: Vec<String>,
}

impl Scope {
    pub fn locale(&self) -> &str {
        &self.chain[0]
    }
    /// The first value along the chain, with the locale it came from.
    pub fn pick<'m>(&self, map: &'m BTreeMap<String, String>) -> Option<(&'m str, &'m str)> {
        crate::domain::locale::first_in(&self.chain, |l| map.get_key_value(l))
            .map(|(_, (k, v))| (k.as_str(), v.as_str()))
    }
}

pub struct ItemVal {
    pub item: Arc<Item>,
    pub scope: Arc<Scope>,
}

pub struct ConnVal {
    pub page: Arc<Page>,
    pub scope: Arc<Scope>,
}

pub struct EdgeVal {
    pub edge: Edge,
    pub scope: Arc<Scope>,
}

pub struct EmbVal {
    pub json: J,
    pub scope: Arc<Scope>,
}

pub struct LocalVal {
    pub map: BTreeMap<String, String>,
    pub scope: Arc<Scope>,
}

pub struct CountryVal {
    pub code: String,
    pub scope: Arc<Scope>,
}

pub struct MoneyVal {
    pub minor: i64,
    pub currency: String,
}

/// A localised text as stored (locale → text); none is empty.
pub fn parse_local(text: Option<&str>) -> Result<BTreeMap<String, String>> {
    crate::domain::stored_json_or_empty("localised values", text)
}

/// A localised text inside embedded JSON; none (or `null`) is empty.
pub fn local_from_json(j: Option<&J>) -> Result<BTreeMap<String, String>> {
    match j {
        None | Some(J::Null) => Ok(BTreeMap::new()),
        Some(v) => serde::Deserialize::deserialize(v)
            .map_err(|e| Error::internal(format!("a stored localised value is not a map of texts: {e}"))),
    }
}

pub fn dir(locale: &str) -> &'static str {
    locale::direction(locale)
}
