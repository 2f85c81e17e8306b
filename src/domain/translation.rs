//! Translation status: which localised fields of an item's working copy are
//! missing in a locale, and which are outdated because the source locale (the
//! default) changed after that locale's values were last saved.
//!
//! A top-level field is *present* in a locale when it holds at least one
//! localised value and every localised value inside it (list entries,
//! sub-items' localised fields) has that locale. Its *projection* in the
//! locale is those values in order. Every write of a working copy compares
//! the projections before and after and keeps one stamp per (field, locale)
//! present: when that projection last changed (`translation_stamps`).

use super::content::Content;
use super::locale::Locales;
use crate::error::Result;
use crate::model::item::{Item, Stage, Val};
use crate::model::records::Stamp;
use crate::model::{CONTENT_TYPES, Kind, TypeDef, embedded_type};
use crate::store::Tx;
use serde_json::{Map, Value as J};
use std::collections::BTreeMap;

/// Bump when what counts as present changes: stamps are completed at start.
const STAMPS_VERSION: &str = "1";

/// Whether a field can hold localised values (itself or in its sub-items).
pub fn is_localised(kind: Kind) -> bool {
    match kind {
        Kind::LocalText | Kind::RichText | Kind::LocalTextList => true,
        Kind::Embedded(e) | Kind::Object(e) => embedded_type(e).fields.iter().any(|f| is_localised(f.kind)),
        _ => false,
    }
}

/// The localised values (maps of locale to text) a stored value holds, in order.
fn maps<'j>(kind: Kind, v: &'j J, out: &mut Vec<&'j Map<String, J>>) {
    match (kind, v) {
        (Kind::LocalText | Kind::RichText, J::Object(m)) if !m.is_empty() => out.push(m),
        (Kind::LocalTextList, J::Array(items)) => items.iter().for_each(|i| maps(Kind::LocalText, i, out)),
        (Kind::Embedded(e), J::Array(items)) => items.iter().for_each(|i| maps(Kind::Object(e), i, out)),
        (Kind::Object(e), J::Object(o)) => {
            for f in embedded_type(e).fields {
                if let Some(x) = o.get(f.name) {
                    maps(f.kind, x, out);
                }
            }
        }
        _ => {}
    }
}

/// The projection of one stored field value in each locale it is present in.
pub fn field_projections(kind: Kind, stored: &str, locales: &[String]) -> BTreeMap<String, Vec<String>> {
    let mut out = BTreeMap::new();
    let Ok(json) = serde_json::from_str::<J>(stored) else { return out };
    let mut found = Vec::new();
    maps(kind, &json, &mut found);
    if found.is_empty() {
        return out;
    }
    for l in locales {
        let values: Option<Vec<String>> = found
            .iter()
            .map(|m| m.get(l.as_str()).and_then(J::as_str).filter(|s| !s.trim().is_empty()).map(str::to_owned))
            .collect();
        if let Some(v) = values {
            out.insert(l.clone(), v);
        }
    }
    out
}

/// (field, locale) → projection, for every field present in some locale.
pub type Projections = BTreeMap<(&'static str, String), Vec<String>>;

pub fn projections(ty: &'static TypeDef, values: &[Val], locales: &[String]) -> Projections {
    let mut out = Projections::new();
    for (f, v) in ty.fields.iter().zip(values) {
        if !is_localised(f.kind) {
            continue;
        }
        let Some(stored) = v.as_text() else { continue };
        for (l, p) in field_projections(f.kind, stored, locales) {
            out.insert((f.name, l), p);
        }
    }
    out
}

/// What a write does to an item's stamps.
#[derive(Debug, Default, PartialEq)]
pub struct Plan {
    pub put: Vec<Stamp>,
    pub delete: Vec<(String, String)>,
}

/// The stamps a write makes, from the projections before (`None` for a new
/// item) and after, and the stamps that exist. A changed projection is
/// stamped `at`, and always later than the field's other locales' stamps,
/// so that a source changed after a translation is seen as such even
/// within one millisecond. A present one without a stamp (which should not
/// happen) gets `fallback`.
pub fn plan(
    item_id: &str,
    before: Option<&Projections>,
    after: &Projections,
    existing: &[Stamp],
    at: i64,
    fallback: i64,
) -> Plan {
    let mut out = Plan::default();
    for s in existing {
        let key = (s.field.as_str(), s.locale.clone());
        if !after.keys().any(|(f, l)| *f == key.0 && *l == key.1) {
            out.delete.push((s.field.clone(), s.locale.clone()));
        }
    }
    for ((field, locale), p) in after {
        let had = existing.iter().find(|s| s.field == *field && s.locale == *locale);
        let same = before.and_then(|b| b.get(&(*field, locale.clone()))) == Some(p);
        let changed_at = match (same, had) {
            (true, Some(_)) => continue,
            (true, None) => fallback,
            (false, _) => {
                let latest = existing.iter().filter(|s| s.field == *field).map(|s| s.changed_at + 1).max();
                latest.map_or(at, |l| l.max(at))
            }
        };
        out.put.push(Stamp {
            item_id: item_id.to_owned(),
            field: (*field).to_owned(),
            locale: locale.clone(),
            changed_at,
        });
    }
    out
}

/// One locale's status.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LocaleStatus {
    pub locale: String,
    /// Fields present in some locale and not in this one, in model order.
    pub missing: Vec<&'static str>,
    /// Fields whose source-locale values changed after this locale's.
    pub outdated: Vec<&'static str>,
}

impl LocaleStatus {
    pub fn complete(&self) -> bool {
        self.missing.is_empty() && self.outdated.is_empty()
    }
}

/// Every configured locale's status of an item, from its stamps.
pub fn status(ty: &'static TypeDef, stamps: &[Stamp], locales: &Locales) -> Vec<LocaleStatus> {
    let source = locales.default_locale();
    let at = |field: &str, locale: &str| {
        stamps.iter().find(|s| s.field == field && s.locale == locale).map(|s| s.changed_at)
    };
    locales
        .codes
        .iter()
        .map(|l| {
            let mut st = LocaleStatus { locale: l.clone(), missing: Vec::new(), outdated: Vec::new() };
            for f in ty.fields.iter().filter(|f| is_localised(f.kind)) {
                let somewhere = stamps.iter().any(|s| s.field == f.name && locales.codes.contains(&s.locale));
                match (at(f.name, l), at(f.name, source)) {
                    (None, _) if somewhere => st.missing.push(f.name),
                    (Some(mine), Some(src)) if src > mine => st.outdated.push(f.name),
                    _ => {}
                }
            }
            st
        })
        .collect()
}

impl Content {
    /// Keeps an item's stamps in step with a write of its working copy, in
    /// the write's transaction. `before` is the copy the write replaced.
    pub(crate) async fn stamp_translations(
        &self,
        tx: &mut Tx<'_>,
        ty: &'static TypeDef,
        id: &str,
        before: Option<&Item>,
        values: &[Val],
        at: i64,
    ) -> Result<()> {
        let codes = &self.locales.codes;
        let after = projections(ty, values, codes);
        let (old, existing, fallback) = match before {
            Some(b) => {
                let unchanged = ty
                    .fields
                    .iter()
                    .enumerate()
                    .all(|(i, f)| !is_localised(f.kind) || b.values.get(i) == values.get(i));
                if unchanged {
                    return Ok(());
                }
                (Some(projections(ty, &b.values, codes)), tx.translation_stamps(id).await?, b.updated_at)
            }
            None => (None, Vec::new(), at),
        };
        let plan = plan(id, old.as_ref(), &after, &existing, at, fallback);
        tx.delete_stamps(id, &plan.delete).await?;
        if !plan.put.is_empty() {
            tx.put_stamps(&plan.put, true).await?;
        }
        Ok(())
    }

    /// The stamps of a new item written in bulk.
    pub(crate) fn new_stamps(&self, ty: &'static TypeDef, id: &str, values: &[Val], at: i64) -> Vec<Stamp> {
        plan(id, None, &projections(ty, values, &self.locales.codes), &[], at, at).put
    }

    /// Stamps the working copies that have none (a database from before
    /// translation status), each as of its last change, and forgets locales
    /// no longer served. Runs once per version and set of locales.
    pub async fn stamp_translations_if_needed(&self) -> Result<bool> {
        let want = format!("{STAMPS_VERSION};{}", self.locales.codes.join(","));
        if self.store.setting("translation_stamps").await?.as_deref() == Some(want.as_str()) {
            return Ok(false);
        }
        let mut tx = self.store.begin().await?;
        let codes = &self.locales.codes;
        for ty in CONTENT_TYPES.iter().filter(|t| t.fields.iter().any(|f| is_localised(f.kind))) {
            let ids = self.store.item_ids(ty, Stage::Draft).await?;
            for chunk in ids.chunks(500) {
                let mut rows = Vec::new();
                for item in self.store.by_ids(ty, Stage::Draft, chunk).await? {
                    rows.extend(
                        plan(&item.id, None, &projections(ty, &item.values, codes), &[], item.updated_at, 0).put,
                    );
                }
                tx.put_stamps(&rows, false).await?;
            }
        }
        tx.delete_stamps_outside(codes).await?;
        tx.set_setting("translation_stamps", &want).await?;
        tx.commit().await?;
        tracing::info!("stamped the translation status of existing content");
        Ok(true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::content_type;
    use serde_json::json;

    fn codes() -> Vec<String> {
        vec!["fr".into(), "en".into(), "ar".into()]
    }

    #[test]
    fn local_text_lists_are_present_only_when_every_entry_is() {
        let v = json!([{ "fr": "Un", "ar": "واحد" }, { "fr": "Deux", "en": "Two" }]).to_string();
        let p = field_projections(Kind::LocalTextList, &v, &codes());
        assert_eq!(p.get("fr"), Some(&vec!["Un".to_owned(), "Deux".to_owned()]));
        assert!(!p.contains_key("en"), "the first entry has no English");
        assert!(!p.contains_key("ar"), "the second entry has no Arabic");
        assert!(field_projections(Kind::LocalTextList, "[]", &codes()).is_empty(), "an empty list is absent");
    }

    #[test]
    fn embedded_items_count_their_localised_fields_nested_too() {
        // Event sessions: title and description are localised, and so is the
        // affiliation of each speaker, a sub-item of the session.
        let sessions = json!([
            { "title": { "fr": "Ouverture", "ar": "الافتتاح" }, "startsAt": 1,
              "speakers": [{ "person": "p1", "affiliation": { "fr": "OIM", "ar": "المنظمة" } }] },
            { "title": { "fr": "Clôture", "ar": "الختام" }, "description": { "fr": "Fin" } },
        ])
        .to_string();
        let p = field_projections(Kind::Embedded("EventSession"), &sessions, &codes());
        assert_eq!(
            p.get("fr"),
            Some(&vec!["Ouverture".to_owned(), "OIM".to_owned(), "Clôture".to_owned(), "Fin".to_owned()])
        );
        assert!(!p.contains_key("ar"), "the second session's description has no Arabic");
        assert!(!p.contains_key("en"));
        // Sub-items without any localised value make the field absent everywhere.
        let ids = json!([{ "scheme": "PRIMA_ID", "value": "1" }]).to_string();
        assert!(!is_localised(Kind::Embedded("ExternalIdentifier")));
        assert!(field_projections(Kind::Embedded("ExternalIdentifier"), &ids, &codes()).is_empty());
        // One object (a focal point has nothing localised).
        assert!(field_projections(Kind::Object("FocalPoint"), r#"{"x":0.5,"y":0.5}"#, &codes()).is_empty());
    }

    #[test]
    fn stamps_follow_changes_and_status_reads_them() {
        let ty = content_type("Project").unwrap();
        let locales = Locales::default();
        let idx = |name: &str| ty.fields.iter().position(|f| f.name == name).unwrap();
        let mut values = vec![Val::Null; ty.fields.len()];
        values[idx("title")] = Val::Text(json!({ "fr": "Titre", "ar": "عنوان" }).to_string());
        values[idx("summary")] = Val::Text(json!({ "fr": "Résumé" }).to_string());
        let p1 = projections(ty, &values, &locales.codes);
        let created = plan("i", None, &p1, &[], 100, 100);
        assert!(created.delete.is_empty());
        let mut stamps = created.put;
        assert_eq!(stamps.len(), 3, "{stamps:?}");
        let st = status(ty, &stamps, &locales);
        assert_eq!(st[0].locale, "fr");
        assert!(st[0].complete());
        assert_eq!(st[1].missing, vec!["title", "summary"], "English has nothing");
        assert_eq!(st[2].missing, vec!["summary"]);
        assert!(st[2].outdated.is_empty());

        // The French title changes, within the same millisecond even: Arabic is outdated.
        let mut v2 = values.clone();
        v2[idx("title")] = Val::Text(json!({ "fr": "Nouveau titre", "ar": "عنوان" }).to_string());
        let p2 = projections(ty, &v2, &locales.codes);
        let changed = plan("i", Some(&p1), &p2, &stamps, 100, 100);
        assert_eq!(changed.put.len(), 1, "only French changed: {changed:?}");
        assert!(changed.put[0].changed_at > 100);
        apply(&mut stamps, changed);
        let st = status(ty, &stamps, &locales);
        assert_eq!(st[2].outdated, vec!["title"]);
        assert_eq!(st[2].missing, vec!["summary"]);

        // The Arabic title is saved again: no longer outdated.
        let mut v3 = v2.clone();
        v3[idx("title")] = Val::Text(json!({ "fr": "Nouveau titre", "ar": "عنوان جديد" }).to_string());
        let p3 = projections(ty, &v3, &locales.codes);
        let saved = plan("i", Some(&p2), &p3, &stamps, 150, 150);
        apply(&mut stamps, saved);
        assert!(status(ty, &stamps, &locales)[2].outdated.is_empty());

        // Removing the Arabic title makes it missing; its stamp goes.
        let mut v4 = v3.clone();
        v4[idx("title")] = Val::Text(json!({ "fr": "Nouveau titre" }).to_string());
        let p4 = projections(ty, &v4, &locales.codes);
        let removed = plan("i", Some(&p3), &p4, &stamps, 200, 200);
        assert_eq!(removed.delete, vec![("title".to_owned(), "ar".to_owned())]);
        apply(&mut stamps, removed);
        assert_eq!(status(ty, &stamps, &locales)[2].missing, vec!["title", "summary"]);
    }

    fn apply(stamps: &mut Vec<Stamp>, plan: Plan) {
        stamps.retain(|s| !plan.delete.iter().any(|(f, l)| *f == s.field && *l == s.locale));
        for p in plan.put {
            stamps.retain(|s| !(s.field == p.field && s.locale == p.locale));
            stamps.push(p);
        }
    }
}
