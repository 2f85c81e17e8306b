//! Compiled plans: a query document the engine has answered once, made only
//! of list reads and the plain fields of their items, is compiled into a tree
//! of the lists to read and the fields to write. The next requests with that
//! document run the plan: the same list specs, the same store reads (one per
//! list level, as the engine's batching makes them), and the answer written
//! straight as JSON bytes, without a future and a `Value` per field.
//!
//! The engine stays the contract: it validates every new document, and
//! anything a plan does not cover (another root field, a directive, an
//! interface fragment, a field argument other than a list's, a variable that
//! is not a plain scalar, any error at all) goes to it. In checked mode
//! (`--compiled-plans checked`, which the API tests run in) every answer a
//! plan gives is compared byte for byte with the engine's.

use super::Req;
use super::args::{self, Obj};
use super::context::{PageInfoVal, root_scope};
use super::values::{Scope, parse_local};
use crate::app::Hub;
pub use crate::app::PlanMode;
use crate::domain::{ids, values as dv};
use crate::model::item::{Item, Stage, Val};
use crate::model::query::{Columns, ListSpec, Page, Source};
use crate::model::{CONTENT_TYPES, FieldDef, Kind, TypeDef, WorkflowState, content_type};
use async_graphql::parser::types::{
    BaseType, ExecutableDocument, Field, OperationType, Selection, SelectionSet, VariableDefinition,
};
use async_graphql::{Name, Value as ConstValue, Variables, indexmap::IndexMap};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// Plans by document and operation, and the documents known to have none.
/// Bounded: cleared when full, as a plan is cheap to make again.
pub struct Plans {
    pub mode: PlanMode,
    /// Requests a plan answered.
    pub answered: std::sync::atomic::AtomicU64,
    known: Mutex<HashMap<u64, Entry>>,
}

struct Entry {
    query: String,
    operation: Option<String>,
    plan: Option<Arc<Plan>>,
}

const MAX_PLANS: usize = 512;

/// What is known about a document.
pub enum Known {
    /// Not seen yet: the engine answers, then the plan is made.
    New,
    /// Seen, and beyond what plans cover.
    Engine,
    Plan(Arc<Plan>),
}

fn doc_key(query: &str, operation: Option<&str>) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    (query, operation).hash(&mut h);
    h.finish()
}

impl Plans {
    pub fn new(mode: PlanMode) -> Plans {
        Plans { mode, answered: Default::default(), known: Mutex::new(HashMap::new()) }
    }

    pub fn lookup(&self, query: &str, operation: Option<&str>) -> Known {
        if self.mode == PlanMode::Off {
            return Known::Engine;
        }
        let known = self.known.lock().unwrap_or_else(|p| p.into_inner());
        match known.get(&doc_key(query, operation)) {
            Some(e) if e.query == query && e.operation.as_deref() == operation => match &e.plan {
                Some(p) => Known::Plan(p.clone()),
                None => Known::Engine,
            },
            _ => Known::New,
        }
    }

    /// Compiles the document the engine has just answered without an error.
    pub fn learn(&self, query: &str, operation: Option<&str>, doc: &Arc<ExecutableDocument>) -> Option<Arc<Plan>> {
        let plan = compile(doc, operation).map(Arc::new);
        let mut known = self.known.lock().unwrap_or_else(|p| p.into_inner());
        if known.len() >= MAX_PLANS {
            known.clear();
        }
        let entry = Entry { query: query.to_owned(), operation: operation.map(str::to_owned), plan: plan.clone() };
        known.insert(doc_key(query, operation), entry);
        plan
    }
}

/// A compiled document.
pub struct Plan {
    /// The document it was made from: a request it answers is not parsed
    /// again (its limits are checked on this).
    pub document: Arc<ExecutableDocument>,
    vars: Vec<Var>,
    roots: Vec<(Name, Root)>,
    /// Relation lists, numbered through the whole plan.
    rels: usize,
}

struct Var {
    name: Name,
    base: Scalar,
    non_null: bool,
    default: Option<ConstValue>,
}

#[derive(Clone, Copy, PartialEq)]
enum Scalar {
    Int,
    Float,
    String,
    Boolean,
    Id,
}

enum Root {
    Typename,
    List { ty: &'static TypeDef, args: Args, conn: Conn },
}

/// A list's arguments as written, variables unresolved.
type Args = Vec<(Name, async_graphql_value::Value)>;

/// A connection's selection; its nodes' relation lists are in `rels`.
struct Conn {
    ty: &'static TypeDef,
    sel: Vec<(Name, ConnSel)>,
    want_total: bool,
    columns: Columns,
    rels: Vec<Rel>,
}

enum ConnSel {
    Typename,
    TotalCount,
    PageInfo(Vec<(Name, PageSel)>),
    Nodes(Vec<(Name, NodeSel)>),
    Edges(Vec<(Name, EdgeSel)>),
}

enum EdgeSel {
    Typename,
    Cursor,
    Node(Vec<(Name, NodeSel)>),
}

enum PageSel {
    Typename,
    HasNext,
    HasPrev,
    Start,
    End,
}

enum NodeSel {
    Typename,
    Id,
    Slug,
    State,
    Version,
    CreatedAt,
    UpdatedAt,
    PublishedAt,
    HasUnpublished,
    Value(usize),
    Money(usize, Vec<(Name, MoneySel)>),
    /// Index into the connection's `rels`.
    Rel(usize),
}

enum MoneySel {
    Typename,
    Amount,
    Currency,
}

struct Rel {
    /// Number through the whole plan, for the pages read.
    id: usize,
    owner: &'static TypeDef,
    field: &'static FieldDef,
    args: Args,
    conn: Conn,
}

// ---- compiling ----

struct Compiler<'d> {
    doc: &'d ExecutableDocument,
    rels: usize,
}

/// The fields of a selection on an object of type `on`, fragments flattened
/// in order; `None` if a fragment is on another type, anything carries a
/// directive, or a response key comes twice (the engine merges those).
fn flatten<'d>(doc: &'d ExecutableDocument, set: &'d SelectionSet, on: &str) -> Option<Vec<&'d Field>> {
    fn walk<'d>(
        doc: &'d ExecutableDocument,
        set: &'d SelectionSet,
        on: &str,
        out: &mut Vec<&'d Field>,
        depth: usize,
    ) -> Option<()> {
        if depth > 16 {
            return None;
        }
        for sel in &set.items {
            match &sel.node {
                Selection::Field(f) => {
                    if !f.node.directives.is_empty() {
                        return None;
                    }
                    out.push(&f.node);
                }
                Selection::FragmentSpread(s) => {
                    if !s.node.directives.is_empty() {
                        return None;
                    }
                    let frag = doc.fragments.get(&s.node.fragment_name.node)?;
                    if frag.node.type_condition.node.on.node.as_str() != on || !frag.node.directives.is_empty() {
                        return None;
                    }
                    walk(doc, &frag.node.selection_set.node, on, out, depth + 1)?;
                }
                Selection::InlineFragment(i) => {
                    if !i.node.directives.is_empty() {
                        return None;
                    }
                    if i.node.type_condition.as_ref().is_some_and(|t| t.node.on.node.as_str() != on) {
                        return None;
                    }
                    walk(doc, &i.node.selection_set.node, on, out, depth + 1)?;
                }
            }
        }
        Some(())
    }
    let mut out = Vec::new();
    walk(doc, set, on, &mut out, 0)?;
    let mut keys: Vec<&str> = out.iter().map(|f| f.response_key().node.as_str()).collect();
    keys.sort_unstable();
    if keys.windows(2).any(|w| w[0] == w[1]) {
        return None;
    }
    Some(out)
}

fn key(f: &Field) -> Name {
    f.response_key().node.clone()
}

fn no_args(f: &Field) -> Option<()> {
    f.arguments.is_empty().then_some(())
}

/// A list's arguments: only those of a connection (and, at the root, of a read).
fn list_args(f: &Field, root: bool) -> Option<Args> {
    const LIST: &[&str] = &["first", "after", "last", "before", "filter", "orderBy"];
    f.arguments
        .iter()
        .map(|(n, v)| {
            let n = n.node.as_str();
            (LIST.contains(&n) || root && (n == "locale" || n == "preview")).then(|| (Name::new(n), v.node.clone()))
        })
        .collect()
}

pub(crate) fn compile(doc: &Arc<ExecutableDocument>, operation: Option<&str>) -> Option<Plan> {
    let op = match operation {
        Some(name) => doc.operations.iter().find(|(n, _)| n.is_some_and(|n| n.as_str() == name))?.1,
        None => {
            let mut ops = doc.operations.iter();
            let (_, op) = ops.next()?;
            if ops.next().is_some() {
                return None;
            }
            op
        }
    };
    let op = &op.node;
    if op.ty != OperationType::Query || !op.directives.is_empty() {
        return None;
    }
    let vars = op.variable_definitions.iter().map(|v| var(&v.node)).collect::<Option<Vec<_>>>()?;
    let mut c = Compiler { doc, rels: 0 };
    let mut roots = Vec::new();
    for f in flatten(doc, &op.selection_set.node, "Query")? {
        let root = match f.name.node.as_str() {
            "__typename" => {
                no_args(f)?;
                Root::Typename
            }
            name => {
                let ty = CONTENT_TYPES.iter().find(|t| t.plural == name)?;
                Root::List { ty, args: list_args(f, true)?, conn: c.conn(ty, f)? }
            }
        };
        roots.push((key(f), root));
    }
    Some(Plan { document: doc.clone(), vars, roots, rels: c.rels })
}

fn var(v: &VariableDefinition) -> Option<Var> {
    if !v.directives.is_empty() {
        return None;
    }
    let BaseType::Named(n) = &v.var_type.node.base else { return None };
    let base = match n.as_str() {
        "Int" => Scalar::Int,
        "Float" => Scalar::Float,
        "String" => Scalar::String,
        "Boolean" => Scalar::Boolean,
        "ID" => Scalar::Id,
        _ => return None,
    };
    let default = v.default_value.as_ref().map(|d| d.node.clone());
    if default.as_ref().is_some_and(|d| !fits(base, d)) {
        return None;
    }
    Some(Var { name: v.name.node.clone(), base, non_null: !v.var_type.node.nullable, default })
}

/// Whether a variable's value is one the engine would take as it is for this
/// scalar (anything else goes to the engine, which explains the mistake).
fn fits(base: Scalar, v: &ConstValue) -> bool {
    match (base, v) {
        (Scalar::Int, ConstValue::Number(n)) => n.as_i64().is_some_and(|i| i32::try_from(i).is_ok()),
        (Scalar::Float, ConstValue::Number(_)) => true,
        (Scalar::String | Scalar::Id, ConstValue::String(_)) => true,
        (Scalar::Boolean, ConstValue::Boolean(_)) => true,
        _ => false,
    }
}

impl Compiler<'_> {
    /// The selection of an object whose fields take no arguments and have
    /// no selection of their own (`pageInfo`, `budget`).
    fn leaves<S>(&self, f: &Field, on: &str, sel: impl Fn(&str) -> Option<S>) -> Option<Vec<(Name, S)>> {
        flatten(self.doc, &f.selection_set.node, on)?
            .into_iter()
            .map(|f| {
                no_args(f)?;
                Some((key(f), sel(f.name.node.as_str())?))
            })
            .collect()
    }

    fn conn(&mut self, ty: &'static TypeDef, f: &Field) -> Option<Conn> {
        let mut conn = Conn { ty, sel: Vec::new(), want_total: false, columns: Columns::NONE, rels: Vec::new() };
        let conn_name = format!("{}Connection", ty.name);
        for f in flatten(self.doc, &f.selection_set.node, &conn_name)? {
            no_args(f)?;
            let sel = match f.name.node.as_str() {
                "__typename" => ConnSel::Typename,
                "totalCount" => {
                    conn.want_total = true;
                    ConnSel::TotalCount
                }
                "pageInfo" => ConnSel::PageInfo(self.leaves(f, "PageInfo", |name| {
                    Some(match name {
                        "__typename" => PageSel::Typename,
                        "hasNextPage" => PageSel::HasNext,
                        "hasPreviousPage" => PageSel::HasPrev,
                        "startCursor" => PageSel::Start,
                        "endCursor" => PageSel::End,
                        _ => return None,
                    })
                })?),
                "nodes" => ConnSel::Nodes(self.node(ty, f, &mut conn)?),
                "edges" => {
                    let edge_name = format!("{}Edge", ty.name);
                    let mut edge = Vec::new();
                    for e in flatten(self.doc, &f.selection_set.node, &edge_name)? {
                        no_args(e)?;
                        edge.push((
                            key(e),
                            match e.name.node.as_str() {
                                "__typename" => EdgeSel::Typename,
                                "cursor" => EdgeSel::Cursor,
                                "node" => EdgeSel::Node(self.node(ty, e, &mut conn)?),
                                _ => return None,
                            },
                        ));
                    }
                    ConnSel::Edges(edge)
                }
                _ => return None,
            };
            conn.sel.push((key(f), sel));
        }
        Some(conn)
    }

    /// An item's selection; its columns and relation lists go to `conn`.
    fn node(&mut self, ty: &'static TypeDef, f: &Field, conn: &mut Conn) -> Option<Vec<(Name, NodeSel)>> {
        let mut out = Vec::new();
        for f in flatten(self.doc, &f.selection_set.node, ty.name)? {
            let name = f.name.node.as_str();
            let common = match name {
                "__typename" => Some(NodeSel::Typename),
                "id" => Some(NodeSel::Id),
                "slug" => Some(NodeSel::Slug),
                "workflowState" => Some(NodeSel::State),
                "version" => Some(NodeSel::Version),
                "createdAt" => Some(NodeSel::CreatedAt),
                "updatedAt" => Some(NodeSel::UpdatedAt),
                "publishedAt" => Some(NodeSel::PublishedAt),
                "hasUnpublishedChanges" => Some(NodeSel::HasUnpublished),
                _ => None,
            };
            let sel = match common {
                Some(s) => {
                    no_args(f)?;
                    s
                }
                None => {
                    let i = ty.fields.iter().position(|d| d.name == name)?;
                    let def: &'static FieldDef = &ty.fields[i];
                    match def.kind {
                        Kind::Text
                        | Kind::Url
                        | Kind::Date
                        | Kind::LocalText
                        | Kind::Int
                        | Kind::Float
                        | Kind::Bool
                        | Kind::DateTime
                        | Kind::Enum(_) => {
                            no_args(f)?;
                            conn.columns = conn.columns.with(i);
                            NodeSel::Value(i)
                        }
                        Kind::Money => {
                            no_args(f)?;
                            conn.columns = conn.columns.with(i);
                            let money = self.leaves(f, "Money", |name| {
                                Some(match name {
                                    "__typename" => MoneySel::Typename,
                                    "amount" => MoneySel::Amount,
                                    "currency" => MoneySel::Currency,
                                    _ => return None,
                                })
                            })?;
                            NodeSel::Money(i, money)
                        }
                        Kind::Refs { target, .. } | Kind::Reverse { target, .. } => {
                            let target = content_type(target)?;
                            let args = list_args(f, false)?;
                            let inner = self.conn(target, f)?;
                            let id = self.rels;
                            self.rels += 1;
                            conn.rels.push(Rel { id, owner: ty, field: def, args, conn: inner });
                            NodeSel::Rel(conn.rels.len() - 1)
                        }
                        _ => return None,
                    }
                }
            };
            out.push((key(f), sel));
        }
        Some(out)
    }
}

// ---- running ----

/// The pages read for a request: the root lists, and each relation list's
/// page per parent item.
struct Loaded {
    rels: Vec<HashMap<String, Arc<Page>>>,
    /// A stored value that did not parse: the engine answers instead, with
    /// the error in its place.
    fault: std::cell::Cell<bool>,
}

impl Plan {
    /// The answer's bytes, or `None` when the engine must answer: a variable
    /// outside what plans take, an argument the engine refuses, a failed read.
    pub async fn run(&self, hub: &Hub, req: &Req, variables: &Variables) -> Option<String> {
        let vars = self.bind(variables)?;
        let mut roots: Vec<(Arc<Scope>, Page)> = Vec::with_capacity(self.roots.len());
        let mut loaded = Loaded { rels: vec![HashMap::new(); self.rels], fault: Default::default() };
        for (_, root) in &self.roots {
            let Root::List { ty, args, conn } = root else { continue };
            let args = bind_args(args, &vars)?;
            let args = Obj(&args);
            let scope = root_scope(hub, req, args).ok()?;
            req.depends_on(format!("T:{}", ty.name));
            let mut spec = args::read_spec(
                args,
                ty,
                &scope.chain,
                scope.stage,
                &hub.content.locales,
                hub.limits.page_size,
                conn.want_total,
            )
            .ok()?;
            spec.columns = conn.columns;
            let mut pages = req.reader.list(Source::Root(ty), scope.stage, &spec).await.ok()?;
            let page = pages.remove(&None).unwrap_or_default();
            load_rels(hub, req, &vars, conn, &[&page], &scope, &mut loaded).await?;
            roots.push((scope, page));
        }
        let mut out = Vec::with_capacity(16 * 1024);
        out.extend_from_slice(b"{\"data\":{");
        let mut read = roots.iter();
        for (i, (k, root)) in self.roots.iter().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            write_key(&mut out, k);
            match root {
                Root::Typename => write_str(&mut out, "Query"),
                Root::List { conn, .. } => {
                    let (scope, page) = read.next()?;
                    write_conn(&mut out, conn, page, scope, &loaded);
                }
            }
        }
        out.extend_from_slice(b"}}");
        if loaded.fault.get() {
            return None;
        }
        String::from_utf8(out).ok()
    }

    /// The variables as the engine would use them, if all are plain scalars
    /// of their declared type.
    fn bind(&self, given: &Variables) -> Option<HashMap<&Name, ConstValue>> {
        let mut out = HashMap::with_capacity(self.vars.len());
        for v in &self.vars {
            let value = match given.get(&v.name).or(v.default.as_ref()) {
                Some(ConstValue::Null) | None if v.non_null => return None,
                Some(ConstValue::Null) | None => ConstValue::Null,
                Some(x) if fits(v.base, x) => x.clone(),
                Some(_) => return None,
            };
            out.insert(&v.name, value);
        }
        Some(out)
    }
}

/// A field's arguments with the variables put in, as resolvers see them.
fn bind_args(args: &Args, vars: &HashMap<&Name, ConstValue>) -> Option<IndexMap<Name, ConstValue>> {
    args.iter()
        .map(|(n, v)| Some((n.clone(), v.clone().into_const_with(|name| vars.get(&name).cloned().ok_or(())).ok()?)))
        .collect()
}

/// The list specs of the relations below `conn`, as their resolvers would make them.
fn rel_specs(
    hub: &Hub,
    req: &Req,
    vars: &HashMap<&Name, ConstValue>,
    conn: &Conn,
    scope: &Scope,
) -> Option<Vec<ListSpec>> {
    let mut specs = Vec::with_capacity(conn.rels.len());
    for rel in &conn.rels {
        let target = rel.conn.ty;
        let args = bind_args(&rel.args, vars)?;
        let mut spec = args::read_spec(
            Obj(&args),
            target,
            &scope.chain,
            scope.stage,
            &hub.content.locales,
            hub.limits.page_size,
            rel.conn.want_total,
        )
        .ok()?;
        spec.columns = rel.conn.columns;
        req.depends_on(format!("T:{}", target.name));
        specs.push(spec);
    }
    Some(specs)
}

/// Reads the relation lists below `conn` for every item of `pages`, a level
/// at a time: one read for all the relation fields of a level, whatever the
/// number of parents.
fn load_rels<'a>(
    hub: &'a Hub,
    req: &'a Req,
    vars: &'a HashMap<&Name, ConstValue>,
    conn: &'a Conn,
    pages: &'a [&'a Page],
    scope: &'a Arc<Scope>,
    loaded: &'a mut Loaded,
) -> futures_util::future::BoxFuture<'a, Option<()>> {
    Box::pin(async move {
        if conn.rels.is_empty() {
            return Some(());
        }
        let mut parents: Vec<String> = Vec::new();
        let mut seen = std::collections::HashSet::new();
        for e in pages.iter().flat_map(|p| &p.edges) {
            if seen.insert(e.item.id.as_str()) {
                parents.push(e.item.id.clone());
            }
        }
        if parents.is_empty() {
            return Some(());
        }
        // One read for the whole level: the store may answer every relation
        // of it in one statement.
        let specs = rel_specs(hub, req, vars, conn, scope)?;
        let reads: Vec<(Source, &ListSpec)> = conn
            .rels
            .iter()
            .zip(&specs)
            .map(|(rel, spec)| (Source::Related { owner: rel.owner, field: rel.field, parents: &parents }, spec))
            .collect();
        let read = req.reader.list_many(scope.stage, &reads).await.ok()?;
        let mut levels = Vec::with_capacity(conn.rels.len());
        for ((rel, spec), mut read) in conn.rels.iter().zip(&specs).zip(read) {
            let mut pages = HashMap::with_capacity(parents.len());
            for p in &parents {
                let mut page = read.remove(&Some(p.clone())).unwrap_or_default();
                if spec.want_total && page.total.is_none() {
                    page.total = Some(0);
                }
                pages.insert(p.clone(), Arc::new(page));
            }
            let below: Vec<Arc<Page>> = pages.values().cloned().collect();
            loaded.rels[rel.id] = pages;
            levels.push((rel, below));
        }
        for (rel, below) in levels {
            let refs: Vec<&Page> = below.iter().map(|p| p.as_ref()).collect();
            load_rels(hub, req, vars, &rel.conn, &refs, scope, loaded).await?;
        }
        Some(())
    })
}

// ---- writing ----

fn write_str(out: &mut Vec<u8>, s: &str) {
    // serde_json's escaping, as the engine's answer is serialised.
    let _ = serde_json::to_writer(&mut *out, s);
}

fn write_key(out: &mut Vec<u8>, k: &Name) {
    // A GraphQL name (`[_A-Za-z][_0-9A-Za-z]*`) needs no escaping.
    out.push(b'"');
    out.extend_from_slice(k.as_bytes());
    out.extend_from_slice(b"\":");
}

fn write_int(out: &mut Vec<u8>, i: i64) {
    use std::io::Write;
    let _ = write!(out, "{i}");
}

fn write_bool(out: &mut Vec<u8>, b: bool) {
    out.extend_from_slice(if b { b"true" } else { b"false" });
}

fn write_opt_str(out: &mut Vec<u8>, s: Option<&str>) {
    match s {
        Some(s) => write_str(out, s),
        None => out.extend_from_slice(b"null"),
    }
}

/// `{"key":value,…}`, one entry per selected field.
fn write_object<S>(out: &mut Vec<u8>, sels: &[(Name, S)], mut each: impl FnMut(&mut Vec<u8>, &S)) {
    out.push(b'{');
    for (i, (k, s)) in sels.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        write_key(out, k);
        each(out, s);
    }
    out.push(b'}');
}

/// `[value,…]`.
fn write_list<T>(out: &mut Vec<u8>, items: &[T], mut each: impl FnMut(&mut Vec<u8>, &T)) {
    out.push(b'[');
    for (i, t) in items.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        each(out, t);
    }
    out.push(b']');
}

fn write_conn(out: &mut Vec<u8>, conn: &Conn, page: &Page, scope: &Arc<Scope>, loaded: &Loaded) {
    write_object(out, &conn.sel, |out, sel| match sel {
        ConnSel::Typename => write_str(out, &format!("{}Connection", conn.ty.name)),
        ConnSel::TotalCount => write_int(out, page.total.unwrap_or(0)),
        ConnSel::PageInfo(sels) => {
            let info = PageInfoVal::of(page);
            write_object(out, sels, |out, s| match s {
                PageSel::Typename => write_str(out, "PageInfo"),
                PageSel::HasNext => write_bool(out, info.has_next),
                PageSel::HasPrev => write_bool(out, info.has_prev),
                PageSel::Start => write_opt_str(out, info.start.as_deref()),
                PageSel::End => write_opt_str(out, info.end.as_deref()),
            })
        }
        ConnSel::Nodes(node) => {
            write_list(out, &page.edges, |out, e| write_node(out, conn, node, &e.item, scope, loaded))
        }
        ConnSel::Edges(sels) => write_list(out, &page.edges, |out, e| {
            write_object(out, sels, |out, s| match s {
                EdgeSel::Typename => write_str(out, &format!("{}Edge", conn.ty.name)),
                EdgeSel::Cursor => write_str(out, &args::encode_cursor(&e.key)),
                EdgeSel::Node(node) => write_node(out, conn, node, &e.item, scope, loaded),
            })
        }),
    })
}

fn write_node(
    out: &mut Vec<u8>,
    conn: &Conn,
    sels: &[(Name, NodeSel)],
    item: &Item,
    scope: &Arc<Scope>,
    loaded: &Loaded,
) {
    write_object(out, sels, |out, sel| match sel {
        NodeSel::Typename => write_str(out, item.ty.name),
        NodeSel::Id => write_str(out, &ids::encode(item.ty.name, &item.id)),
        NodeSel::Slug => write_str(out, &item.slug),
        NodeSel::State => write_str(out, item.state.as_str()),
        NodeSel::Version => write_int(out, item.version),
        NodeSel::CreatedAt => write_str(out, &dv::format_datetime(item.created_at)),
        NodeSel::UpdatedAt => write_str(out, &dv::format_datetime(item.updated_at)),
        NodeSel::PublishedAt => write_opt_str(out, item.published_at.map(dv::format_datetime).as_deref()),
        NodeSel::HasUnpublished => write_bool(
            out,
            item.stage == Stage::Draft && item.published_at.is_some() && item.state != WorkflowState::Published,
        ),
        NodeSel::Value(f) => write_value(out, item.ty.fields[*f].kind, &item.values[*f], scope, &loaded.fault),
        NodeSel::Money(f, sels) => match &item.values[*f] {
            Val::Money(minor, currency) => write_object(out, sels, |out, s| match s {
                MoneySel::Typename => write_str(out, "Money"),
                MoneySel::Amount => write_str(out, &dv::format_money(*minor, currency)),
                MoneySel::Currency => write_str(out, currency),
            }),
            _ => out.extend_from_slice(b"null"),
        },
        NodeSel::Rel(r) => {
            let rel = &conn.rels[*r];
            let empty = Page::default();
            let page = loaded.rels[rel.id].get(&item.id).map(|p| p.as_ref()).unwrap_or(&empty);
            write_conn(out, &rel.conn, page, scope, loaded);
        }
    })
}

/// A plain field's value, as `schema::resolve_item_field` gives it.
fn write_value(out: &mut Vec<u8>, kind: Kind, v: &Val, scope: &Scope, fault: &std::cell::Cell<bool>) {
    match kind {
        Kind::LocalText => match parse_local(v.as_text()) {
            Ok(map) => write_opt_str(out, scope.pick(&map).map(|(_, s)| s)),
            Err(_) => {
                fault.set(true);
                out.extend_from_slice(b"null");
            }
        },
        Kind::DateTime => write_opt_str(out, v.as_int().map(dv::format_datetime).as_deref()),
        Kind::Bool => match v.as_int() {
            Some(b) => write_bool(out, b != 0),
            None => out.extend_from_slice(b"null"),
        },
        Kind::Int => match v.as_int() {
            Some(i) => write_int(out, i),
            None => out.extend_from_slice(b"null"),
        },
        Kind::Float => match v {
            Val::Float(x) => {
                let _ = serde_json::to_writer(&mut *out, &ConstValue::from(*x));
            }
            _ => out.extend_from_slice(b"null"),
        },
        // Text, URL, Date and enum names.
        _ => write_opt_str(out, v.as_text()),
    }
}
