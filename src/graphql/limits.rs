//! Limits on a GraphQL document, checked once after parsing and before the
//! engine validates or runs anything: cost (every field costs 1, and what is
//! selected under a list costs as many times as the list may hold), depth,
//! aliases, root mutation fields, and password checks per request.
//!
//! Each fragment is measured once and remembered, so the check is linear in the
//! size of the document however often its fragments are spread (a fragment
//! "bomb" that doubles at every level is refused as fast as any other
//! document), and it stops at the first limit passed.

use crate::error::{Code, Error};
use async_graphql::parser::types::{ExecutableDocument, OperationType, Selection, SelectionSet};
use async_graphql::{Value, Variables};
use std::collections::{HashMap, HashSet};
use std::sync::Arc;

/// Mutations that check or set a password (argon2: costly on purpose), at most
/// one per request, so a request cannot try many passwords at once.
pub const PASSWORD_FIELDS: &[&str] = &["login", "acceptInvitation", "changePassword"];

/// How deep fields, fragments and inline fragments may nest in the source:
/// bounds the recursion of this check and of the engine's own walks.
const MAX_NESTING: usize = 128;

#[derive(Debug, Clone)]
pub struct DocLimits {
    pub cost: usize,
    pub depth: usize,
    /// Aliased fields per request, fragments counted at every spread.
    pub aliases: usize,
    /// Root fields of a mutation.
    pub root_mutations: usize,
    /// Page size assumed for a list without `first`/`last`.
    pub default_page: usize,
    /// Names of fields that return connections.
    pub lists: Arc<HashSet<&'static str>>,
}

impl DocLimits {
    /// The limits every document is checked against before it runs, with
    /// the model's list fields.
    pub fn for_model(limits: &crate::app::Limits) -> DocLimits {
        use crate::model::{CONTENT_TYPES, Kind};
        let lists: HashSet<&'static str> = CONTENT_TYPES
            .iter()
            .flat_map(|t| {
                [t.plural, "search"].into_iter().chain(
                    t.fields
                        .iter()
                        .filter(|f| matches!(f.kind, Kind::Refs { .. } | Kind::Reverse { .. }))
                        .map(|f| f.name),
                )
            })
            .collect();
        DocLimits {
            cost: limits.complexity,
            depth: limits.depth,
            aliases: limits.aliases,
            root_mutations: limits.root_mutations,
            default_page: 20,
            lists: Arc::new(lists),
        }
    }
}

/// What a selection set adds up to, wherever it is spread.
#[derive(Debug, Clone, Copy, Default)]
struct Measure {
    cost: usize,
    depth: usize,
    aliases: usize,
    /// Fields at this level (through fragments), and those that check passwords.
    top_fields: usize,
    top_passwords: usize,
}

impl Measure {
    fn add(&mut self, o: Measure) {
        self.cost = self.cost.saturating_add(o.cost);
        self.depth = self.depth.max(o.depth);
        self.aliases = self.aliases.saturating_add(o.aliases);
        self.top_fields = self.top_fields.saturating_add(o.top_fields);
        self.top_passwords = self.top_passwords.saturating_add(o.top_passwords);
    }
}

fn too_complex(message: String) -> Error {
    Error::new(Code::QueryTooComplex, message)
}

struct Walk<'a> {
    limits: &'a DocLimits,
    doc: &'a ExecutableDocument,
    vars: &'a Variables,
    /// Fragments measured so far; `None` while one is being measured (a cycle).
    memo: HashMap<&'a str, Option<Measure>>,
}

impl<'a> Walk<'a> {
    /// Stops as soon as the part measured so far is over a limit: a part never
    /// weighs less where it is used than on its own.
    fn over(&self, m: &Measure) -> Result<(), Error> {
        let l = self.limits;
        if m.cost > l.cost {
            return Err(too_complex(format!(
                "This query would cost more than the limit of {} units: ask for smaller pages (first/last) or fewer nested lists.",
                l.cost
            )));
        }
        if m.depth > l.depth {
            return Err(too_complex(format!("This query is nested deeper than the limit of {} levels.", l.depth)));
        }
        if m.aliases > l.aliases {
            return Err(too_complex(format!(
                "This query has more than {} aliased fields; split it into several requests.",
                l.aliases
            )));
        }
        Ok(())
    }

    fn set(&mut self, set: &'a SelectionSet, nesting: usize) -> Result<Measure, Error> {
        if nesting > MAX_NESTING {
            return Err(too_complex(format!(
                "This query nests fields and fragments more than {MAX_NESTING} levels deep."
            )));
        }
        let mut total = Measure::default();
        for sel in &set.items {
            let m = match &sel.node {
                Selection::Field(f) => {
                    let f = &f.node;
                    let inner = self.set(&f.selection_set.node, nesting + 1)?;
                    let mult = match self.page_size(f) {
                        Some(n) => n.max(1),
                        None if self.limits.lists.contains(f.name.node.as_str()) => self.limits.default_page,
                        None => 1,
                    };
                    let name = f.name.node.as_str();
                    Measure {
                        cost: 1usize.saturating_add(inner.cost.saturating_mul(mult)),
                        depth: inner.depth + 1,
                        aliases: inner.aliases.saturating_add(usize::from(f.alias.is_some())),
                        top_fields: 1,
                        top_passwords: usize::from(PASSWORD_FIELDS.contains(&name)),
                    }
                }
                Selection::FragmentSpread(s) => self.fragment(s.node.fragment_name.node.as_str(), nesting + 1)?,
                Selection::InlineFragment(i) => self.set(&i.node.selection_set.node, nesting + 1)?,
            };
            total.add(m);
            self.over(&total)?;
        }
        Ok(total)
    }

    fn fragment(&mut self, name: &'a str, nesting: usize) -> Result<Measure, Error> {
        match self.memo.get(name) {
            Some(Some(m)) => return Ok(*m),
            Some(None) => return Err(Error::bad_input(format!("Fragment \"{name}\" spreads itself."))),
            None => {}
        }
        // An unknown fragment is the engine's to report.
        let Some(def) = self.doc.fragments.get(name) else { return Ok(Measure::default()) };
        self.memo.insert(name, None);
        let m = self.set(&def.node.selection_set.node, nesting)?;
        self.memo.insert(name, Some(m));
        Ok(m)
    }

    /// `first`/`last` of a field, literal or from a variable.
    fn page_size(&self, f: &async_graphql::parser::types::Field) -> Option<usize> {
        let (_, v) = f.arguments.iter().find(|(n, _)| n.node == "first" || n.node == "last")?;
        match &v.node {
            async_graphql_value::Value::Number(n) => n.as_u64().map(|n| n as usize),
            async_graphql_value::Value::Variable(name) => match self.vars.get(name) {
                Some(Value::Number(n)) => n.as_u64().map(|n| n as usize),
                _ => None,
            },
            _ => None,
        }
    }
}

impl DocLimits {
    /// Checks every operation of the document (the engine validates them all).
    pub fn check(&self, doc: &ExecutableDocument, vars: &Variables) -> Result<(), Error> {
        let mut walk = Walk { limits: self, doc, vars, memo: HashMap::new() };
        for (_, op) in doc.operations.iter() {
            let m = walk.set(&op.node.selection_set.node, 0)?;
            if op.node.ty == OperationType::Mutation {
                if m.top_fields > self.root_mutations {
                    return Err(too_complex(format!(
                        "A request may hold at most {} mutations; send the rest in another request.",
                        self.root_mutations
                    )));
                }
                if m.top_passwords > 1 {
                    return Err(Error::bad_input(format!(
                        "A request may check one password at most ({}): send one at a time.",
                        PASSWORD_FIELDS.join(", ")
                    )));
                }
            }
        }
        Ok(())
    }
}

/// Refuses text nested deeper than the parser could follow (brackets, braces
/// and parentheses outside strings and comments), before the parser recurses
/// into it.
pub fn check_nesting(text: &str) -> Result<(), Error> {
    let b = text.as_bytes();
    let (mut i, mut depth) = (0usize, 0usize);
    while i < b.len() {
        match b[i] {
            b'#' => {
                while i < b.len() && b[i] != b'\n' {
                    i += 1;
                }
            }
            b'"' if b[i..].starts_with(b"\"\"\"") => {
                i += 3;
                while i < b.len() && !b[i..].starts_with(b"\"\"\"") {
                    i += if b[i] == b'\\' { 2 } else { 1 };
                }
                i += 2;
            }
            b'"' => {
                i += 1;
                while i < b.len() && b[i] != b'"' && b[i] != b'\n' {
                    i += if b[i] == b'\\' { 2 } else { 1 };
                }
            }
            b'{' | b'[' | b'(' => {
                depth += 1;
                if depth > MAX_NESTING {
                    return Err(too_complex(format!("This query nests brackets more than {MAX_NESTING} levels deep.")));
                }
            }
            b'}' | b']' | b')' => depth = depth.saturating_sub(1),
            _ => {}
        }
        i += 1;
    }
    Ok(())
}

/// The schema behind the document limits: parses once, checks, and hands the
/// parsed document to the engine. WebSocket subscriptions go through it; the
/// HTTP endpoint calls [`Guarded::prepare`] itself.
#[derive(Clone)]
pub struct Guarded {
    pub schema: async_graphql::dynamic::Schema,
    pub limits: Arc<DocLimits>,
}

impl Guarded {
    /// Parses the request's document and checks it against the limits.
    pub fn prepare(&self, request: &mut async_graphql::Request) -> Result<(), async_graphql::ServerError> {
        check_nesting(&request.query).map_err(coded)?;
        let doc = async_graphql::parser::parse_query(&request.query).map_err(|e| match e {
            async_graphql::parser::Error::RecursionLimitExceeded => {
                coded(too_complex("This query is nested too deep to read.".into()))
            }
            e => async_graphql::ServerError::from(e),
        })?;
        self.check(&doc, &request.variables)?;
        request.set_parsed_query(doc);
        Ok(())
    }

    /// The limits on a parsed document (a compiled plan's keeps its own),
    /// with this request's variables.
    pub fn check(
        &self,
        doc: &async_graphql::parser::types::ExecutableDocument,
        variables: &async_graphql::Variables,
    ) -> Result<(), async_graphql::ServerError> {
        self.limits.check(doc, variables).map_err(coded)
    }
}

/// Our error as a request error the engine reports, with its code.
fn coded(e: Error) -> async_graphql::ServerError {
    let mut s = async_graphql::ServerError::new(e.message, None);
    let mut ext = async_graphql::ErrorExtensionValues::default();
    ext.set("code", e.code.as_str());
    s.extensions = Some(ext);
    s
}

impl async_graphql::Executor for Guarded {
    async fn execute(&self, mut request: async_graphql::Request) -> async_graphql::Response {
        match self.prepare(&mut request) {
            Ok(()) => self.schema.execute(request).await,
            Err(e) => async_graphql::Response::from_errors(vec![e]),
        }
    }

    fn execute_stream(
        &self,
        mut request: async_graphql::Request,
        session_data: Option<Arc<async_graphql::Data>>,
    ) -> futures_util::stream::BoxStream<'static, async_graphql::Response> {
        use futures_util::StreamExt;
        match self.prepare(&mut request) {
            Ok(()) => self.schema.execute_stream_with_session_data(request, session_data.unwrap_or_default()),
            Err(e) => futures_util::stream::once(async move { async_graphql::Response::from_errors(vec![e]) }).boxed(),
        }
    }
}
