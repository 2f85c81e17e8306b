//! Locales: which are configured, the fallback chain of each, text direction.

use crate::error::{Error, Result};
use std::collections::HashMap;

/// A locale this server serves, parsed once at the edge
/// (`Locales::locale`, `Locales::negotiate`): whoever holds one need not
/// check it again.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Locale(String);

impl Locale {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::ops::Deref for Locale {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for Locale {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

#[derive(Debug, Clone)]
pub struct Locales {
    /// Configured locales, the default first.
    pub codes: Vec<String>,
    /// Explicit fallbacks (`ar` → `fr`); every chain ends with the default.
    pub fallbacks: HashMap<String, Vec<String>>,
}

impl Default for Locales {
    fn default() -> Self {
        Locales::parse("fr,en,ar", "ar:fr,en:fr").expect("default locales are valid")
    }
}

impl Locales {
    /// `codes` like `fr,en,ar` (the first is the default); `fallbacks` like `ar:fr,en:fr`.
    pub fn parse(codes: &str, fallbacks: &str) -> Result<Locales> {
        let codes: Vec<String> = codes.split(',').map(|c| c.trim().to_owned()).filter(|c| !c.is_empty()).collect();
        if codes.is_empty() {
            return Err(Error::bad_input("RELAIS_LOCALES must name at least one locale"));
        }
        for c in &codes {
            let ok = c.len() >= 2
                && c.len() <= 8
                && c.split('-').all(|p| !p.is_empty() && p.chars().all(|ch| ch.is_ascii_alphanumeric()));
            if !ok {
                return Err(Error::bad_input(format!("{c:?} is not a locale code such as fr or pt-BR")));
            }
        }
        let mut map = HashMap::new();
        for pair in fallbacks.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let (from, to) = pair
                .split_once(':')
                .ok_or_else(|| Error::bad_input(format!("fallback {pair:?} should read like ar:fr")))?;
            let chain: Vec<String> = to.split('>').map(|s| s.trim().to_owned()).collect();
            for l in std::iter::once(from).chain(chain.iter().map(String::as_str)) {
                if !codes.iter().any(|c| c == l) {
                    return Err(Error::bad_input(format!(
                        "fallback {pair:?} names {l}, which is not in RELAIS_LOCALES"
                    )));
                }
            }
            map.insert(from.to_owned(), chain);
        }
        Ok(Locales { codes, fallbacks: map })
    }

    pub fn default_locale(&self) -> &str {
        &self.codes[0]
    }

    /// Every served locale, the default first.
    pub fn served(&self) -> impl Iterator<Item = Locale> + '_ {
        self.codes.iter().map(|c| Locale(c.clone()))
    }

    /// The chain a request for `locale` reads: itself, its fallbacks, the
    /// default. A localised value is read in the first locale of the chain
    /// that has one (`first_in`; the store's filters and sorts follow it too).
    pub fn chain(&self, locale: &Locale) -> Vec<String> {
        let mut out = vec![locale.0.clone()];
        for l in self.fallbacks.get(locale.as_str()).into_iter().flatten() {
            if !out.contains(l) {
                out.push(l.clone());
            }
        }
        let d = self.default_locale().to_owned();
        if !out.contains(&d) {
            out.push(d);
        }
        out
    }

    /// The served locale `code` names, or an error saying which are served.
    pub fn locale(&self, code: &str) -> Result<Locale> {
        if self.codes.iter().any(|c| c == code) {
            Ok(Locale(code.to_owned()))
        } else {
            Err(Error::field(
                "locale",
                format!("unknown locale {code:?}; this server serves {}", self.codes.join(", ")),
            ))
        }
    }

    /// Best configured locale for an `Accept-Language` header, by q-value.
    pub fn negotiate(&self, header: Option<&str>) -> Locale {
        let mut best: Option<(f32, usize, &str)> = None;
        for (pos, part) in header.unwrap_or("").split(',').enumerate() {
            let mut bits = part.trim().split(';');
            let tag = bits.next().unwrap_or("").trim().to_ascii_lowercase();
            let q = bits.find_map(|b| b.trim().strip_prefix("q=").and_then(|v| v.parse::<f32>().ok())).unwrap_or(1.0);
            if q <= 0.0 || tag.is_empty() {
                continue;
            }
            let found = self.codes.iter().find(|c| c.to_ascii_lowercase() == tag).or_else(|| {
                let primary = tag.split('-').next().unwrap_or("");
                self.codes.iter().find(|c| c.to_ascii_lowercase().split('-').next() == Some(primary))
            });
            if let Some(code) = found
                && best.is_none_or(|(bq, bp, _)| q > bq || (q == bq && pos < bp))
            {
                best = Some((q, pos, code));
            }
        }
        Locale(best.map_or_else(|| self.default_locale().to_owned(), |(_, _, c)| c.to_owned()))
    }
}

/// A locale's writing direction.
pub use crate::html::direction;

/// The first locale of `chain` for which `get` finds a value, with that value:
/// the fallback rule of every read.
pub fn first_in<V>(chain: &[String], mut get: impl FnMut(&str) -> Option<V>) -> Option<(&str, V)> {
    chain.iter().find_map(|l| get(l).map(|v| (l.as_str(), v)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chains_and_negotiation() {
        let l = Locales::default();
        assert_eq!(l.chain(&l.locale("ar").unwrap()), vec!["ar", "fr"]);
        assert_eq!(l.chain(&l.locale("fr").unwrap()), vec!["fr"]);
        assert_eq!(l.negotiate(Some("en-GB,en;q=0.9,fr;q=0.8")).as_str(), "en");
        assert_eq!(l.negotiate(Some("de, ar;q=0.5")).as_str(), "ar");
        assert_eq!(l.negotiate(Some("de")).as_str(), "fr");
        assert_eq!(l.negotiate(None).as_str(), "fr");
        assert_eq!(direction("ar"), "RTL");
        assert!(l.locale("de").unwrap_err().message.contains("fr, en, ar"));
        assert!(Locales::parse("fr,en", "ar:fr").is_err());
    }
}
