//! What a list read asks for, independent of GraphQL: a filter tree, an order,
//! a window of the keyset, and where the rows come from (a root list or the
//! items related to a batch of parents).

pub use super::item::Columns;
use crate::model::{FieldDef, Kind, TypeDef};

/// A column every content type has.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Common {
    Id,
    Slug,
    State,
    CreatedAt,
    UpdatedAt,
    PublishedAt,
    CreatedBy,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    Common(Common),
    Field(&'static FieldDef),
    /// The order of a many-to-many relation as the editor set it.
    LinkPosition,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Eq,
    Ne,
    In,
    NotIn,
    Lt,
    Lte,
    Gt,
    Gte,
    Contains,
    StartsWith,
    IsNull,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Text(String),
    Int(i64),
    Float(f64),
    Bool(bool),
    List(Vec<Value>),
}

#[derive(Debug, Clone, PartialEq)]
pub enum Filter {
    And(Vec<Filter>),
    Or(Vec<Filter>),
    Not(Box<Filter>),
    Cond {
        target: Target,
        op: Op,
        value: Value,
    },
    /// Items whose `field` (a reference or references) names an item linked
    /// through `link` (a references field of that item's type) to any of
    /// `ids`, at the same stage: "events of projects of this axis", as one
    /// condition however many projects match.
    LinkedThrough {
        field: &'static FieldDef,
        link: &'static FieldDef,
        ids: Vec<String>,
    },
    /// Working copies whose translation into `locale` is in `state`, with
    /// `source` the locale translations follow (see `domain::translation`).
    Translation {
        locale: String,
        source: String,
        state: TranslationState,
    },
}

impl Filter {
    /// Whether a translation condition appears anywhere in it.
    pub fn has_translation(&self) -> bool {
        match self {
            Filter::And(v) | Filter::Or(v) => v.iter().any(Filter::has_translation),
            Filter::Not(f) => f.has_translation(),
            Filter::Cond { .. } | Filter::LinkedThrough { .. } => false,
            Filter::Translation { .. } => true,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TranslationState {
    /// Some field present in another locale is not in this one.
    Missing,
    /// Some field's source values changed after this locale's.
    Outdated,
    /// Missing or outdated.
    Incomplete,
    /// Neither.
    Complete,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct OrderBy {
    pub target: Target,
    pub desc: bool,
}

/// One value of a sort key, as kept in a cursor.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(untagged)]
pub enum KeyVal {
    Int(i64),
    Float(f64),
    Text(String),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Window {
    pub first: Option<usize>,
    pub last: Option<usize>,
    pub after: Option<Vec<KeyVal>>,
    pub before: Option<Vec<KeyVal>>,
}

/// A list read. `order` never includes the final `id` tie-break: the store adds it.
#[derive(Debug, Clone, PartialEq)]
pub struct ListSpec {
    pub filter: Option<Filter>,
    pub order: Vec<OrderBy>,
    pub window: Window,
    /// Locale fallback chain used to resolve localised values in filters and sorts.
    pub locales: Vec<String>,
    pub want_total: bool,
    /// The fields to fetch; the others read as null. Resolvers name what
    /// they select, so a list of titles does not copy bodies and sub-items.
    pub columns: Columns,
}

/// Where the rows of a list come from.
#[derive(Debug, Clone, Copy)]
pub enum Source<'a> {
    Root(&'static TypeDef),
    /// Items related to a batch of parents through `field` of `owner` (a `Refs`,
    /// or a `Reverse` of a `Ref`/`Refs`).
    Related {
        owner: &'static TypeDef,
        field: &'static FieldDef,
        parents: &'a [String],
    },
}

impl Source<'_> {
    /// The type whose rows the list reads: the root type, or the relation's target.
    pub fn target(&self) -> &'static TypeDef {
        match *self {
            Source::Root(ty) => ty,
            Source::Related { field, .. } => match field.kind {
                Kind::Refs { target, .. } | Kind::Reverse { target, .. } => {
                    crate::model::content_type(target).expect("model checked")
                }
                _ => unreachable!("a relation list is read through a Refs or Reverse field"),
            },
        }
    }
}

/// One row of a list with its place in the keyset.
#[derive(Debug, Clone)]
pub struct Edge {
    pub item: std::sync::Arc<super::item::Item>,
    pub key: Vec<KeyVal>,
    pub parent: Option<String>,
    pub role: Option<String>,
}

/// A list's pages: one keyed `None` for a root list, one per parent for a
/// relation read over many parents.
pub type Pages = std::collections::HashMap<Option<String>, Page>;

#[derive(Debug, Clone, Default)]
pub struct Page {
    pub edges: Vec<Edge>,
    pub has_next: bool,
    pub has_prev: bool,
    pub total: Option<i64>,
}

/// Which audit entries to list.
#[derive(Debug, Clone, Default)]
pub struct AuditQuery {
    pub actor_id: Option<String>,
    pub action: Option<String>,
    pub item_id: Option<String>,
    pub item_type: Option<String>,
    pub since: Option<i64>,
    pub until: Option<i64>,
    /// Entries older than this id (ids are time-ordered): the page after a cursor.
    pub older_than: Option<String>,
    /// Entries newer than this id: the page before a cursor.
    pub newer_than: Option<String>,
    /// How many: the newest `first` of what is left, or with `from_oldest`
    /// the oldest (a backward page, still returned newest first).
    pub first: usize,
    pub from_oldest: bool,
}
