//! Connection arguments (`first/after/last/before`, `filter`, `orderBy`) into
//! the store's list spec. Input types come from the model, so one function
//! serves every content type.

use super::gql_err;
use crate::domain::ids;
use crate::domain::locale::Locales;
use crate::error::{Error, Result};
use crate::model::item::Stage;
use crate::model::query::{
    Columns, Common, Filter, KeyVal, ListSpec, Op, OrderBy, Target, TranslationState, Value, Window,
};
use crate::model::{FieldDef, Kind, TypeDef, content_type, order_name};
use async_graphql::SelectionField;
use async_graphql::dynamic::ResolverContext;
use async_graphql::{Name, indexmap::IndexMap};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

pub const COMMON_ORDER: &[(&str, Common)] = &[
    ("ID", Common::Id),
    ("SLUG", Common::Slug),
    ("CREATED_AT", Common::CreatedAt),
    ("UPDATED_AT", Common::UpdatedAt),
    ("PUBLISHED_AT", Common::PublishedAt),
];

/// The filter input type used for a field, if it can be filtered on.
pub fn filter_type(kind: Kind) -> Option<String> {
    Some(match kind {
        Kind::Text | Kind::Url | Kind::LocalText | Kind::Country => "StringFilter".into(),
        Kind::Date => "DateFilter".into(),
        Kind::Int => "IntFilter".into(),
        Kind::Float => "FloatFilter".into(),
        Kind::Bool => "BooleanFilter".into(),
        Kind::DateTime => "DateTimeFilter".into(),
        Kind::Enum(e) => format!("{e}Filter"),
        Kind::Ref(_) => "IDFilter".into(),
        Kind::Refs { .. } => "RelationFilter".into(),
        Kind::Countries => "CountriesFilter".into(),
        _ => return None,
    })
}

pub fn encode_cursor(key: &[KeyVal]) -> String {
    URL_SAFE_NO_PAD.encode(serde_json::to_vec(key).unwrap_or_default())
}

fn decode_cursor(arg: &str, s: &str) -> Result<Vec<KeyVal>> {
    URL_SAFE_NO_PAD
        .decode(s)
        .ok()
        .and_then(|b| serde_json::from_slice::<Vec<KeyVal>>(&b).ok())
        .ok_or_else(|| Error::field(arg, "is not a cursor from this list; use a cursor or endCursor the API returned"))
}

pub fn list_spec(
    ctx: &ResolverContext<'_>,
    ty: &'static TypeDef,
    chain: &[String],
    stage: Stage,
    page_size: usize,
) -> async_graphql::Result<ListSpec> {
    let ahead = ctx.look_ahead();
    let locales = &ctx.data::<std::sync::Arc<crate::app::Hub>>()?.content.locales;
    let args = Obj(ctx.args.as_index_map());
    let mut spec =
        read_spec(args, ty, chain, stage, locales, page_size, ahead.field("totalCount").exists()).map_err(gql_err)?;
    spec.columns = columns(ty, ctx.ctx.field());
    Ok(spec)
}

/// A list's spec from its arguments; the caller sets the columns.
pub(crate) fn read_spec(
    args: Obj<'_>,
    ty: &'static TypeDef,
    chain: &[String],
    stage: Stage,
    locales: &Locales,
    page_size: usize,
    want_total: bool,
) -> Result<ListSpec> {
    let spec = spec(args, ty, chain, locales, page_size, want_total)?;
    // Translation status is kept for working copies only.
    if !stage.is_draft() && spec.filter.as_ref().is_some_and(Filter::has_translation) {
        return Err(Error::field(
            "filter.translation",
            "describes working copies: use it in a read with preview: true",
        ));
    }
    Ok(spec)
}

/// Item fields whose resolvers read nothing but the common columns.
const COMMON_ONLY: &[&str] = &[
    "__typename",
    "id",
    "slug",
    "workflowState",
    "version",
    "createdAt",
    "updatedAt",
    "publishedAt",
    "hasUnpublishedChanges",
];

/// The fields a connection's nodes select (`nodes { … }`, `edges { node { … } }`,
/// through fragments): a field of the model needs its own column (its
/// `…Localized` companion too), the common fields none, and any other field
/// (`availableLocales`, a media URL) may look at every value, so all are read.
pub(crate) fn columns(ty: &TypeDef, connection: SelectionField<'_>) -> Columns {
    let mut cols = Columns::NONE;
    let mut nodes: Vec<SelectionField<'_>> = Vec::new();
    for f in connection.selection_set() {
        match f.name() {
            "nodes" => nodes.push(f),
            "edges" => nodes.extend(f.selection_set().filter(|e| e.name() == "node")),
            _ => {}
        }
    }
    for node in nodes {
        for sel in node.selection_set() {
            let name = sel.name();
            if COMMON_ONLY.contains(&name) {
                continue;
            }
            let base = name.strip_suffix("Localized").unwrap_or(name);
            match ty.fields.iter().position(|f| f.name == name || f.name == base) {
                Some(i) => cols = cols.with(i),
                None => return Columns::ALL,
            }
        }
    }
    cols
}

fn spec(
    args: Obj<'_>,
    ty: &'static TypeDef,
    chain: &[String],
    locales: &Locales,
    page_size: usize,
    want_total: bool,
) -> Result<ListSpec> {
    let count = |name: &str| -> Result<Option<usize>> {
        match args.get(name).filter(|v| !v.is_null()) {
            None => Ok(None),
            Some(v) => {
                let n = v.i64().map_err(|_| Error::field(name, "must be a whole number"))?;
                if n < 0 || n as usize > page_size {
                    return Err(Error::field(name, format!("must be between 0 and {page_size}")));
                }
                Ok(Some(n as usize))
            }
        }
    };
    let cursor = |name: &str| -> Result<Option<Vec<KeyVal>>> {
        match args.get(name).filter(|v| !v.is_null()) {
            None => Ok(None),
            Some(v) => decode_cursor(name, v.string().map_err(|_| Error::field(name, "must be a string"))?).map(Some),
        }
    };
    let window =
        Window { first: count("first")?, last: count("last")?, after: cursor("after")?, before: cursor("before")? };
    if window.first.is_some() && window.last.is_some() {
        return Err(Error::field("last", "give first (with after) or last (with before), not both"));
    }
    if window.after.is_some() && window.last.is_some() || window.before.is_some() && window.first.is_some() {
        return Err(Error::field("before", "use after with first, and before with last"));
    }
    let filter = match args.get("filter").filter(|v| !v.is_null()) {
        None => None,
        Some(v) => Some(filter(ty, locales, &v, 0)?),
    };
    let mut order = Vec::new();
    if let Some(list) = args.get("orderBy").filter(|v| !v.is_null()) {
        let list = list.list().map_err(|_| Error::field("orderBy", "must be a list"))?;
        for o in list.iter() {
            let o = Arg(o).object().map_err(|_| Error::field("orderBy", "entries are {field, direction}"))?;
            let name = o
                .try_get("field")
                .and_then(|f| f.enum_name().map(str::to_owned))
                .map_err(|_| Error::field("orderBy.field", "is required"))?;
            let desc = o.get("direction").and_then(|d| d.enum_name().ok().map(|d| d == "DESC")).unwrap_or(false);
            let target = COMMON_ORDER
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(_, c)| Target::Common(*c))
                .or_else(|| {
                    ty.fields.iter().find(|f| f.kind.sortable() && order_name(f.name) == name).map(Target::Field)
                })
                .ok_or_else(|| Error::field("orderBy.field", format!("{name} is not a sort field of {}", ty.name)))?;
            order.push(OrderBy { target, desc });
        }
    }
    Ok(ListSpec { filter, order, window, locales: chain.to_vec(), want_total, columns: Columns::ALL })
}

const MAX_FILTER_DEPTH: usize = 8;

fn filter(ty: &'static TypeDef, locales: &Locales, v: &Arg<'_>, depth: usize) -> Result<Filter> {
    if depth > MAX_FILTER_DEPTH {
        return Err(Error::field("filter", format!("nests and/or/not deeper than {MAX_FILTER_DEPTH} levels")));
    }
    let o = v.object().map_err(|_| Error::field("filter", "must be an object"))?;
    let mut all = Vec::new();
    for (name, val) in o.iter() {
        if val.is_null() {
            continue;
        }
        let name = name.as_str();
        match name {
            "and" | "or" => {
                let items = val.list().map_err(|_| Error::field(name, "must be a list of filters"))?;
                let parts =
                    items.iter().map(|i| filter(ty, locales, &Arg(i), depth + 1)).collect::<Result<Vec<_>>>()?;
                all.push(if name == "and" { Filter::And(parts) } else { Filter::Or(parts) });
            }
            "not" => all.push(Filter::Not(Box::new(filter(ty, locales, &val, depth + 1)?))),
            "translation" => all.push(translation(locales, &val)?),
            "id" => all.extend(conds(Target::Common(Common::Id), "IDFilter", Some(ty), name, &val)?),
            "slug" => all.extend(conds(Target::Common(Common::Slug), "StringFilter", None, name, &val)?),
            "workflowState" => {
                all.extend(conds(Target::Common(Common::State), "WorkflowStateFilter", None, name, &val)?)
            }
            "createdAt" | "updatedAt" | "publishedAt" => {
                let c = match name {
                    "createdAt" => Common::CreatedAt,
                    "updatedAt" => Common::UpdatedAt,
                    _ => Common::PublishedAt,
                };
                all.extend(conds(Target::Common(c), "DateTimeFilter", None, name, &val)?);
            }
            _ => {
                let f: &'static FieldDef = ty.field(name).ok_or_else(|| Error::field(name, "cannot be filtered on"))?;
                let ft = filter_type(f.kind).ok_or_else(|| Error::field(name, "cannot be filtered on"))?;
                let target_ty = match f.kind {
                    Kind::Ref(t) | Kind::Refs { target: t, .. } => content_type(t),
                    _ => None,
                };
                all.extend(conds(Target::Field(f), &ft, target_ty, name, &val)?);
            }
        }
    }
    Ok(if all.len() == 1 { all.pop().expect("one") } else { Filter::And(all) })
}

/// `{locale, state}`: working copies whose translation into `locale` is in `state`.
fn translation(locales: &Locales, v: &Arg<'_>) -> Result<Filter> {
    let o = v.object().map_err(|_| Error::field("filter.translation", "must be {locale, state}"))?;
    let locale = o
        .get("locale")
        .and_then(|l| l.string().ok().map(str::to_owned))
        .ok_or_else(|| Error::field("filter.translation.locale", "is required"))?;
    if locales.locale(&locale).is_err() {
        return Err(Error::field(
            "filter.translation.locale",
            format!("unknown locale {locale:?}; this server serves {}", locales.codes.join(", ")),
        ));
    }
    let state = match o.get("state").and_then(|s| s.enum_name().ok().map(str::to_owned)).as_deref() {
        Some("MISSING") => TranslationState::Missing,
        Some("OUTDATED") => TranslationState::Outdated,
        Some("INCOMPLETE") => TranslationState::Incomplete,
        Some("COMPLETE") => TranslationState::Complete,
        _ => {
            return Err(Error::field("filter.translation.state", "is one of MISSING, OUTDATED, INCOMPLETE, COMPLETE"));
        }
    };
    Ok(Filter::Translation { locale, source: locales.default_locale().to_owned(), state })
}

/// The conditions of one field filter (`{gte: 2016, lt: 2019}` is two).
fn conds(target: Target, ft: &str, id_type: Option<&'static TypeDef>, field: &str, v: &Arg<'_>) -> Result<Vec<Filter>> {
    let o = v.object().map_err(|_| Error::field(field, format!("must be a {ft}")))?;
    let mut out = Vec::new();
    for (opname, val) in o.iter() {
        if val.is_null() {
            continue;
        }
        let path = format!("filter.{field}.{opname}");
        let op = match opname.as_str() {
            "eq" => Op::Eq,
            "ne" => Op::Ne,
            "in" | "anyOf" => Op::In,
            "notIn" | "noneOf" => Op::NotIn,
            "lt" => Op::Lt,
            "lte" => Op::Lte,
            "gt" => Op::Gt,
            "gte" => Op::Gte,
            "contains" => Op::Contains,
            "startsWith" => Op::StartsWith,
            "isNull" | "isEmpty" => Op::IsNull,
            other => {
                return Err(Error::field(&path, format!("{other} is not an operator of {ft}")));
            }
        };
        let value = if op == Op::IsNull {
            Value::Bool(val.boolean().map_err(|_| Error::field(&path, "must be true or false"))?)
        } else if matches!(op, Op::In | Op::NotIn) {
            let items = val.list().map_err(|_| Error::field(&path, "must be a list"))?;
            Value::List(items.iter().map(|i| scalar(ft, id_type, &path, &Arg(i))).collect::<Result<_>>()?)
        } else {
            scalar(ft, id_type, &path, &val)?
        };
        out.push(Filter::Cond { target, op, value });
    }
    Ok(out)
}

fn scalar(ft: &str, id_type: Option<&'static TypeDef>, path: &str, v: &Arg<'_>) -> Result<Value> {
    Ok(match ft {
        "IntFilter" => Value::Int(v.i64().map_err(|_| Error::field(path, "must be a whole number"))?),
        "FloatFilter" => Value::Float(v.f64().map_err(|_| Error::field(path, "must be a number"))?),
        "BooleanFilter" => Value::Bool(v.boolean().map_err(|_| Error::field(path, "must be true or false"))?),
        "DateTimeFilter" => {
            let s = v.string().map_err(|_| Error::field(path, "must be a date-time"))?;
            Value::Int(
                chrono::DateTime::parse_from_rfc3339(s)
                    .map_err(|_| Error::field(path, format!("{s:?} is not an RFC 3339 date-time")))?
                    .timestamp_millis(),
            )
        }
        "IDFilter" | "RelationFilter" => {
            let s = v.string().map_err(|_| Error::field(path, "must be an id"))?;
            let ty = id_type.expect("id filters know their type");
            Value::Text(ids::decode_as(s, ty, path)?)
        }
        "CountriesFilter" => {
            Value::Text(v.string().map_err(|_| Error::field(path, "must be a country code"))?.to_ascii_uppercase())
        }
        _ => match v.as_value() {
            async_graphql::Value::Enum(e) => Value::Text(e.to_string()),
            async_graphql::Value::String(s) => Value::Text(s.clone()),
            _ => return Err(Error::field(path, "must be a string")),
        },
    })
}

/// An argument's value as resolvers get it: the document's literal with the
/// request's variables put in. The same reading serves the engine's
/// resolvers and the compiled plans (`graphql::plan`).
#[derive(Clone, Copy)]
pub(crate) struct Arg<'a>(pub &'a async_graphql::Value);

impl<'a> Arg<'a> {
    pub(crate) fn is_null(&self) -> bool {
        matches!(self.0, async_graphql::Value::Null)
    }
    pub(crate) fn boolean(&self) -> std::result::Result<bool, ()> {
        match self.0 {
            async_graphql::Value::Boolean(b) => Ok(*b),
            _ => Err(()),
        }
    }
    /// Variables carry enum values as strings.
    pub(crate) fn enum_name(&self) -> std::result::Result<&'a str, ()> {
        match self.0 {
            async_graphql::Value::Enum(s) => Ok(s.as_str()),
            async_graphql::Value::String(s) => Ok(s.as_str()),
            _ => Err(()),
        }
    }
    pub(crate) fn i64(&self) -> std::result::Result<i64, ()> {
        match self.0 {
            async_graphql::Value::Number(n) => n.as_i64().ok_or(()),
            _ => Err(()),
        }
    }
    pub(crate) fn f64(&self) -> std::result::Result<f64, ()> {
        match self.0 {
            async_graphql::Value::Number(n) => n.as_f64().ok_or(()),
            _ => Err(()),
        }
    }
    pub(crate) fn string(&self) -> std::result::Result<&'a str, ()> {
        match self.0 {
            async_graphql::Value::String(s) => Ok(s.as_str()),
            _ => Err(()),
        }
    }
    pub(crate) fn object(&self) -> std::result::Result<Obj<'a>, ()> {
        match self.0 {
            async_graphql::Value::Object(o) => Ok(Obj(o)),
            _ => Err(()),
        }
    }
    pub(crate) fn list(&self) -> std::result::Result<&'a [async_graphql::Value], ()> {
        match self.0 {
            async_graphql::Value::List(l) => Ok(l),
            _ => Err(()),
        }
    }
    pub(crate) fn as_value(&self) -> &'a async_graphql::Value {
        self.0
    }
}

/// A field's arguments, or an input object.
#[derive(Clone, Copy)]
pub(crate) struct Obj<'a>(pub &'a IndexMap<Name, async_graphql::Value>);

impl<'a> Obj<'a> {
    pub(crate) fn get(&self, name: &str) -> Option<Arg<'a>> {
        self.0.get(name).map(Arg)
    }
    fn try_get(&self, name: &str) -> std::result::Result<Arg<'a>, ()> {
        self.get(name).ok_or(())
    }
    fn iter(&self) -> impl Iterator<Item = (&'a Name, Arg<'a>)> + use<'a> {
        self.0.iter().map(|(k, v)| (k, Arg(v)))
    }
}
