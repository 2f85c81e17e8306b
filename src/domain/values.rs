//! Field values in and out: parses input documents (GraphQL input and import
//! files share one shape) into column values and links, and writes items back
//! out in that shape (exports and revision snapshots).

use super::ids;
use super::locale::Locales;
use crate::error::{Error, Result};
use crate::model::item::{Item, Val};
use crate::model::{CONTENT_TYPES, EmbeddedDef, FieldDef, Kind, TypeDef, embedded_type, enum_def};
use crate::store::LinkIn;
use serde_json::{Map, Value as J, json};
use std::collections::{BTreeMap, HashSet};

/// How a field changes.
#[derive(Debug, Clone)]
pub enum Change {
    Set(Val),
    /// Per-locale edits of a localised field: `None` removes that locale.
    Local(BTreeMap<String, Option<String>>),
    Links(Vec<LinkIn>),
}

#[derive(Debug, Default)]
pub struct Changes {
    pub slug: Option<String>,
    /// Per field index of the type.
    pub fields: Vec<(usize, Change)>,
    /// Referenced items to check: (type, internal id).
    pub refs: Vec<(&'static TypeDef, String)>,
}

/// Turns a reference as written in the input into an internal id.
pub type Resolver<'a> = &'a (dyn Fn(&'static TypeDef, &str, &str) -> Result<String> + Sync);

/// References by global id, as GraphQL clients give them.
pub fn by_global_id(ty: &'static TypeDef, raw: &str, field: &str) -> Result<String> {
    ids::decode_as(raw, ty, field)
}

pub struct Parser<'a> {
    pub locales: &'a Locales,
    pub countries: &'a HashSet<String>,
    pub resolve: Resolver<'a>,
    /// Whether read-only fields may be given (uploads and imports, not clients).
    pub trusted: bool,
}

const MAX_TEXT: usize = 200_000;
const MAX_LIST: usize = 500;

impl Parser<'_> {
    pub fn parse(&self, ty: &'static TypeDef, input: &J) -> Result<Changes> {
        let obj = input.as_object().ok_or_else(|| Error::bad_input("input must be an object"))?;
        let mut out = Changes::default();
        for (key, v) in obj {
            if key == "slug" {
                if !v.is_null() {
                    let s = v.as_str().ok_or_else(|| Error::field("slug", "must be a string"))?;
                    out.slug = Some(check_slug(s)?);
                }
                continue;
            }
            let (idx, f) = ty
                .fields
                .iter()
                .enumerate()
                .find(|(_, f)| f.name == key)
                .ok_or_else(|| Error::field(key.as_str(), format!("{} has no field {key}", ty.name)))?;
            let change = self.field(f, key, v, &mut out.refs)?;
            out.fields.push((idx, change));
        }
        Ok(out)
    }

    fn field(&self, f: &FieldDef, path: &str, v: &J, refs: &mut Vec<(&'static TypeDef, String)>) -> Result<Change> {
        match f.kind {
            Kind::Reverse { .. } => Err(Error::field(path, "is read-only: set it from the other side of the relation")),
            Kind::LocalText | Kind::RichText => {
                if v.is_null() {
                    return Ok(Change::Local(self.locales.codes.iter().map(|c| (c.clone(), None)).collect()));
                }
                if f.kind == Kind::RichText {
                    return Ok(Change::Local(self.rich_patch(path, v, refs)?));
                }
                Ok(Change::Local(self.local_patch(path, v)?))
            }
            Kind::Refs { target, role } => {
                let ty = crate::model::content_type(target).expect("model checked");
                let items = as_list(path, v)?;
                let mut links = Vec::with_capacity(items.len());
                for (i, item) in items.iter().enumerate() {
                    let p = format!("{path}[{i}]");
                    let (raw, r) = match item {
                        J::String(s) => (s.as_str(), None),
                        J::Object(o) => (
                            o.get("id").and_then(J::as_str).ok_or_else(|| Error::field(&p, "needs an id"))?,
                            o.get("role").filter(|r| !r.is_null()),
                        ),
                        _ => return Err(Error::field(&p, "must be an id or {id, role}")),
                    };
                    if r.is_some() && !role {
                        return Err(Error::field(&p, "this relation has no role"));
                    }
                    let id = (self.resolve)(ty, raw, &p)?;
                    if links.iter().any(|l: &LinkIn| l.target == id) {
                        return Err(Error::field(&p, "is listed twice"));
                    }
                    refs.push((ty, id.clone()));
                    let role = match r {
                        Some(r) => Some(local_json(&self.local_patch(&format!("{p}.role"), r)?)),
                        None => None,
                    };
                    links.push(LinkIn { target: id, role });
                }
                Ok(Change::Links(links))
            }
            Kind::Countries => {
                let items = as_list(path, v)?;
                let mut links: Vec<LinkIn> = Vec::new();
                for (i, item) in items.iter().enumerate() {
                    let code = self.country(&format!("{path}[{i}]"), item)?;
                    if !links.iter().any(|l| l.target == code) {
                        links.push(LinkIn { target: code, role: None });
                    }
                }
                Ok(Change::Links(links))
            }
            _ => Ok(Change::Set(if v.is_null() { Val::Null } else { self.scalar(f, path, v, refs)? })),
        }
    }

    /// Values kept in a column: everything but links.
    fn scalar(&self, f: &FieldDef, path: &str, v: &J, refs: &mut Vec<(&'static TypeDef, String)>) -> Result<Val> {
        Ok(match f.kind {
            Kind::Text => Val::Text(text(path, v)?),
            Kind::Url => Val::Text(url(path, v)?),
            Kind::LocalText => {
                let patch = self.local_patch(path, v)?;
                Val::Text(local_json(&patch))
            }
            Kind::RichText => Val::Text(local_json(&self.rich_patch(path, v, refs)?)),
            Kind::LocalTextList => {
                let items = as_list(path, v)?;
                let mut out = Vec::new();
                for (i, item) in items.iter().enumerate() {
                    let patch = self.local_patch(&format!("{path}[{i}]"), item)?;
                    out.push(serde_json::from_str::<J>(&local_json(&patch))?);
                }
                Val::Text(J::Array(out).to_string())
            }
            Kind::Int => Val::Int(v.as_i64().ok_or_else(|| Error::field(path, "must be a whole number"))?),
            Kind::Float => {
                Val::Float(v.as_f64().filter(|x| x.is_finite()).ok_or_else(|| Error::field(path, "must be a number"))?)
            }
            Kind::Bool => Val::Int(v.as_bool().ok_or_else(|| Error::field(path, "must be true or false"))? as i64),
            Kind::Date => Val::Text(date(path, v)?),
            Kind::DateTime => Val::Int(datetime(path, v)?),
            Kind::Enum(e) => {
                let def = enum_def(e);
                let s = v.as_str().ok_or_else(|| Error::field(path, "must be a string"))?;
                if !def.values.contains(&s) {
                    return Err(Error::field(path, format!("must be one of {}", def.values.join(", "))));
                }
                Val::Text(s.to_owned())
            }
            Kind::Money => {
                let o = v.as_object().ok_or_else(|| Error::field(path, "must be {amount, currency}"))?;
                let cur = o
                    .get("currency")
                    .and_then(J::as_str)
                    .filter(|c| c.len() == 3 && c.chars().all(|ch| ch.is_ascii_uppercase()))
                    .ok_or_else(|| Error::field(format!("{path}.currency"), "must be an ISO 4217 code such as USD"))?;
                let amount = o.get("amount").ok_or_else(|| Error::field(format!("{path}.amount"), "is required"))?;
                let s = match amount {
                    J::String(s) => s.clone(),
                    J::Number(n) => n.to_string(),
                    _ => {
                        return Err(Error::field(
                            format!("{path}.amount"),
                            "must be a decimal string such as \"250000.00\"",
                        ));
                    }
                };
                Val::Money(parse_minor(&s, cur).map_err(|m| Error::field(format!("{path}.amount"), m))?, cur.to_owned())
            }
            Kind::Country => Val::Text(self.country(path, v)?),
            Kind::Ref(target) => {
                let ty = crate::model::content_type(target).expect("model checked");
                let raw = v.as_str().ok_or_else(|| Error::field(path, "must be an id"))?;
                let id = (self.resolve)(ty, raw, path)?;
                refs.push((ty, id.clone()));
                Val::Text(id)
            }
            Kind::Embedded(e) => {
                let items = as_list(path, v)?;
                let mut out = Vec::with_capacity(items.len());
                for (i, item) in items.iter().enumerate() {
                    out.push(self.embedded(embedded_type(e), &format!("{path}[{i}]"), item, refs)?);
                }
                Val::Text(J::Array(out).to_string())
            }
            Kind::Object(e) => Val::Text(self.embedded(embedded_type(e), path, v, refs)?.to_string()),
            Kind::Refs { .. } | Kind::Reverse { .. } | Kind::Countries => {
                unreachable!("links are not columns")
            }
        })
    }

    /// An embedded sub-item as stored: localised maps, internal ids, ms times.
    fn embedded(&self, def: &EmbeddedDef, path: &str, v: &J, refs: &mut Vec<(&'static TypeDef, String)>) -> Result<J> {
        let o = v.as_object().ok_or_else(|| Error::field(path, format!("must be a {} object", def.name)))?;
        let mut out = Map::new();
        for (k, val) in o {
            let f = def
                .fields
                .iter()
                .find(|f| f.name == k)
                .ok_or_else(|| Error::field(format!("{path}.{k}"), format!("{} has no field {k}", def.name)))?;
            if val.is_null() {
                continue;
            }
            let p = format!("{path}.{k}");
            let stored = match self.scalar(f, &p, val, refs)? {
                Val::Text(s)
                    if matches!(
                        f.kind,
                        Kind::LocalText | Kind::LocalTextList | Kind::Embedded(_) | Kind::Object(_)
                    ) =>
                {
                    serde_json::from_str(&s)?
                }
                Val::Text(s) => J::String(s),
                Val::Int(i) => json!(i),
                Val::Float(x) => json!(x),
                Val::Money(a, c) => json!({ "amount": a, "currency": c }),
                Val::Null => J::Null,
            };
            if f.kind == Kind::LocalText && stored.as_object().is_some_and(Map::is_empty) {
                continue;
            }
            out.insert(k.clone(), stored);
        }
        for f in def.fields.iter().filter(|f| f.required) {
            if !out.contains_key(f.name) {
                return Err(Error::field(format!("{path}.{}", f.name), "is required"));
            }
        }
        Ok(J::Object(out))
    }

    /// `{"fr": "…"}` or `[{locale, value}]` into per-locale edits.
    fn local_patch(&self, path: &str, v: &J) -> Result<BTreeMap<String, Option<String>>> {
        let mut out = BTreeMap::new();
        let mut put = |loc: &str, val: &J| -> Result<()> {
            self.known_locale(path, loc)?;
            let s = match val {
                J::Null => None,
                J::String(s) if s.trim().is_empty() => None,
                J::String(s) => Some(text(path, &J::String(s.clone()))?),
                _ => return Err(Error::field(path, "values must be strings")),
            };
            out.insert(loc.to_owned(), s);
            Ok(())
        };
        match v {
            J::Object(o) => {
                for (loc, val) in o {
                    put(loc, val)?;
                }
            }
            J::Array(items) => {
                for item in items {
                    put(entry_locale(item, path)?, item.get("value").unwrap_or(&J::Null))?;
                }
            }
            J::String(_) => return Err(Error::field(path, "is localised: give [{locale, value}]")),
            _ => return Err(Error::field(path, "must be a list of {locale, value}")),
        }
        Ok(out)
    }

    /// `loc` is one of the configured locales, or the field's error names them.
    fn known_locale(&self, path: &str, loc: &str) -> Result<()> {
        self.locales.locale(loc).map(|_| ()).map_err(|_| {
            Error::field(path, format!("unknown locale {loc:?}; use one of {}", self.locales.codes.join(", ")))
        })
    }

    /// Per-locale rich-text documents, each kept as its canonical JSON text.
    /// A locale takes Markdown (a string, or `{markdown}`) or a document
    /// (`{document}`, or the document itself); media it embeds must exist.
    fn rich_patch(
        &self,
        path: &str,
        v: &J,
        refs: &mut Vec<(&'static TypeDef, String)>,
    ) -> Result<BTreeMap<String, Option<String>>> {
        let mut entries: Vec<(String, J)> = Vec::new();
        match v {
            J::Object(o) => entries.extend(o.iter().map(|(k, v)| (k.clone(), v.clone()))),
            J::Array(items) => {
                for item in items {
                    let loc = entry_locale(item, path)?;
                    let given: Vec<&str> = ["markdown", "document", "value"]
                        .into_iter()
                        .filter(|k| item.get(*k).is_some_and(|x| !x.is_null()))
                        .collect();
                    let val = match given.as_slice() {
                        [] => J::Null,
                        ["document"] => json!({ "document": item["document"] }),
                        [k] => item[*k].clone(),
                        _ => return Err(Error::field(format!("{path}.{loc}"), "give markdown or document, not both")),
                    };
                    entries.push((loc.to_owned(), val));
                }
            }
            _ => return Err(Error::field(path, "must be a list of {locale, markdown} or {locale, document}")),
        }
        let media = crate::model::content_type("MediaAsset").expect("model declares MediaAsset");
        let mut out = BTreeMap::new();
        for (loc, val) in entries {
            self.known_locale(path, &loc)?;
            let p = format!("{path}.{loc}");
            let doc = match &val {
                J::Null => None,
                J::String(s) if s.trim().is_empty() => None,
                other => Some(super::richtext::parse_input(other, &p)?),
            };
            let doc = doc.filter(|d| !d.blocks.is_empty());
            if let Some(d) = &doc {
                for raw in super::richtext::media_ids(d) {
                    refs.push((media, (self.resolve)(media, &raw, &format!("{p} media"))?));
                }
            }
            out.insert(loc, doc.map(|d| d.to_json().to_string()));
        }
        Ok(out)
    }

    fn country(&self, path: &str, v: &J) -> Result<String> {
        let code = v.as_str().map(str::to_ascii_uppercase).unwrap_or_default();
        if self.countries.contains(&code) {
            Ok(code)
        } else {
            Err(Error::field(path, format!("{v} is not an ISO 3166-1 alpha-2 country code such as MA")))
        }
    }
}

/// A localised value's map, without empty locales, as stored.
pub fn local_json(patch: &BTreeMap<String, Option<String>>) -> String {
    let m: Map<String, J> =
        patch.iter().filter_map(|(k, v)| v.as_ref().map(|s| (k.clone(), J::String(s.clone())))).collect();
    J::Object(m).to_string()
}

/// Applies per-locale edits to a stored localised value; `None` when empty.
pub fn merge_local(current: &Val, patch: &BTreeMap<String, Option<String>>) -> Val {
    let mut map: BTreeMap<String, Option<String>> = current
        .as_text()
        .and_then(|s| serde_json::from_str::<BTreeMap<String, String>>(s).ok())
        .unwrap_or_default()
        .into_iter()
        .map(|(k, v)| (k, Some(v)))
        .collect();
    for (k, v) in patch {
        map.insert(k.clone(), v.clone());
    }
    if map.values().all(Option::is_none) { Val::Null } else { Val::Text(local_json(&map)) }
}

fn as_list<'j>(path: &str, v: &'j J) -> Result<&'j Vec<J>> {
    let items = v.as_array().ok_or_else(|| Error::field(path, "must be a list"))?;
    if items.len() > MAX_LIST {
        return Err(Error::field(path, format!("may hold at most {MAX_LIST} entries")));
    }
    Ok(items)
}

fn text(path: &str, v: &J) -> Result<String> {
    let s = v.as_str().ok_or_else(|| Error::field(path, "must be a string"))?;
    if s.len() > MAX_TEXT {
        return Err(Error::field(path, format!("is longer than {MAX_TEXT} bytes")));
    }
    // Control characters other than line breaks and tabs have no place in content.
    Ok(s.chars().filter(|c| !c.is_control() || matches!(c, '\n' | '\t')).collect::<String>().replace("\r\n", "\n"))
}

fn url(path: &str, v: &J) -> Result<String> {
    let s = text(path, v)?;
    let s = s.trim();
    let ok = (s.starts_with("https://") || s.starts_with("http://"))
        && s.len() > 8
        && !s.contains(char::is_whitespace)
        && !s.contains(['<', '>', '"']);
    if ok { Ok(s.to_owned()) } else { Err(Error::field(path, "must be an absolute http(s) URL")) }
}

/// ISO 8601 calendar date, full or reduced to month or year.
fn date(path: &str, v: &J) -> Result<String> {
    let s = v.as_str().ok_or_else(|| Error::field(path, "must be a date such as 2018-04-10"))?;
    let ok = match s.len() {
        4 => s.parse::<u16>().is_ok(),
        7 => chrono::NaiveDate::parse_from_str(&format!("{s}-01"), "%Y-%m-%d").is_ok(),
        10 => chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").is_ok(),
        _ => false,
    };
    if ok {
        Ok(s.to_owned())
    } else {
        Err(Error::field(path, format!("{s:?} is not a date such as 2018-04-10, 2016-05 or 2024")))
    }
}

fn datetime(path: &str, v: &J) -> Result<i64> {
    let s = v.as_str().unwrap_or("");
    chrono::DateTime::parse_from_rfc3339(s).map(|d| d.timestamp_millis()).map_err(|_| {
        Error::field(path, format!("{s:?} is not an RFC 3339 date-time such as 2018-04-10T09:00:00+01:00"))
    })
}

pub fn format_datetime(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .map(|d| d.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
        .unwrap_or_default()
}

fn currency_exponent(cur: &str) -> u32 {
    match cur {
        "JPY" | "KRW" | "XOF" | "XAF" | "CLP" | "ISK" | "VND" | "UGX" | "RWF" | "GNF" => 0,
        "TND" | "KWD" | "BHD" | "JOD" | "OMR" | "LYD" | "IQD" => 3,
        _ => 2,
    }
}

fn parse_minor(s: &str, cur: &str) -> Result<i64, String> {
    let exp = currency_exponent(cur);
    let bad = || format!("{s:?} is not an amount in {cur} such as \"250000.00\"");
    let s = s.trim();
    let (neg, digits) = s.strip_prefix('-').map_or((false, s), |d| (true, d));
    let (int, frac) = digits.split_once('.').unwrap_or((digits, ""));
    if int.is_empty() || !int.chars().all(|c| c.is_ascii_digit()) || !frac.chars().all(|c| c.is_ascii_digit()) {
        return Err(bad());
    }
    if frac.len() as u32 > exp {
        return Err(format!("{cur} has {exp} decimal places; {s:?} has more"));
    }
    let scale = 10i64.pow(exp);
    let int: i64 = int.parse().map_err(|_| bad())?;
    let frac_val: i64 = if frac.is_empty() {
        0
    } else {
        format!("{frac:0<width$}", width = exp as usize).parse().map_err(|_| bad())?
    };
    let v =
        int.checked_mul(scale).and_then(|v| v.checked_add(frac_val)).ok_or_else(|| "amount is too large".to_owned())?;
    Ok(if neg { -v } else { v })
}

pub fn format_money(minor: i64, cur: &str) -> String {
    let exp = currency_exponent(cur);
    if exp == 0 {
        return minor.to_string();
    }
    let scale = 10i64.pow(exp);
    let sign = if minor < 0 { "-" } else { "" };
    let a = minor.unsigned_abs();
    format!("{sign}{}.{:0width$}", a / scale as u64, a % scale as u64, width = exp as usize)
}

pub fn check_slug(s: &str) -> Result<String> {
    let ok = !s.is_empty()
        && s.len() <= 120
        && s.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && !s.starts_with('-')
        && !s.ends_with('-');
    if ok {
        Ok(s.to_owned())
    } else {
        Err(Error::field("slug", "use lowercase letters, digits and hyphens, such as rabat-workshop-2018"))
    }
}

pub fn slugify(text: &str) -> String {
    let ascii = deunicode::deunicode(text).to_ascii_lowercase();
    let mut out = String::new();
    for c in ascii.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c);
        } else if !out.ends_with('-') && !out.is_empty() {
            out.push('-');
        }
    }
    let mut s: String = out.trim_end_matches('-').chars().take(80).collect();
    s = s.trim_end_matches('-').to_owned();
    if s.is_empty() { "item".to_owned() } else { s }
}

/// Writes a working copy out in the input shape (exports, revision snapshots).
/// A stored value that does not parse stops it: an export never drops data
/// silently.
pub fn export(item: &Item, links: &[(String, String, Option<String>)]) -> Result<J> {
    let mut fields = Map::new();
    for (f, v) in item.ty.fields.iter().zip(&item.values) {
        let out = match f.kind {
            Kind::Refs { target, .. } => {
                let key = crate::store::link_key(item.ty, f);
                let list: Vec<J> = links
                    .iter()
                    .filter(|(k, _, _)| *k == key)
                    .map(|(_, t, role)| {
                        let gid = J::String(ids::encode(target, t));
                        Ok(match role {
                            Some(r) => json!({ "id": gid, "role": super::stored_json::<J>("relation roles", r)? }),
                            None => gid,
                        })
                    })
                    .collect::<Result<_>>()?;
                if list.is_empty() {
                    continue;
                } else {
                    J::Array(list)
                }
            }
            Kind::Countries => {
                let key = crate::store::link_key(item.ty, f);
                let list: Vec<J> =
                    links.iter().filter(|(k, _, _)| *k == key).map(|(_, t, _)| J::String(t.clone())).collect();
                if list.is_empty() {
                    continue;
                } else {
                    J::Array(list)
                }
            }
            _ => match export_value(f, v)? {
                Some(j) => j,
                None => continue,
            },
        };
        fields.insert(f.name.to_owned(), out);
    }
    Ok(json!({ "type": item.ty.name, "id": ids::encode(item.ty.name, &item.id), "slug": item.slug, "fields": fields }))
}

fn export_value(f: &FieldDef, v: &Val) -> Result<Option<J>> {
    Ok(Some(match (f.kind, v) {
        (_, Val::Null) => return Ok(None),
        (Kind::Money, Val::Money(a, c)) => json!({ "amount": format_money(*a, c), "currency": c }),
        (Kind::DateTime, Val::Int(ms)) => J::String(format_datetime(*ms)),
        (Kind::Bool, Val::Int(b)) => J::Bool(*b != 0),
        (Kind::Ref(t), Val::Text(id)) => J::String(ids::encode(t, id)),
        (Kind::LocalText | Kind::LocalTextList, Val::Text(s)) => super::stored_json("localised values", s)?,
        (Kind::RichText, Val::Text(s)) => {
            let map: BTreeMap<String, String> = super::stored_json("rich-text values", s)?;
            J::Object(map.into_iter().map(|(k, d)| (k, super::richtext::stored(&d).to_json())).collect())
        }
        (Kind::Embedded(e) | Kind::Object(e), Val::Text(s)) => {
            let def = embedded_type(e);
            match super::stored_json::<J>("embedded values", s)? {
                J::Array(items) => J::Array(items.iter().map(|i| export_embedded(def, i)).collect()),
                other => export_embedded(def, &other),
            }
        }
        (_, Val::Text(s)) => J::String(s.clone()),
        (_, Val::Int(i)) => json!(i),
        (_, Val::Float(x)) => json!(x),
        (_, Val::Money(..)) => return Ok(None),
    }))
}

fn export_embedded(def: &EmbeddedDef, stored: &J) -> J {
    let mut out = Map::new();
    for f in def.fields {
        let Some(v) = stored.get(f.name) else {
            continue;
        };
        let val = match (f.kind, v) {
            (Kind::Ref(t), J::String(id)) => J::String(ids::encode(t, id)),
            (Kind::DateTime, J::Number(n)) => J::String(format_datetime(n.as_i64().unwrap_or(0))),
            (Kind::Embedded(e), J::Array(items)) => {
                J::Array(items.iter().map(|i| export_embedded(embedded_type(e), i)).collect())
            }
            (Kind::Object(e), o) => export_embedded(embedded_type(e), o),
            (_, other) => other.clone(),
        };
        out.insert(f.name.to_owned(), val);
    }
    J::Object(out)
}

/// The `locale` of one `{locale, …}` entry of a localised input.
fn entry_locale<'j>(item: &'j J, path: &str) -> Result<&'j str> {
    item.get("locale").and_then(J::as_str).ok_or_else(|| Error::field(path, "each entry needs a locale"))
}

/// All declared content types, for exports.
pub fn all_types() -> &'static [TypeDef] {
    CONTENT_TYPES
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_round_trips_in_minor_units() {
        assert_eq!(parse_minor("250000.00", "USD"), Ok(25_000_000));
        assert_eq!(parse_minor("250000", "USD"), Ok(25_000_000));
        assert_eq!(parse_minor("1.5", "TND"), Ok(1500));
        assert!(parse_minor("1.234", "USD").is_err());
        assert!(parse_minor("abc", "USD").is_err());
        assert!(parse_minor("99999999999999999999", "USD").is_err());
        assert_eq!(format_money(25_000_000, "USD"), "250000.00");
        assert_eq!(format_money(-5, "EUR"), "-0.05");
    }

    #[test]
    fn slugs() {
        assert_eq!(slugify("Atelier d'échange : «Les Régions»"), "atelier-d-echange-les-regions");
        assert!(check_slug("Bad Slug").is_err());
    }
}
