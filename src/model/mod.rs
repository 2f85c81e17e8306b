//! The content model, declared once. Every content type is a `TypeDef`; the
//! store, the GraphQL schema, the input parser and the demo loader all read
//! these tables instead of repeating themselves per type.

pub mod item;
pub mod query;
pub mod records;
mod types;

pub use types::{CONTENT_TYPES, EMBEDDED_TYPES, ENUMS};

/// Where an item's working copy stands in the editorial workflow
/// (`domain::workflow::Transition` moves it). Stored and served by name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum WorkflowState {
    Draft,
    InReview,
    Published,
    Archived,
}

impl WorkflowState {
    pub const ALL: [WorkflowState; 4] =
        [WorkflowState::Draft, WorkflowState::InReview, WorkflowState::Published, WorkflowState::Archived];

    /// The name stored in the database and served as the GraphQL enum value.
    pub fn as_str(self) -> &'static str {
        match self {
            WorkflowState::Draft => "DRAFT",
            WorkflowState::InReview => "IN_REVIEW",
            WorkflowState::Published => "PUBLISHED",
            WorkflowState::Archived => "ARCHIVED",
        }
    }

    pub fn parse(name: &str) -> Option<WorkflowState> {
        WorkflowState::ALL.into_iter().find(|s| s.as_str() == name)
    }
}

impl std::fmt::Display for WorkflowState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl serde::Serialize for WorkflowState {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

/// A field of a content type or of an embedded sub-item.
#[derive(Debug)]
pub struct FieldDef {
    /// camelCase GraphQL name; the column is its snake_case form.
    pub name: &'static str,
    pub kind: Kind,
    pub required: bool,
    /// Set by the server (from an uploaded file), never by input.
    pub read_only: bool,
    pub description: &'static str,
}

/// Fields are static declarations: two are equal when they are the same one.
impl PartialEq for FieldDef {
    fn eq(&self, other: &Self) -> bool {
        std::ptr::eq(self, other)
    }
}
impl Eq for FieldDef {}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Plain text, the same in every language (a code, an acronym, a URL).
    Text,
    /// An absolute http(s) URL.
    Url,
    /// Human-readable text with one value per locale.
    LocalText,
    /// An ordered list of localised strings (recommendations, outcomes).
    LocalTextList,
    /// A structured document per locale (paragraphs, headings, lists, quotes,
    /// links, media, tables), see `domain::richtext`.
    RichText,
    Int,
    Float,
    Bool,
    /// ISO 8601 calendar date, full (`2018-04-10`) or reduced (`2016-05`, `2024`).
    Date,
    /// An instant, stored as Unix milliseconds, served as RFC 3339.
    DateTime,
    /// One of the values of the named enum in `ENUMS`.
    Enum(&'static str),
    /// Integer minor units plus an ISO 4217 currency.
    Money,
    /// One ISO 3166-1 alpha-2 country.
    Country,
    /// Several countries, ordered.
    Countries,
    /// Many-to-one reference to another content type (a column `<name>_id`).
    Ref(&'static str),
    /// Many-to-many, ordered references through the link table, optionally with a role.
    Refs {
        target: &'static str,
        role: bool,
    },
    /// The other side of a `Ref` or `Refs` field of `target`: read-only.
    Reverse {
        target: &'static str,
        field: &'static str,
    },
    /// An ordered list of embedded sub-items (stored with the item).
    Embedded(&'static str),
    /// One embedded sub-item (stored with the item).
    Object(&'static str),
}

impl Kind {
    /// Whether the value is kept in a column of the type's own table.
    pub fn has_column(self) -> bool {
        !matches!(self, Kind::Refs { .. } | Kind::Reverse { .. } | Kind::Countries)
    }
    /// Kinds an `orderBy` may use.
    pub fn sortable(self) -> bool {
        matches!(
            self,
            Kind::Text | Kind::LocalText | Kind::Int | Kind::Float | Kind::Date | Kind::DateTime | Kind::Enum(_)
        )
    }
}

#[derive(Debug)]
pub struct TypeDef {
    /// GraphQL type name.
    pub name: &'static str,
    /// Root field for one item (`project`).
    pub single: &'static str,
    /// Root field for the connection (`projects`).
    pub plural: &'static str,
    pub table: &'static str,
    pub description: &'static str,
    /// The localised field a slug is made from.
    pub title_field: &'static str,
    pub fields: &'static [FieldDef],
    /// Whether and how it is offered as a feed.
    pub feed: Option<FeedDef>,
    /// Whether and how a partner key's restrictions reach its items.
    pub reach: Option<ReachDef>,
}

/// How a partner key's restrictions (organisations, projects, thematic
/// axes, countries) and a feed's `?partner=` reach the items of a type.
#[derive(Debug)]
pub struct ReachDef {
    /// Relations to organisations; an item linked through any of them is
    /// within an organisation restriction.
    pub organisations: &'static [&'static str],
    /// The relation `?partner=` keeps the items of.
    pub partners: &'static str,
    pub projects: Via,
    pub axes: Via,
    pub countries: Via,
}

/// Where a restriction is read on an item.
#[derive(Debug, Clone, Copy)]
pub enum Via {
    /// The item itself: its id.
    Itself,
    /// One of its own fields.
    Field(&'static str),
    /// A field of the project(s) it is linked to through `link`.
    Project { link: &'static str, field: &'static str },
}

/// How a type is offered as a feed (`/feeds/{path}.{json|atom|rss}`): which
/// of its fields make each entry.
#[derive(Debug)]
pub struct FeedDef {
    /// The feed's name in its URL, and `{type}` in a key's page pattern.
    pub path: &'static str,
    /// The feed's title by locale; the first for any other locale.
    pub headings: &'static [(&'static str, &'static str)],
    /// Localised plain text shown as the entry's summary.
    pub summary: &'static str,
    /// Rich text shown as the entry's content.
    pub body: &'static str,
    /// A reference to the media asset shown as the entry's image.
    pub image: &'static str,
    /// The relation whose titles tag an entry.
    pub tags: Option<&'static str>,
    /// The relation whose titles are the entry's authors.
    pub authors: &'static str,
    /// The enum field `?kind=` filters on; with `kind_tags`, its value tags
    /// the entry too.
    pub kind: Option<&'static str>,
    pub kind_tags: bool,
    /// The instant `?upcoming=true` keeps the future of, soonest first.
    pub upcoming: Option<&'static str>,
    /// Fields carried in the JSON Feed's extension object, by its key.
    pub extension: &'static [(&'static str, &'static str)],
}

impl TypeDef {
    pub fn field(&self, name: &str) -> Option<&'static FieldDef> {
        self.fields.iter().find(|f| f.name == name)
    }
    /// A field another declaration names (a feed's, a restriction's): its
    /// absence is a mistake in the model, which the model's tests catch.
    pub fn declared(&self, name: &str) -> &'static FieldDef {
        self.field(name).unwrap_or_else(|| panic!("the model names {}.{name}, which it does not declare", self.name))
    }
    pub fn columns(&self) -> impl Iterator<Item = &'static FieldDef> + '_ {
        self.fields.iter().filter(|f| f.kind.has_column())
    }
}

/// A sub-item kept inside its parent item (a session of an event, an objective).
#[derive(Debug)]
pub struct EmbeddedDef {
    pub name: &'static str,
    pub description: &'static str,
    pub fields: &'static [FieldDef],
}

#[derive(Debug)]
pub struct EnumDef {
    pub name: &'static str,
    pub description: &'static str,
    pub values: &'static [&'static str],
}

/// The type offered as the feed named `path`.
pub fn feed_type(path: &str) -> Option<&'static TypeDef> {
    CONTENT_TYPES.iter().find(|t| t.feed.as_ref().is_some_and(|f| f.path == path))
}

pub fn content_type(name: &str) -> Option<&'static TypeDef> {
    CONTENT_TYPES.iter().find(|t| t.name == name)
}

pub fn embedded_type(name: &str) -> &'static EmbeddedDef {
    EMBEDDED_TYPES
        .iter()
        .find(|t| t.name == name)
        .unwrap_or_else(|| panic!("model: embedded type {name} is not declared"))
}

pub fn enum_def(name: &str) -> &'static EnumDef {
    ENUMS.iter().find(|e| e.name == name).unwrap_or_else(|| panic!("model: enum {name} is not declared"))
}

/// snake_case column name of a camelCase field name.
pub fn column_name(field: &str) -> String {
    let mut out = String::with_capacity(field.len() + 4);
    for c in field.chars() {
        if c.is_ascii_uppercase() {
            out.push('_');
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

/// SCREAMING_SNAKE name of a field for `orderBy` enums.
pub fn order_name(field: &str) -> String {
    column_name(field).to_ascii_uppercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every reference in the model points at something declared, so a typo
    /// fails here rather than at start-up.
    #[test]
    fn model_is_consistent() {
        fn check(fields: &[FieldDef]) {
            for f in fields {
                match f.kind {
                    Kind::Ref(t) | Kind::Refs { target: t, .. } => {
                        assert!(content_type(t).is_some(), "{} -> {t}", f.name)
                    }
                    Kind::Reverse { target, field } => {
                        let t = content_type(target).expect("reverse target");
                        let back = t.field(field).expect("reverse field");
                        assert!(matches!(back.kind, Kind::Ref(_) | Kind::Refs { .. }), "{}", f.name);
                    }
                    Kind::Enum(e) => {
                        enum_def(e);
                    }
                    Kind::Embedded(e) | Kind::Object(e) => check(embedded_type(e).fields),
                    _ => {}
                }
            }
        }
        for t in CONTENT_TYPES {
            check(t.fields);
            assert_eq!(t.field(t.title_field).map(|f| f.kind), Some(Kind::LocalText), "{}", t.name);
            // A read names the fields it fetches in one 64-bit mask (`store::Columns`).
            assert!(t.fields.len() <= 64, "{} has more than 64 fields", t.name);
        }
        assert_eq!(column_name("headOfMission"), "head_of_mission");
    }
}
