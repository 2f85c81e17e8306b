//! Full-text search over every content type: what each item's documents hold,
//! keeping the index in step with writes, and ranked queries.

use super::content::Content;
use super::locale::Locales;
use crate::error::{Error, Result};
use crate::model::item::{Item, Stage, Val};
use crate::model::{CONTENT_TYPES, FieldDef, Kind, TypeDef};
use crate::search::{Lang, QueryPlan, index_terms};
use crate::store::{SearchDoc, SearchHit, SearchSpec, Tx};
use serde_json::Value as J;
use std::collections::HashMap;

/// Bump when the analyser or the documents change: the index is rebuilt at start.
const INDEX_VERSION: &str = "2";

/// Words of context in a snippet.
const SNIPPET_WORDS: usize = 24;

/// One item's document in each configured locale: the fallback-resolved
/// title and the other text fields, each word analysed in the language of
/// the locale its text actually came from.
pub fn documents(item: &Item, locales: &Locales) -> Vec<SearchDoc> {
    let mut docs = Vec::with_capacity(locales.codes.len());
    // Locales falling back to the same text analyse it once.
    let mut memo: Vec<(Lang, String, Vec<String>)> = Vec::new();
    let mut terms = |text: &str, lang: Lang| -> Vec<String> {
        if let Some((_, _, t)) = memo.iter().find(|(l, t, _)| *l == lang && t == text) {
            return t.clone();
        }
        let t = index_terms(text, lang);
        memo.push((lang, text.to_owned(), t.clone()));
        t
    };
    for locale in locales.served() {
        let chain = locales.chain(&locale);
        let own = Lang::of_locale(&locale);
        let mut title = String::new();
        let mut title_terms = Vec::new();
        let mut body = Vec::new();
        let mut body_terms = Vec::new();
        for (f, v) in item.ty.fields.iter().zip(&item.values) {
            for (origin, text) in field_texts(f, v, &chain, &locales.codes) {
                let lang = origin.as_deref().map_or(own, Lang::of_locale);
                if f.name == item.ty.title_field {
                    title_terms.extend(terms(&text, lang));
                    title = text;
                } else {
                    body_terms.extend(terms(&text, lang));
                    body.push(text.replace('\n', " "));
                }
            }
        }
        let doc = SearchDoc { locale: locale.to_string(), title, body: body.join("\n"), title_terms, body_terms };
        // Locales that read the same text (one has none of its own and falls
        // back) share a document: a third of the index for one-language content.
        match docs.iter_mut().find(|d: &&mut SearchDoc| {
            d.title == doc.title
                && d.body == doc.body
                && d.title_terms == doc.title_terms
                && d.body_terms == doc.body_terms
        }) {
            Some(same) => {
                same.locale.push(' ');
                same.locale.push_str(&locale);
            }
            None => docs.push(doc),
        }
    }
    docs
}

/// The searchable texts of one field, each with the locale it came from
/// (`None` for text that is the same in every language).
fn field_texts(f: &FieldDef, v: &Val, chain: &[String], codes: &[String]) -> Vec<(Option<String>, String)> {
    let Some(raw) = v.as_text() else { return Vec::new() };
    let pick = |map: &serde_json::Map<String, J>| -> Option<(Option<String>, String)> {
        chain.iter().find_map(|l| {
            map.get(l.as_str())?.as_str().filter(|s| !s.trim().is_empty()).map(|s| (Some(l.clone()), s.to_owned()))
        })
    };
    match f.kind {
        Kind::Text if !f.read_only => vec![(None, raw.to_owned())],
        Kind::LocalText | Kind::LocalTextList | Kind::Embedded(_) | Kind::Object(_) => {
            let Ok(json) = serde_json::from_str::<J>(raw) else { return Vec::new() };
            let mut out = Vec::new();
            walk(&json, codes, &mut |m| out.extend(pick(m)));
            out
        }
        Kind::RichText => {
            let Ok(map) = serde_json::from_str::<serde_json::Map<String, J>>(raw) else { return Vec::new() };
            pick(&map)
                .map(|(l, doc)| (l, crate::domain::richtext::to_text(&crate::domain::richtext::stored(&doc))))
                .into_iter()
                .collect()
        }
        _ => Vec::new(),
    }
}

/// Calls `found` on every localised map (an object keyed by locale codes).
fn walk(v: &J, codes: &[String], found: &mut dyn FnMut(&serde_json::Map<String, J>)) {
    match v {
        J::Object(m) if !m.is_empty() && m.values().all(J::is_string) && m.keys().all(|k| codes.contains(k)) => {
            found(m)
        }
        J::Object(m) => m.values().for_each(|x| walk(x, codes, found)),
        J::Array(a) => a.iter().for_each(|x| walk(x, codes, found)),
        _ => {}
    }
}

/// A page of search results.
pub struct SearchPage {
    pub hits: Vec<Hit>,
    /// How many match, or at least how many when `exact` is false.
    pub total: i64,
    pub exact: bool,
    pub offset: i64,
    /// Where pages stop: the total, or the search window when more match.
    pub end: i64,
}

/// A match with its highlighted title and snippet (HTML with `<mark>`).
pub struct Hit {
    pub ty: &'static TypeDef,
    pub id: String,
    pub score: f64,
    pub title: String,
    pub snippet: String,
}

impl Content {
    /// Reindexes an item's working copy, inside the write that changed it.
    pub(crate) async fn index_draft(&self, tx: &mut Tx<'_>, item: &Item) -> Result<()> {
        tx.index_replace(Stage::Draft, item.ty.name, &item.id, &documents(item, &self.locales)).await
    }

    /// Rebuilds the index when it was made by another analyser or for other
    /// locales (or not made at all: a database from before search).
    pub async fn reindex_if_needed(&self) -> Result<bool> {
        self.reindex(false).await
    }

    /// Rebuilds the index; unless `always`, only when it is not what this
    /// configuration makes (an import rebuilds it always: it copies no index).
    pub async fn reindex(&self, always: bool) -> Result<bool> {
        let want = format!("{INDEX_VERSION};{};{:?}", self.locales.codes.join(","), {
            let mut f: Vec<_> = self.locales.fallbacks.iter().collect();
            f.sort();
            f
        });
        if !always && self.store.setting("search_index").await?.as_deref() == Some(want.as_str()) {
            return Ok(false);
        }
        let mut tx = self.store.begin().await?;
        if !always && tx.index_version().await?.as_deref() == Some(want.as_str()) {
            return Ok(false); // another instance just rebuilt it
        }
        tx.index_clear().await?;
        for ty in CONTENT_TYPES {
            // Live items first; a working copy that is what is live shares their documents.
            let mut live = HashMap::new();
            for stage in [Stage::Live, Stage::Draft] {
                let ids = self.store.item_ids(ty, stage).await?;
                for chunk in ids.chunks(500) {
                    for item in self.store.by_ids(ty, stage, chunk).await? {
                        if stage == Stage::Live {
                            live.insert(item.id.clone(), item.version);
                        } else if live.get(&item.id) == Some(&item.version) {
                            continue;
                        }
                        tx.index_replace(stage, ty.name, &item.id, &documents(&item, &self.locales)).await?;
                    }
                }
            }
        }
        tx.set_setting("search_index", &want).await?;
        tx.commit().await?;
        tracing::info!("rebuilt the search index");
        Ok(true)
    }

    /// Ranked matches of `query` among `types` (all when empty) in `locale`.
    pub async fn search(
        &self,
        query: &str,
        types: &[&'static TypeDef],
        locale: &str,
        stage: Stage,
        first: i64,
        offset: i64,
    ) -> Result<SearchPage> {
        let chain = self.locales.chain(&self.locales.locale(locale)?);
        let mut langs: Vec<Lang> = Vec::new();
        for l in &chain {
            let lang = Lang::of_locale(l);
            if !langs.contains(&lang) {
                langs.push(lang);
            }
        }
        let plan = QueryPlan::parse(query, &langs).map_err(|m| Error::field("query", m))?;
        let window = self.search_window;
        if offset >= window {
            return Err(Error::field(
                "after",
                format!("search pages stop at result {window}; add words or types to narrow the query"),
            ));
        }
        let first = first.min(window - offset);
        if plan.is_empty() {
            return Ok(SearchPage { hits: Vec::new(), total: 0, exact: true, offset, end: 0 });
        }
        let names: Vec<&'static str> = types.iter().map(|t| t.name).collect();
        let spec = SearchSpec { plan: &plan, stage, locale, types: &names, limit: first, offset, window };
        let found = self.store.search(&spec).await?;
        let hits = found.hits.into_iter().filter_map(|h| hit(&plan, h)).collect();
        Ok(SearchPage { hits, total: found.total, exact: found.exact, offset, end: found.total.min(window) })
    }
}

fn hit(plan: &QueryPlan, h: SearchHit) -> Option<Hit> {
    let ty = crate::model::content_type(&h.item_type)?;
    // The passage around the matches, or the opening words when only the title matched.
    let snippet = plan.snippet(&h.body, SNIPPET_WORDS).unwrap_or_else(|| {
        let first = h.body.lines().next().unwrap_or("");
        let mut out = String::new();
        let words: Vec<(usize, usize)> = crate::search::words(first).take(SNIPPET_WORDS).collect();
        let end = words.last().map_or(0, |w| w.1);
        crate::html::escape_into(&mut out, &first[..end]);
        if end < first.trim_end().len() {
            out.push_str(" …");
        }
        out
    });
    Some(Hit { ty, id: h.item_id, score: h.score, title: plan.highlight(&h.title), snippet })
}
