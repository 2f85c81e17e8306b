//! Generic SQL for every content type, driven by the model's `TypeDef`s.

use super::sql::{Arg, Row, Sql};
use super::{Dialect, Store, Tx};
use crate::error::Result;
use crate::model::item::{Item, Stage, Val};
use crate::model::query::*;
use crate::model::records::MediaUse;
use crate::model::{CONTENT_TYPES, FieldDef, Kind, TypeDef, WorkflowState, column_name};
use sqlx::Row as _;
use std::collections::HashMap;
use std::sync::Arc;

impl Stage {
    /// ` {alias}.stage = … [AND {alias}.created_by = …]`.
    pub(crate) fn push_cond(self, sql: &mut Sql, alias: &str) {
        sql.push(&format!("{alias}.stage = ")).arg(self.as_str());
        if let Some(o) = self.owner() {
            sql.push(&format!(" AND {alias}.created_by = ")).arg(o);
        }
    }
}

/// The values to write for a new or changed item (draft stage).
#[derive(Debug, Clone)]
pub struct NewItem {
    pub id: String,
    pub slug: String,
    pub state: WorkflowState,
    pub values: Vec<Val>,
    pub by: Option<String>,
    pub at: i64,
}

/// A workflow transition of a working copy.
#[derive(Debug, Clone, Copy)]
pub struct StateChange<'a> {
    pub state: WorkflowState,
    /// `Some(None)` clears the publication time, `None` leaves it.
    pub published_at: Option<Option<i64>>,
    pub by: Option<&'a str>,
    pub at: i64,
}

/// One many-to-many link to write.
#[derive(Debug, Clone, PartialEq)]
pub struct LinkIn {
    pub target: String,
    pub role: Option<String>,
}

const COMMON_COLS: &str =
    "t.id, t.stage, t.slug, t.state, t.version, t.created_at, t.updated_at, t.published_at, t.created_by, t.updated_by";
const COMMON_COUNT: usize = 10;

/// The key under which `field` of `owner` keeps its links.
pub fn link_key(owner: &TypeDef, field: &FieldDef) -> String {
    format!("{}.{}", owner.name, field.name)
}

fn select_cols(ty: &TypeDef) -> String {
    select_cols_of(ty, Columns::ALL)
}

/// The columns of `decode_item`: the common ones, then those of `fetch`.
fn select_cols_of(ty: &TypeDef, fetch: Columns) -> String {
    let mut s = String::from(COMMON_COLS);
    for (i, f) in ty.fields.iter().enumerate() {
        if !f.kind.has_column() || !fetch.has(i) {
            continue;
        }
        let c = column_name(f.name);
        match f.kind {
            Kind::Money => s.push_str(&format!(", t.{c}_amount, t.{c}_currency")),
            Kind::Ref(_) => s.push_str(&format!(", t.{c}_id")),
            _ => s.push_str(&format!(", t.{c}")),
        }
    }
    s
}

/// Column names in `select_cols` order, for inserts and updates.
pub(super) fn write_cols(ty: &TypeDef) -> Vec<String> {
    let mut v = Vec::new();
    for f in ty.columns() {
        let c = column_name(f.name);
        match f.kind {
            Kind::Money => {
                v.push(format!("{c}_amount"));
                v.push(format!("{c}_currency"));
            }
            Kind::Ref(_) => v.push(format!("{c}_id")),
            _ => v.push(c),
        }
    }
    v
}

fn decode_item(ty: &'static TypeDef, row: &dyn Row, fetch: Columns) -> Result<Item> {
    let mut values = Vec::with_capacity(ty.fields.len());
    let mut i = COMMON_COUNT;
    for (n, f) in ty.fields.iter().enumerate() {
        if !f.kind.has_column() || !fetch.has(n) {
            values.push(Val::Null);
            continue;
        }
        let v = match f.kind {
            Kind::Int | Kind::DateTime | Kind::Bool => row.int(i)?.map_or(Val::Null, Val::Int),
            Kind::Float => row.float(i)?.map_or(Val::Null, Val::Float),
            Kind::Money => {
                let amount = row.int(i)?;
                i += 1;
                match (amount, row.text(i)?) {
                    (Some(a), Some(c)) => Val::Money(a, c),
                    _ => Val::Null,
                }
            }
            _ => row.text(i)?.map_or(Val::Null, Val::Text),
        };
        values.push(v);
        i += 1;
    }
    let stage = row.text(1)?.unwrap_or_default();
    Ok(Item {
        ty,
        id: need(row.text(0)?)?,
        stage: if stage == "live" { Stage::Live } else { Stage::Draft },
        slug: need(row.text(2)?)?,
        state: super::stored_state(&need(row.text(3)?)?)?,
        version: need(row.int(4)?)?,
        created_at: need(row.int(5)?)?,
        updated_at: need(row.int(6)?)?,
        published_at: row.int(7)?,
        created_by: row.text(8)?,
        updated_by: row.text(9)?,
        values,
        fetched: fetch,
    })
}

/// A value of a NOT NULL column.
fn need<T>(v: Option<T>) -> Result<T> {
    v.ok_or_else(|| crate::error::Error::internal("a NOT NULL column read NULL"))
}

fn column_count(ty: &TypeDef, fetch: Columns) -> usize {
    let fields = ty.fields.iter().enumerate().filter(|(i, f)| f.kind.has_column() && fetch.has(*i));
    COMMON_COUNT + fields.map(|(_, f)| if f.kind == Kind::Money { 2 } else { 1 }).sum::<usize>()
}

#[derive(Clone, Copy, PartialEq)]
enum KeyType {
    Int,
    Float,
    Text,
}

/// The SQL of one filter or sort target.
struct Exprs<'a> {
    dialect: Dialect,
    stage: Stage,
    locales: &'a [String],
}

impl Exprs<'_> {
    /// Pushes the raw expression of a target (NULL where absent).
    fn push(&self, sql: &mut Sql, target: Target) {
        match target {
            Target::Common(c) => {
                sql.push(match c {
                    Common::Id => "t.id",
                    Common::Slug => "t.slug",
                    Common::State => "t.state",
                    Common::CreatedAt => "t.created_at",
                    Common::UpdatedAt => "t.updated_at",
                    Common::PublishedAt => "t.published_at",
                    Common::CreatedBy => "t.created_by",
                });
            }
            Target::LinkPosition => {
                sql.push("l.position");
            }
            Target::Field(f) => {
                let c = column_name(f.name);
                match f.kind {
                    Kind::LocalText => self.push_localised(sql, &c),
                    Kind::Ref(_) => {
                        sql.push(&format!("t.{c}_id"));
                    }
                    Kind::Money => {
                        sql.push(&format!("t.{c}_amount"));
                    }
                    _ => {
                        sql.push(&format!("t.{c}"));
                    }
                }
            }
        }
    }

    /// The value of a localised column as the fallback chain resolves it.
    fn push_localised(&self, sql: &mut Sql, col: &str) {
        // SQLite's COALESCE wants two arguments or more.
        let wrap = self.locales.len() > 1;
        if wrap {
            sql.push("COALESCE(");
        }
        for (i, loc) in self.locales.iter().enumerate() {
            if i > 0 {
                sql.push(", ");
            }
            match self.dialect {
                Dialect::Sqlite => {
                    sql.push(&format!("json_extract(t.{col}, ")).arg(format!("$.\"{loc}\"")).push(")");
                }
                Dialect::Postgres => {
                    sql.push(&format!("(t.{col}::json ->> CAST(")).arg(loc.as_str()).push(" AS TEXT))");
                }
            }
        }
        if wrap {
            sql.push(")");
        }
    }

    fn key_type(target: Target) -> KeyType {
        match target {
            Target::Common(Common::CreatedAt | Common::UpdatedAt | Common::PublishedAt) | Target::LinkPosition => {
                KeyType::Int
            }
            Target::Common(_) => KeyType::Text,
            Target::Field(f) => match f.kind {
                Kind::Int | Kind::DateTime | Kind::Bool | Kind::Money => KeyType::Int,
                Kind::Float => KeyType::Float,
                _ => KeyType::Text,
            },
        }
    }

    /// A sort expression that is never NULL, so that keyset comparisons and the
    /// place of missing values are the same on both backends (missing first).
    fn push_sort(&self, sql: &mut Sql, target: Target) {
        let never_null = match target {
            Target::Common(Common::PublishedAt) => self.stage == Stage::Live,
            Target::Common(_) | Target::LinkPosition => true,
            Target::Field(_) => false,
        };
        if never_null {
            return self.push(sql, target);
        }
        sql.push("COALESCE(");
        self.push(sql, target);
        sql.push(match Self::key_type(target) {
            KeyType::Int => ", -9223372036854775807)",
            KeyType::Float => ", -1e308)",
            KeyType::Text => ", '')",
        });
    }

    /// One ORDER BY term. A number sorts by its own column with NULL first
    /// going up and last going down, exactly as its never-NULL key does, so
    /// that an index gives the order (SQLite sorts NULL so by default;
    /// PostgreSQL's sort indexes keep NULLs first, see its 0012): a preview's
    /// list by publication date would otherwise sort every working copy.
    fn push_order_key(&self, sql: &mut Sql, target: Target, desc: bool) {
        if !matches!(Self::key_type(target), KeyType::Int | KeyType::Float) {
            self.push_sort(sql, target);
            sql.push(if desc { " DESC" } else { " ASC" });
            return;
        }
        self.push(sql, target);
        sql.push(match (self.dialect, desc) {
            (Dialect::Sqlite, true) => " DESC",
            (Dialect::Sqlite, false) => " ASC",
            (Dialect::Postgres, true) => " DESC NULLS LAST",
            (Dialect::Postgres, false) => " ASC NULLS FIRST",
        });
    }

    fn push_filter(&self, sql: &mut Sql, owner: &TypeDef, f: &Filter) {
        match f {
            Filter::And(v) | Filter::Or(v) if v.is_empty() => {
                sql.push(if matches!(f, Filter::And(_)) { "1=1" } else { "1=0" });
            }
            Filter::And(v) | Filter::Or(v) => {
                let joiner = if matches!(f, Filter::And(_)) { " AND " } else { " OR " };
                sql.push("(");
                for (i, c) in v.iter().enumerate() {
                    if i > 0 {
                        sql.push(joiner);
                    }
                    self.push_filter(sql, owner, c);
                }
                sql.push(")");
            }
            Filter::Not(inner) => {
                sql.push("NOT COALESCE((");
                self.push_filter(sql, owner, inner);
                sql.push("), FALSE)");
            }
            Filter::Cond { target, op, value } => self.push_cond(sql, owner, *target, *op, value),
            Filter::LinkedThrough { field, link, ids } => {
                let (Kind::Ref(target) | Kind::Refs { target, .. }) = field.kind else {
                    // Only references name other items; the domain builds these filters.
                    sql.push("1=0");
                    return;
                };
                let target = crate::model::content_type(target).expect("model checked");
                let linked = |sql: &mut Sql| {
                    sql.push("SELECT lt.source_id FROM links lt WHERE lt.stage = t.stage AND lt.field = ")
                        .arg(link_key(target, link))
                        .push(" AND lt.target_id IN (")
                        .list(ids.iter().map(String::as_str))
                        .push(")");
                };
                if ids.is_empty() {
                    sql.push("1=0");
                } else if let Kind::Ref(_) = field.kind {
                    sql.push(&format!("t.{}_id IN (", column_name(field.name)));
                    linked(sql);
                    sql.push(")");
                } else {
                    sql.push("EXISTS (SELECT 1 FROM links lf WHERE lf.stage = t.stage AND lf.source_id = t.id AND lf.field = ")
                        .arg(link_key(owner, field))
                        .push(" AND lf.target_id IN (");
                    linked(sql);
                    sql.push("))");
                }
            }
            Filter::Translation { locale, source, state } => {
                let missing = |sql: &mut Sql| {
                    sql.push(
                        "EXISTS (SELECT 1 FROM translation_stamps ts WHERE ts.item_id = t.id AND NOT EXISTS \
                         (SELECT 1 FROM translation_stamps tl WHERE tl.item_id = ts.item_id AND tl.field = ts.field \
                         AND tl.locale = ",
                    )
                    .arg(locale.as_str())
                    .push("))");
                };
                let outdated = |sql: &mut Sql| {
                    sql.push(
                        "EXISTS (SELECT 1 FROM translation_stamps ts JOIN translation_stamps tl \
                         ON tl.item_id = ts.item_id AND tl.field = ts.field WHERE ts.item_id = t.id AND ts.locale = ",
                    )
                    .arg(source.as_str())
                    .push(" AND tl.locale = ")
                    .arg(locale.as_str())
                    .push(" AND ts.changed_at > tl.changed_at)");
                };
                match state {
                    TranslationState::Missing => missing(sql),
                    TranslationState::Outdated => outdated(sql),
                    TranslationState::Incomplete | TranslationState::Complete => {
                        sql.push(if *state == TranslationState::Complete { "NOT (" } else { "(" });
                        missing(sql);
                        sql.push(" OR ");
                        outdated(sql);
                        sql.push(")");
                    }
                }
            }
        }
    }

    fn push_cond(&self, sql: &mut Sql, owner: &TypeDef, target: Target, op: Op, value: &Value) {
        if let Target::Field(f) = target
            && matches!(f.kind, Kind::Refs { .. } | Kind::Countries)
        {
            // A to-many relation matches when any linked item does.
            let neg = matches!(op, Op::Ne | Op::NotIn) || (op == Op::IsNull && *value == Value::Bool(true));
            sql.push(if neg { "NOT EXISTS (" } else { "EXISTS (" });
            sql.push("SELECT 1 FROM links lf WHERE lf.stage = t.stage AND lf.source_id = t.id AND lf.field = ")
                .arg(link_key(owner, f));
            if op != Op::IsNull {
                sql.push(" AND lf.target_id IN (").list(value_list(value)).push(")");
            }
            sql.push(")");
            return;
        }
        let arg = |v: &Value| -> Arg {
            match v {
                Value::Text(s) => Arg::Text(s.clone()),
                Value::Int(i) => Arg::Int(*i),
                Value::Float(x) => Arg::Float(*x),
                Value::Bool(b) => Arg::Int(*b as i64),
                Value::List(_) => Arg::Null,
            }
        };
        match op {
            Op::IsNull => {
                self.push(sql, target);
                sql.push(if *value == Value::Bool(false) { " IS NOT NULL" } else { " IS NULL" });
            }
            Op::In | Op::NotIn => {
                let items = value_list(value);
                if items.is_empty() {
                    sql.push(if op == Op::In { "1=0" } else { "1=1" });
                    return;
                }
                if op == Op::NotIn {
                    sql.push("(");
                    self.push(sql, target);
                    sql.push(" IS NULL OR ");
                }
                self.push(sql, target);
                sql.push(if op == Op::In { " IN (" } else { " NOT IN (" });
                sql.list(items).push(")");
                if op == Op::NotIn {
                    sql.push(")");
                }
            }
            Op::Ne => {
                sql.push("(");
                self.push(sql, target);
                sql.push(" IS NULL OR ");
                self.push(sql, target);
                sql.push(" <> ").arg(arg(value)).push(")");
            }
            Op::Contains | Op::StartsWith => {
                let text = match value {
                    Value::Text(s) => like_escape(s),
                    _ => String::new(),
                };
                let pattern = if op == Op::Contains { format!("%{text}%") } else { format!("{text}%") };
                sql.push("LOWER(");
                self.push(sql, target);
                sql.push(") LIKE LOWER(").arg(pattern).push(") ESCAPE '\\'");
            }
            Op::Eq | Op::Lt | Op::Lte | Op::Gt | Op::Gte => {
                self.push(sql, target);
                sql.push(match op {
                    Op::Eq => " = ",
                    Op::Lt => " < ",
                    Op::Lte => " <= ",
                    Op::Gt => " > ",
                    _ => " >= ",
                });
                sql.arg(arg(value));
            }
        }
    }

    /// `(k0 > v0) OR (k0 = v0 AND k1 > v1) …` with each key's own direction.
    fn push_keyset(&self, sql: &mut Sql, order: &[OrderBy], key: &[KeyVal], forward: bool) {
        sql.push("(");
        for i in 0..order.len() {
            if i > 0 {
                sql.push(" OR ");
            }
            sql.push("(");
            for j in 0..i {
                self.push_sort(sql, order[j].target);
                sql.push(" = ").arg(key_arg(&key[j])).push(" AND ");
            }
            self.push_sort(sql, order[i].target);
            // Forward through an ascending key (or backward through a descending one) means greater.
            let greater = order[i].desc != forward;
            sql.push(if greater { " > " } else { " < " }).arg(key_arg(&key[i])).push(")");
        }
        sql.push(")");
    }
}

fn value_list(v: &Value) -> Vec<Arg> {
    let one = |v: &Value| match v {
        Value::Text(s) => Arg::Text(s.clone()),
        Value::Int(i) => Arg::Int(*i),
        Value::Float(x) => Arg::Float(*x),
        Value::Bool(b) => Arg::Int(*b as i64),
        Value::List(_) => Arg::Null,
    };
    match v {
        Value::List(items) => items.iter().map(one).collect(),
        other => vec![one(other)],
    }
}

fn key_arg(k: &KeyVal) -> Arg {
    match k {
        KeyVal::Int(i) => Arg::Int(*i),
        KeyVal::Float(f) => Arg::Float(*f),
        KeyVal::Text(s) => Arg::Text(s.clone()),
    }
}

/// Most parents whose first pages are read one index read each (SQLite
/// caps a compound statement at 500 parts); more take the window.
const PER_PARENT_READS: usize = 100;

/// Where the rows of a list come from.
struct From {
    ty: &'static TypeDef,
    /// The expression naming each row's parent, for batched relation reads.
    parent: Option<String>,
    /// The link table's key, when the rows come through it.
    link: Option<String>,
    /// Whether the rows are link targets (ordered by link position) rather than sources.
    forward_links: bool,
    role: bool,
}

impl From {
    fn of(source: &Source<'_>) -> From {
        let ty = source.target();
        let Source::Related { owner, field, .. } = *source else {
            return From { ty, parent: None, link: None, forward_links: false, role: false };
        };
        match field.kind {
            Kind::Refs { role, .. } => From {
                ty,
                parent: Some("l.source_id".into()),
                link: Some(link_key(owner, field)),
                forward_links: true,
                role,
            },
            Kind::Reverse { field: back, .. } => {
                let back_field = ty.field(back).expect("model checked");
                match back_field.kind {
                    Kind::Refs { role, .. } => From {
                        ty,
                        parent: Some("l.target_id".into()),
                        link: Some(link_key(ty, back_field)),
                        forward_links: false,
                        role,
                    },
                    _ => From {
                        ty,
                        parent: Some(format!("t.{}_id", column_name(back))),
                        link: None,
                        forward_links: false,
                        role: false,
                    },
                }
            }
            _ => unreachable!("only relations have related rows"),
        }
    }

    /// ` FROM … WHERE …` selecting the rows of `stage` (and of the parents).
    fn push(&self, sql: &mut Sql, parents: Parents<'_>, stage: Stage) {
        let table = self.ty.table;
        match (&self.link, &self.parent) {
            (Some(key), Some(parent)) => {
                let join = if self.forward_links { "l.target_id" } else { "l.source_id" };
                sql.push(&format!(
                    " FROM links l JOIN {table} t ON t.id = {join} AND t.stage = l.stage WHERE l.stage = "
                ));
                sql.arg(stage.as_str()).push(" AND l.field = ").arg(key.as_str());
                if let Some(o) = stage.owner() {
                    sql.push(" AND t.created_by = ").arg(o);
                }
                sql.push(&format!(" AND {parent}"));
            }
            (None, Some(parent)) => {
                sql.push(&format!(" FROM {table} t WHERE "));
                stage.push_cond(sql, "t");
                sql.push(&format!(" AND {parent}"));
            }
            _ => {
                sql.push(&format!(" FROM {table} t WHERE "));
                stage.push_cond(sql, "t");
                return;
            }
        }
        match parents {
            Parents::In(ids) => {
                sql.push(" IN (").list(ids.iter().map(String::as_str)).push(")");
            }
            Parents::Lateral => {
                sql.push(" = p.id");
            }
        }
    }
}

/// The parents a nested list's rows are read for.
#[derive(Clone, Copy)]
enum Parents<'a> {
    In(&'a [String]),
    /// The parent of the enclosing `unnest(…) p(id)` (PostgreSQL's
    /// `LATERAL` read per parent).
    Lateral,
}

/// One list read, planned: its order, window and SQL, and how its rows
/// become pages. `Store::list_many` runs several, in one statement where it
/// can.
struct ListPlan<'a> {
    source: Source<'a>,
    spec: &'a ListSpec,
    from: From,
    order: Vec<OrderBy>,
    ex: Exprs<'a>,
    forward: bool,
    limit: usize,
    cursor: Option<&'a Vec<KeyVal>>,
    /// First pages of a nested list, one bounded read per parent.
    per_parent: bool,
}

/// How a row of one list read is decoded, from column `base` on.
#[derive(Clone)]
struct Decoder {
    ty: &'static TypeDef,
    columns: Columns,
    ncols: usize,
    keys: Vec<KeyType>,
    nested: bool,
    with_total: bool,
}

impl Decoder {
    fn decode(&self, row: &dyn Row, base: usize) -> Result<(Edge, Option<i64>)> {
        let row = Shifted(row, base);
        let item = Arc::new(decode_item(self.ty, &row, self.columns)?);
        let mut key = Vec::with_capacity(self.keys.len());
        for (i, k) in self.keys.iter().enumerate() {
            let idx = self.ncols + i;
            key.push(match k {
                KeyType::Int => KeyVal::Int(need(row.int(idx)?)?),
                KeyType::Float => KeyVal::Float(need(row.float(idx)?)?),
                KeyType::Text => KeyVal::Text(need(row.text(idx)?)?),
            });
        }
        let after = self.ncols + self.keys.len();
        let (parent, role, total) = if self.nested {
            let total = if self.with_total { Some(need(row.int(after + 3)?)?) } else { None };
            (Some(need(row.text(after)?)?), row.text(after + 1)?, total)
        } else {
            (None, None, None)
        };
        Ok((Edge { item, key, parent, role }, total))
    }
}

/// A row read from column `.1` on: one list's block of a statement that
/// reads several.
struct Shifted<'r>(&'r dyn Row, usize);

impl Row for Shifted<'_> {
    fn int(&self, i: usize) -> Result<Option<i64>> {
        self.0.int(i + self.1)
    }
    fn float(&self, i: usize) -> Result<Option<f64>> {
        self.0.float(i + self.1)
    }
    fn text(&self, i: usize) -> Result<Option<String>> {
        self.0.text(i + self.1)
    }
}

impl<'a> ListPlan<'a> {
    fn new(dialect: Dialect, source: Source<'a>, stage: Stage, spec: &'a ListSpec) -> Result<Self> {
        let mut order = spec.order.clone();
        let from = From::of(&source);
        if order.is_empty() {
            order.push(if from.forward_links {
                OrderBy { target: Target::LinkPosition, desc: false }
            } else {
                OrderBy { target: Target::Common(Common::CreatedAt), desc: false }
            });
        }
        if !order.iter().any(|o| o.target == Target::Common(Common::Id)) {
            let desc = order.last().is_some_and(|o| o.desc);
            order.push(OrderBy { target: Target::Common(Common::Id), desc });
        }
        let (forward, limit, cursor) = match (spec.window.first, spec.window.last) {
            (_, Some(last)) if spec.window.first.is_none() => (false, last, spec.window.before.as_ref()),
            (first, _) => (true, first.unwrap_or(20), spec.window.after.as_ref()),
        };
        if let Some(key) = cursor {
            let fits = key.len() == order.len()
                && key.iter().zip(&order).all(|(k, o)| {
                    matches!(
                        (k, Exprs::key_type(o.target)),
                        (KeyVal::Int(_), KeyType::Int)
                            | (KeyVal::Float(_) | KeyVal::Int(_), KeyType::Float)
                            | (KeyVal::Text(_), KeyType::Text)
                    )
                });
            if !fits {
                let arg = if forward { "after" } else { "before" };
                return Err(crate::error::Error::field(
                    arg,
                    "is a cursor from a list with another orderBy; use one from this list",
                ));
            }
        }
        let per_parent = match &source {
            Source::Related { parents, .. } if cursor.is_none() => match dialect {
                Dialect::Sqlite => from.link.is_none() && parents.len() <= PER_PARENT_READS,
                Dialect::Postgres => true,
            },
            _ => false,
        };
        let ex = Exprs { dialect, stage, locales: &spec.locales };
        Ok(ListPlan { source, spec, from, order, ex, forward, limit, cursor, per_parent })
    }

    fn nested(&self) -> bool {
        self.from.parent.is_some()
    }

    fn parents(&self) -> Parents<'a> {
        match self.source {
            Source::Related { parents, .. } => Parents::In(parents),
            Source::Root(_) => Parents::In(&[]),
        }
    }

    /// Whether this read is PostgreSQL's `LATERAL` read per parent, which
    /// several lists of one level share a statement for.
    fn lateral(&self) -> bool {
        self.per_parent && self.ex.dialect == Dialect::Postgres
    }

    fn push_order(&self, sql: &mut Sql) {
        for (i, o) in self.order.iter().enumerate() {
            if i > 0 {
                sql.push(", ");
            }
            self.ex.push_order_key(sql, o.target, o.desc == self.forward);
        }
    }

    /// The item's columns, its sort keys, and for nested lists its parent and link role.
    fn push_columns(&self, sql: &mut Sql) {
        sql.push(&select_cols_of(self.from.ty, self.spec.columns));
        for (i, o) in self.order.iter().enumerate() {
            sql.push(", ");
            self.ex.push_sort(sql, o.target);
            sql.push(&format!(" AS _k{i}"));
        }
        if let Some(parent) = &self.from.parent {
            sql.push(&format!(", {parent} AS _parent"));
            sql.push(if self.from.role { ", l.role AS _role" } else { ", NULL AS _role" });
        }
    }

    /// The rows' FROM and WHERE (without the keyset).
    fn push_from(&self, sql: &mut Sql, parents: Parents) {
        self.from.push(sql, parents, self.ex.stage);
        if let Some(f) = &self.spec.filter {
            sql.push(" AND ");
            self.ex.push_filter(sql, self.from.ty, f);
        }
    }

    /// One parent's first page, as a subquery: the window form's columns
    /// (`_rn` unused, `_total` counted for this parent), its order, its limit.
    fn push_first_page(&self, sql: &mut Sql, parents: Parents) {
        sql.push("(SELECT ");
        self.push_columns(sql);
        sql.push(", NULL AS _rn");
        if self.spec.want_total {
            sql.push(", (SELECT COUNT(*)");
            self.push_from(sql, parents);
            sql.push(") AS _total");
        }
        self.push_from(sql, parents);
        sql.push(" ORDER BY ");
        self.push_order(sql);
        sql.push(" LIMIT ").arg((self.limit + 1) as i64).push(")");
    }

    /// PostgreSQL's read per parent: ` FROM unnest(…) p(id, o) CROSS JOIN
    /// LATERAL (first page) x`, to be ordered by `p.o` and the keys.
    fn push_lateral(&self, sql: &mut Sql) {
        let Source::Related { parents, .. } = self.source else { unreachable!("nested") };
        sql.push(" FROM unnest(CAST(ARRAY[");
        sql.list(parents.iter().map(String::as_str));
        sql.push("] AS TEXT[])) WITH ORDINALITY p(id, o) CROSS JOIN LATERAL ");
        self.push_first_page(sql, Parents::Lateral);
        sql.push(" x");
    }

    /// `ASC` or `DESC` for sort key `i` in the rows' order.
    fn direction(&self, i: usize) -> &'static str {
        if self.order[i].desc == self.forward { " DESC" } else { " ASC" }
    }

    /// The statement of this read alone.
    fn statement(&self) -> Sql {
        if self.per_parent && self.ex.dialect == Dialect::Sqlite {
            // First pages of a list of items that reference their parent
            // (events of a project) on SQLite: one `LIMIT`ed index read per
            // parent, in one statement, where SQLite's window numbers and sorts
            // every related row of every parent (three times the work, and
            // 0.1 ms of a home query's CPU: bench/ab.sh). Link lists keep the
            // window: one read per parent, even in the order of an index on
            // (source, position, target), cost more there.
            let Source::Related { parents, .. } = self.source else { unreachable!("nested") };
            let mut sql = Sql::rows(Dialect::Sqlite, "");
            for (n, p) in parents.iter().enumerate() {
                sql.push(if n == 0 { "SELECT * FROM " } else { " UNION ALL SELECT * FROM " });
                self.push_first_page(&mut sql, Parents::In(std::slice::from_ref(p)));
            }
            return sql;
        }
        if self.per_parent {
            // The same on PostgreSQL, as a `LATERAL` read per parent: a third
            // of the window's execution time for the events of twenty
            // projects (EXPLAIN ANALYZE), which sorted them all.
            let mut sql = Sql::new("SELECT x.*");
            self.push_lateral(&mut sql);
            sql.push(" ORDER BY p.o");
            // Each parent's rows in the list's order, by their never-NULL keys.
            for i in 0..self.order.len() {
                sql.push(&format!(", x._k{i}{}", self.direction(i)));
            }
            return sql;
        }
        let mut sql = Sql::new("SELECT ");
        self.push_columns(&mut sql);
        if let Some(parent) = &self.from.parent {
            sql.push(&format!(", ROW_NUMBER() OVER (PARTITION BY {parent} ORDER BY "));
            self.push_order(&mut sql);
            sql.push(") AS _rn");
            if self.spec.want_total && self.cursor.is_none() {
                sql.push(&format!(", COUNT(*) OVER (PARTITION BY {parent}) AS _total"));
            }
        }
        self.push_from(&mut sql, self.parents());
        if let Some(key) = self.cursor {
            sql.push(" AND ");
            self.ex.push_keyset(&mut sql, &self.order, key, self.forward);
        }
        if self.nested() {
            sql = Sql {
                text: format!("SELECT * FROM ({}) x WHERE x._rn <= ", sql.text),
                args: sql.args,
                ..Sql::default()
            };
            sql.arg((self.limit + 1) as i64).push(" ORDER BY x._parent, x._rn");
        } else {
            sql.push(" ORDER BY ");
            self.push_order(&mut sql);
            sql.push(" LIMIT ").arg((self.limit + 1) as i64);
        }
        sql
    }

    fn decoder(&self) -> Decoder {
        Decoder {
            ty: self.from.ty,
            columns: self.spec.columns,
            ncols: column_count(self.from.ty, self.spec.columns),
            keys: self.order.iter().map(|o| Exprs::key_type(o.target)).collect(),
            nested: self.nested(),
            with_total: self.spec.want_total && self.cursor.is_none(),
        }
    }

    /// The SQL types of the per-parent form's columns (`x.*`), for the NULLs
    /// that stand for them in the other lists' rows of a shared statement.
    fn block_types(&self) -> Vec<&'static str> {
        const TEXT: &str = "TEXT";
        const INT: &str = "BIGINT";
        const FLOAT: &str = "DOUBLE PRECISION";
        // As `decode_item` reads them.
        let mut v = vec![TEXT, TEXT, TEXT, TEXT, INT, INT, INT, INT, TEXT, TEXT];
        debug_assert_eq!(v.len(), COMMON_COUNT);
        for (i, f) in self.from.ty.fields.iter().enumerate() {
            if !f.kind.has_column() || !self.spec.columns.has(i) {
                continue;
            }
            match f.kind {
                Kind::Int | Kind::DateTime | Kind::Bool => v.push(INT),
                Kind::Float => v.push(FLOAT),
                Kind::Money => v.extend([INT, TEXT]),
                _ => v.push(TEXT),
            }
        }
        for o in &self.order {
            v.push(match Exprs::key_type(o.target) {
                KeyType::Int => INT,
                KeyType::Float => FLOAT,
                KeyType::Text => TEXT,
            });
        }
        // _parent, _role, _rn (NULL, resolved as text) and _total.
        v.extend([TEXT, TEXT, TEXT]);
        if self.spec.want_total {
            v.push(INT);
        }
        v
    }

    /// The count statement, when totals are not counted with the rows.
    fn totals(&self) -> Option<Sql> {
        if !self.spec.want_total || (self.nested() && self.cursor.is_none()) {
            return None;
        }
        let mut q = Sql::new("SELECT ");
        q.push(self.from.parent.as_deref().unwrap_or("NULL")).push(", COUNT(*)");
        self.push_from(&mut q, self.parents());
        if let Some(p) = &self.from.parent {
            q.push(&format!(" GROUP BY {p}"));
        }
        Some(q)
    }

    /// The decoded rows as pages, keyed by parent (`None` for a root list).
    fn pages(&self, rows: Vec<(Edge, Option<i64>)>) -> Pages {
        let mut pages: Pages = HashMap::new();
        for (edge, total) in rows {
            let page = pages.entry(edge.parent.clone()).or_default();
            if total.is_some() {
                page.total = total;
            }
            page.edges.push(edge);
        }
        if !self.nested() {
            pages.entry(None).or_default();
        }
        for page in pages.values_mut() {
            let more = page.edges.len() > self.limit;
            page.edges.truncate(self.limit);
            if self.forward {
                page.has_next = more;
                page.has_prev = self.cursor.is_some();
            } else {
                page.edges.reverse();
                page.has_prev = more;
                page.has_next = self.cursor.is_some();
            }
        }
        pages
    }
}

impl Store {
    /// Reads one page of a list, for a root list or batched over many parents
    /// (one statement either way, plus one for totals when a cursor is given).
    pub async fn list(&self, source: Source<'_>, stage: Stage, spec: &ListSpec) -> Result<Pages> {
        let mut out = self.list_many(stage, &[(source, spec)]).await?;
        Ok(out.pop().unwrap_or_default())
    }

    /// Reads several lists at once, as `list` reads each. On PostgreSQL the
    /// first pages of nested lists (a level of a query: the axes, partners
    /// and events of twenty projects) share one statement, a `UNION ALL` of
    /// their reads per parent, each list's columns in a block of their own:
    /// every statement saved is a round trip to the server and back.
    pub async fn list_many(&self, stage: Stage, reads: &[(Source<'_>, &ListSpec)]) -> Result<Vec<Pages>> {
        let dialect = self.dialect();
        let plans = reads
            .iter()
            .map(|(source, spec)| ListPlan::new(dialect, *source, stage, spec))
            .collect::<Result<Vec<_>>>()?;
        let mut rows: Vec<Vec<(Edge, Option<i64>)>> = vec![Vec::new(); plans.len()];
        let shared: Vec<usize> = (0..plans.len()).filter(|&i| plans[i].lateral()).collect();
        let shared = if shared.len() > 1 { shared } else { Vec::new() };
        for (i, plan) in plans.iter().enumerate() {
            if shared.contains(&i) {
                continue;
            }
            let decoder = plan.decoder();
            rows[i] = self.read_rows(plan.statement(), move |row| decoder.decode(row, 0)).await?;
        }
        if !shared.is_empty() {
            let lists: Vec<&ListPlan> = shared.iter().map(|&i| &plans[i]).collect();
            let mut sql = Sql::new("");
            for (b, edge) in self.read_union(&mut sql, &lists).await? {
                rows[shared[b]].push(edge);
            }
        }
        let mut out = Vec::with_capacity(plans.len());
        for (plan, rows) in plans.iter().zip(rows) {
            out.push(self.finish(plan, rows).await?);
        }
        Ok(out)
    }

    /// Reads several nested lists in one statement appended to `sql`: a
    /// `UNION ALL` of their reads per parent, each list's columns in a block
    /// of their own (NULLs of the same types in the others' rows). Rows come
    /// back with the list they are of.
    async fn read_union(&self, sql: &mut Sql, lists: &[&ListPlan<'_>]) -> Result<Vec<(usize, (Edge, Option<i64>))>> {
        let types: Vec<Vec<&'static str>> = lists.iter().map(|p| p.block_types()).collect();
        // Column 1 says which list a row is of, column 2 its parent's place.
        let mut starts = Vec::with_capacity(lists.len());
        let mut start = 2;
        for (b, plan) in lists.iter().enumerate() {
            sql.push(if b == 0 { " SELECT " } else { " UNION ALL SELECT " });
            sql.push(&format!("{b}, p.o"));
            for t in types[..b].iter().flatten() {
                sql.push(&format!(", CAST(NULL AS {t})"));
            }
            sql.push(", x.*");
            for t in types[b + 1..].iter().flatten() {
                sql.push(&format!(", CAST(NULL AS {t})"));
            }
            plan.push_lateral(sql);
            starts.push(start);
            start += types[b].len();
        }
        // Each list's rows together, each parent's in the list's order.
        sql.push(" ORDER BY 1, 2");
        for (plan, start) in lists.iter().zip(&starts) {
            let keys = start + plan.decoder().ncols;
            for k in 0..plan.order.len() {
                sql.push(&format!(", {}{}", keys + k + 1, plan.direction(k)));
            }
        }
        let decoders: Vec<(Decoder, usize)> = lists.iter().zip(&starts).map(|(p, &s)| (p.decoder(), s)).collect();
        self.read_rows(std::mem::take(sql), move |row| {
            let b = need(row.int(0)?)? as usize;
            let (d, start) = decoders.get(b).ok_or_else(|| crate::error::Error::internal("a row of no list"))?;
            Ok((b, d.decode(row, *start)?))
        })
        .await
    }

    /// A list's rows as its pages, with their totals.
    async fn finish(&self, plan: &ListPlan<'_>, rows: Vec<(Edge, Option<i64>)>) -> Result<Pages> {
        let mut pages = plan.pages(rows);
        if let Some(q) = plan.totals() {
            for (parent, total) in self.read_rows(q, |row| Ok((row.text(0)?, need(row.int(1)?)?))).await? {
                pages.entry(parent).or_default().total = Some(total);
            }
        }
        if plan.spec.want_total {
            for page in pages.values_mut() {
                page.total.get_or_insert(0);
            }
        }
        Ok(pages)
    }

    pub async fn by_ids(&self, ty: &'static TypeDef, stage: Stage, ids: &[String]) -> Result<Vec<Item>> {
        let mut q = Sql::new("SELECT ");
        q.push(&select_cols(ty)).push(&format!(" FROM {} t WHERE ", ty.table));
        stage.push_cond(&mut q, "t");
        q.push(" AND t.id IN (").list(ids.iter().map(String::as_str)).push(")");
        self.read_rows(q, move |r| decode_item(ty, r, Columns::ALL)).await
    }

    pub async fn by_slug(&self, ty: &'static TypeDef, stage: Stage, slug: &str) -> Result<Option<Item>> {
        let mut q = Sql::new("SELECT ");
        q.push(&select_cols(ty)).push(&format!(" FROM {} t WHERE ", ty.table));
        stage.push_cond(&mut q, "t");
        q.push(" AND t.slug = ").arg(slug);
        Ok(self.read_rows(q, move |r| decode_item(ty, r, Columns::ALL)).await?.pop())
    }

    /// Where a media asset is used at `stage`: (type, item id, field) for
    /// every reference, ordered relation, sub-item and rich-text body that
    /// names it, one statement over every content type. Stored JSON (bodies,
    /// sub-items) names it in any of `spellings` (its id as clients write it).
    pub async fn media_uses(&self, media_id: &str, spellings: &[String], stage: Stage) -> Result<Vec<MediaUse>> {
        // Ids are UUIDs (or encodings of one): found anywhere in the JSON (bodies
        // are stored as JSON text inside JSON, quotes escaped), it is that media.
        let quoted: Vec<String> = spellings.iter().map(|s| format!("%{}%", like_escape(s))).collect();
        let mut q = Sql::new("");
        let mut parts = 0;
        for ty in CONTENT_TYPES {
            for f in ty.fields {
                let col = column_name(f.name);
                let how = match f.kind {
                    Kind::Ref("MediaAsset") => "ref",
                    Kind::Refs { target: "MediaAsset", .. } => "link",
                    Kind::RichText => "json",
                    Kind::Embedded(e) | Kind::Object(e) if embeds_media(e) => "json",
                    _ => continue,
                };
                if parts > 0 {
                    q.push(" UNION ALL ");
                }
                parts += 1;
                let (head, tail) =
                    (format!("SELECT CAST('{}' AS TEXT), ", ty.name), format!(", CAST('{}' AS TEXT)", f.name));
                if how == "link" {
                    q.push(&format!("{head}source_id{tail} FROM links WHERE stage = ")).arg(stage.as_str());
                    q.push(" AND field = ").arg(link_key(ty, f)).push(" AND target_id = ").arg(media_id);
                    continue;
                }
                q.push(&format!("{head}t.id{tail} FROM {} t WHERE ", ty.table));
                stage.push_cond(&mut q, "t");
                if how == "ref" {
                    q.push(&format!(" AND t.{col}_id = ")).arg(media_id);
                } else {
                    q.push(" AND (");
                    for (i, pattern) in quoted.iter().enumerate() {
                        if i > 0 {
                            q.push(" OR ");
                        }
                        q.push(&format!("t.{col} LIKE ")).arg(pattern.as_str()).push(" ESCAPE '\\'");
                    }
                    q.push(")");
                }
            }
        }
        if parts == 0 {
            return Ok(Vec::new());
        }
        q.push(" ORDER BY 1, 2, 3");
        let mut uses = Vec::new();
        for r in self.fetch_all(q).await? {
            let ty: String = r.try_get(0)?;
            // The names are the model's own, written by the statement above.
            if let Some(ty) = crate::model::content_type(&ty) {
                uses.push(MediaUse { ty, item_id: r.try_get(1)?, field: r.try_get(2)? });
            }
        }
        Ok(uses)
    }

    /// Ordered link targets (ids or country codes) of `field` for a batch of items.
    pub async fn link_targets(
        &self,
        owner: &TypeDef,
        field: &FieldDef,
        stage: Stage,
        sources: &[String],
    ) -> Result<Vec<(String, String, Option<String>)>> {
        let mut q = Sql::new("SELECT source_id, target_id, role FROM links WHERE stage = ");
        q.arg(stage.as_str()).push(" AND field = ").arg(link_key(owner, field));
        q.push(" AND source_id IN (").list(sources.iter().map(String::as_str)).push(") ORDER BY source_id, position");
        self.fetch_all(q).await?.iter().map(|r| Ok((r.try_get(0)?, r.try_get(1)?, r.try_get(2)?))).collect()
    }
}

/// Text taken literally in a `LIKE … ESCAPE '\'` pattern.
fn like_escape(s: &str) -> String {
    s.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_")
}

/// Whether an embedded type (or one inside it) refers to media.
fn embeds_media(name: &str) -> bool {
    crate::model::embedded_type(name).fields.iter().any(|f| match f.kind {
        Kind::Ref("MediaAsset") => true,
        Kind::Embedded(e) | Kind::Object(e) => embeds_media(e),
        _ => false,
    })
}

impl Tx<'_> {
    /// Which of `ids` exist as items of `ty` (working copies).
    pub async fn existing_ids(&mut self, ty: &TypeDef, ids: &[String]) -> Result<Vec<String>> {
        let mut q = Sql::new(&format!("SELECT id FROM {} WHERE stage = 'draft' AND id IN (", ty.table));
        q.list(ids.iter().map(String::as_str)).push(")");
        self.fetch_all(q).await?.iter().map(|r| Ok(r.try_get(0)?)).collect()
    }

    pub async fn slug_taken(&mut self, ty: &TypeDef, slug: &str, except: Option<&str>) -> Result<bool> {
        let mut q = Sql::new(&format!("SELECT id FROM {} WHERE stage = 'draft' AND slug = ", ty.table));
        q.arg(slug);
        if let Some(id) = except {
            q.push(" AND id <> ").arg(id);
        }
        Ok(!self.fetch_all(q).await?.is_empty())
    }
    pub async fn insert_item(&mut self, ty: &TypeDef, item: &NewItem) -> Result<()> {
        let cols = write_cols(ty);
        let mut q = Sql::new(&format!(
            "INSERT INTO {} (id, stage, slug, state, version, created_at, updated_at, published_at, created_by, updated_by{}{}) VALUES (",
            ty.table,
            if cols.is_empty() { "" } else { ", " },
            cols.join(", ")
        ));
        q.arg(item.id.as_str()).push(", 'draft', ").arg(item.slug.as_str()).push(", ").arg(item.state.as_str());
        q.push(", 1, ").arg(item.at).push(", ").arg(item.at).push(", NULL, ").arg(item.by.clone());
        q.push(", ").arg(item.by.clone());
        push_values(&mut q, ty, &item.values, |q| {
            q.push(", ");
        });
        q.push(")");
        self.execute(q).await?;
        Ok(())
    }

    /// Rewrites the working copy if it is still at `version`; false when it is not.
    pub async fn update_item(&mut self, ty: &TypeDef, item: &NewItem, version: i64) -> Result<bool> {
        let cols = write_cols(ty);
        let mut q = Sql::new(&format!("UPDATE {} SET slug = ", ty.table));
        q.arg(item.slug.as_str()).push(", state = ").arg(item.state.as_str());
        q.push(", version = version + 1, updated_at = ").arg(item.at).push(", updated_by = ").arg(item.by.clone());
        let mut names = cols.iter();
        push_values(&mut q, ty, &item.values, |q| {
            q.push(&format!(", {} = ", names.next().expect("one name per value")));
        });
        q.push(" WHERE id = ").arg(item.id.as_str()).push(" AND stage = 'draft' AND version = ").arg(version);
        Ok(self.execute(q).await? == 1)
    }

    /// Moves the working copy to `change.state` if it is still at `version`.
    pub async fn set_state(&mut self, ty: &TypeDef, id: &str, version: i64, change: &StateChange<'_>) -> Result<bool> {
        let mut q = Sql::new(&format!("UPDATE {} SET state = ", ty.table));
        q.arg(change.state.as_str()).push(", version = version + 1, updated_at = ").arg(change.at);
        q.push(", updated_by = ").arg(change.by);
        if let Some(p) = change.published_at {
            q.push(", published_at = ").arg(p);
        }
        q.push(" WHERE id = ").arg(id).push(" AND stage = 'draft' AND version = ").arg(version);
        Ok(self.execute(q).await? == 1)
    }

    pub async fn replace_links(
        &mut self,
        owner: &TypeDef,
        field: &FieldDef,
        source: &str,
        links: &[LinkIn],
    ) -> Result<()> {
        let key = link_key(owner, field);
        let mut q = Sql::new("DELETE FROM links WHERE stage = 'draft' AND source_id = ");
        q.arg(source).push(" AND field = ").arg(key.as_str());
        self.execute(q).await?;
        if links.is_empty() {
            return Ok(());
        }
        let mut q = Sql::new("INSERT INTO links (stage, source_id, field, target_id, position, role) VALUES ");
        for (i, l) in links.iter().enumerate() {
            if i > 0 {
                q.push(", ");
            }
            q.push("('draft', ").arg(source).push(", ").arg(key.as_str()).push(", ").arg(l.target.as_str());
            q.push(", ").arg(i as i64).push(", ").arg(l.role.clone()).push(")");
        }
        self.execute(q).await?;
        Ok(())
    }

    /// Makes the working copy (row and links) the live copy.
    pub async fn copy_to_live(&mut self, ty: &TypeDef, id: &str) -> Result<()> {
        self.drop_live(ty, id).await?;
        let cols = write_cols(ty);
        let extra = if cols.is_empty() { String::new() } else { format!(", {}", cols.join(", ")) };
        let mut q = Sql::new(&format!(
            "INSERT INTO {t} (id, stage, slug, state, version, created_at, updated_at, published_at, created_by, updated_by{extra}) \
             SELECT id, 'live', slug, state, version, created_at, updated_at, published_at, created_by, updated_by{extra} FROM {t} WHERE stage = 'draft' AND id = ",
            t = ty.table
        ));
        q.arg(id);
        self.execute(q).await?;
        let mut q = Sql::new(
            "INSERT INTO links (stage, source_id, field, target_id, position, role) \
             SELECT 'live', source_id, field, target_id, position, role FROM links WHERE stage = 'draft' AND source_id = ",
        );
        q.arg(id);
        self.execute(q).await?;
        self.index_copy_to_live(id).await
    }

    /// Sets when an item was published (an import keeping the source's dates).
    pub async fn set_published_at(&mut self, ty: &TypeDef, id: &str, at: i64) -> Result<()> {
        let mut q = Sql::new(&format!("UPDATE {} SET published_at = ", ty.table));
        q.arg(at).push(" WHERE id = ").arg(id);
        self.execute(q).await?;
        Ok(())
    }

    /// Removes the live copy (row and links) so the public no longer sees it.
    pub async fn drop_live(&mut self, ty: &TypeDef, id: &str) -> Result<()> {
        let mut q = Sql::new(&format!("DELETE FROM {} WHERE stage = 'live' AND id = ", ty.table));
        q.arg(id);
        self.execute(q).await?;
        let mut q = Sql::new("DELETE FROM links WHERE stage = 'live' AND source_id = ");
        q.arg(id);
        self.execute(q).await?;
        self.index_unpublish(id).await
    }

    /// Deletes an item if still at `version`; links to it go and references to
    /// it from other items become empty.
    pub async fn delete_item(&mut self, ty: &'static TypeDef, id: &str, version: i64) -> Result<bool> {
        let mut q = Sql::new(&format!("DELETE FROM {} WHERE stage = 'draft' AND id = ", ty.table));
        q.arg(id).push(" AND version = ").arg(version);
        if self.execute(q).await? != 1 {
            return Ok(false);
        }
        let mut q = Sql::new(&format!("DELETE FROM {} WHERE id = ", ty.table));
        q.arg(id);
        self.execute(q).await?;
        let mut q = Sql::new("DELETE FROM links WHERE source_id = ");
        q.arg(id).push(" OR target_id = ").arg(id);
        self.execute(q).await?;
        let mut q = Sql::new("DELETE FROM search_docs WHERE item_id = ");
        q.arg(id);
        self.execute(q).await?;
        let mut q = Sql::new("DELETE FROM translation_stamps WHERE item_id = ");
        q.arg(id);
        self.execute(q).await?;
        for other in CONTENT_TYPES {
            for f in other.fields {
                if f.kind == Kind::Ref(ty.name) {
                    let c = column_name(f.name);
                    let mut q = Sql::new(&format!("UPDATE {} SET {c}_id = NULL WHERE {c}_id = ", other.table));
                    q.arg(id);
                    self.execute(q).await?;
                }
            }
        }
        Ok(true)
    }

    /// The working copy, read inside the transaction.
    pub async fn draft(&mut self, ty: &'static TypeDef, id: &str) -> Result<Option<Item>> {
        let mut q = Sql::new("SELECT ");
        q.push(&select_cols(ty)).push(&format!(" FROM {} t WHERE t.stage = 'draft' AND t.id = ", ty.table)).arg(id);
        let rows = self.fetch_all(q).await?;
        rows.first().map(|r| decode_item(ty, r, Columns::ALL)).transpose()
    }

    /// All links of an item's working copy: (field key, target, role), in order.
    pub async fn draft_links(&mut self, id: &str) -> Result<Vec<(String, String, Option<String>)>> {
        let mut q = Sql::new("SELECT field, target_id, role FROM links WHERE stage = 'draft' AND source_id = ");
        q.arg(id).push(" ORDER BY field, position");
        self.fetch_all(q).await?.iter().map(|r| Ok((r.try_get(0)?, r.try_get(1)?, r.try_get(2)?))).collect()
    }
}

pub(super) fn push_values(q: &mut Sql, ty: &TypeDef, values: &[Val], mut sep: impl FnMut(&mut Sql)) {
    for (f, v) in ty.fields.iter().zip(values) {
        if !f.kind.has_column() {
            continue;
        }
        match (f.kind, v) {
            (Kind::Money, Val::Money(a, c)) => {
                sep(q);
                q.arg(*a);
                sep(q);
                q.arg(c.as_str());
            }
            (Kind::Money, _) => {
                sep(q);
                q.arg(Arg::NullInt);
                sep(q);
                q.arg(Arg::Null);
            }
            (kind, v) => {
                sep(q);
                q.arg(match v {
                    Val::Null | Val::Money(..) => match kind {
                        Kind::Int | Kind::DateTime | Kind::Bool => Arg::NullInt,
                        Kind::Float => Arg::NullFloat,
                        _ => Arg::Null,
                    },
                    Val::Text(s) => Arg::Text(s.clone()),
                    Val::Int(i) => Arg::Int(*i),
                    Val::Float(x) => Arg::Float(*x),
                });
            }
        }
    }
}
