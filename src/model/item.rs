//! One stage of one content item, as every layer reads it: its common
//! columns and one value per declared field.

use super::{TypeDef, WorkflowState};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Stage {
    /// The working copy every item has.
    Draft,
    /// The published copy the public sees.
    Live,
    /// The working copies of one user's items only (an author's preview).
    DraftOf(Owner),
}

/// A user id as a `Copy` value, so that a stage stays a cheap key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Owner(&'static str);

impl Owner {
    /// Interned: one small allocation per user who ever previews as an author,
    /// kept for the life of the process.
    pub fn of(user_id: &str) -> Owner {
        static IDS: std::sync::Mutex<std::collections::BTreeSet<&'static str>> =
            std::sync::Mutex::new(std::collections::BTreeSet::new());
        let mut ids = IDS.lock().unwrap_or_else(|e| e.into_inner());
        match ids.get(user_id) {
            Some(id) => Owner(id),
            None => {
                let id: &'static str = Box::leak(user_id.to_owned().into_boxed_str());
                ids.insert(id);
                Owner(id)
            }
        }
    }
    pub fn id(self) -> &'static str {
        self.0
    }
}

impl Stage {
    /// The value of the `stage` column the rows have.
    pub fn as_str(self) -> &'static str {
        match self {
            Stage::Draft | Stage::DraftOf(_) => "draft",
            Stage::Live => "live",
        }
    }
    pub fn is_draft(self) -> bool {
        self != Stage::Live
    }
    /// Whose items only, if the stage is limited to one user's.
    pub fn owner(self) -> Option<&'static str> {
        match self {
            Stage::DraftOf(o) => Some(o.id()),
            _ => None,
        }
    }
}

/// A column value.
#[derive(Debug, Clone, PartialEq)]
pub enum Val {
    Null,
    Text(String),
    Int(i64),
    Float(f64),
    /// Minor units and ISO 4217 currency.
    Money(i64, String),
}

impl Val {
    pub fn as_text(&self) -> Option<&str> {
        match self {
            Val::Text(s) => Some(s),
            _ => None,
        }
    }
    pub fn as_int(&self) -> Option<i64> {
        match self {
            Val::Int(v) => Some(*v),
            _ => None,
        }
    }
}

/// A working copy as a write names it: its type, its id, and the version
/// the writer last read (a write to an item that changed since is refused).
#[derive(Debug, Clone, Copy)]
pub struct Versioned<'a> {
    pub ty: &'static super::TypeDef,
    pub id: &'a str,
    pub version: i64,
}

/// One stage of one item.
#[derive(Debug, Clone)]
pub struct Item {
    pub ty: &'static TypeDef,
    pub id: String,
    pub stage: Stage,
    pub slug: String,
    pub state: WorkflowState,
    pub version: i64,
    pub created_at: i64,
    pub updated_at: i64,
    pub published_at: Option<i64>,
    pub created_by: Option<String>,
    pub updated_by: Option<String>,
    /// One value per field of `ty.fields` (`Null` for fields without a column
    /// and for those not fetched).
    pub values: Vec<Val>,
    /// The fields read from the database; a list reads only those its caller selects.
    pub fetched: Columns,
}

impl Item {
    pub fn value(&self, field: &str) -> &Val {
        let Some(i) = self.ty.fields.iter().position(|f| f.name == field) else { return &Val::Null };
        // A resolver reading a field its list did not fetch would answer null
        // where there is a value: the tests (debug builds) stop at it.
        debug_assert!(
            self.fetched.has(i) || !self.ty.fields[i].kind.has_column(),
            "{}.{field} is read but was not fetched: add it to the selection's columns (graphql::args::columns)",
            self.ty.name
        );
        &self.values[i]
    }
}

/// Which fields of a type a read fetches: bit `i` stands for `ty.fields[i]`
/// (the model keeps at most 64 fields a type). Fields without a column (links,
/// reverse relations) need no bit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Columns(u64);

impl Columns {
    pub const ALL: Columns = Columns(u64::MAX);
    pub const NONE: Columns = Columns(0);

    pub fn with(self, field: usize) -> Columns {
        Columns(self.0 | 1 << field)
    }
    pub fn has(self, field: usize) -> bool {
        self.0 >> field & 1 == 1
    }
}

impl Default for Columns {
    fn default() -> Self {
        Columns::ALL
    }
}
