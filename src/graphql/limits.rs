//! Query cost: every field costs 1, and what is selected under a list costs as
//! many times as the list may hold (`first`/`last`, else the default page).
//! Checked after parsing, before anything runs.

use async_graphql::extensions::{Extension, ExtensionContext, ExtensionFactory, NextParseQuery};
use async_graphql::parser::types::{ExecutableDocument, Selection, SelectionSet};
use async_graphql::{ServerError, ServerResult, Value, Variables};
use std::collections::HashSet;
use std::sync::Arc;

pub struct Complexity {
    pub limit: usize,
    pub default_page: usize,
    /// Names of fields that return connections.
    pub lists: Arc<HashSet<&'static str>>,
}

impl ExtensionFactory for Complexity {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(ComplexityExt { limit: self.limit, default_page: self.default_page, lists: self.lists.clone() })
    }
}

struct ComplexityExt {
    limit: usize,
    default_page: usize,
    lists: Arc<HashSet<&'static str>>,
}

#[async_trait::async_trait]
impl Extension for ComplexityExt {
    async fn parse_query(
        &self,
        ctx: &ExtensionContext<'_>,
        query: &str,
        variables: &Variables,
        next: NextParseQuery<'_>,
    ) -> ServerResult<ExecutableDocument> {
        let doc = next.run(ctx, query, variables).await?;
        for (_, op) in doc.operations.iter() {
            let cost = self.cost(&doc, &op.node.selection_set.node, variables, 0);
            if cost > self.limit {
                let mut e = ServerError::new(
                    format!(
                        "This query would cost about {cost} units, over the limit of {}: ask for smaller pages (first/last) or fewer nested lists.",
                        self.limit
                    ),
                    None,
                );
                let mut ext = async_graphql::ErrorExtensionValues::default();
                ext.set("code", "QUERY_TOO_COMPLEX");
                e.extensions = Some(ext);
                return Err(e);
            }
        }
        Ok(doc)
    }
}

impl ComplexityExt {
    fn cost(&self, doc: &ExecutableDocument, set: &SelectionSet, vars: &Variables, depth: usize) -> usize {
        if depth > 64 {
            return usize::MAX / 4;
        }
        let mut total: usize = 0;
        for sel in &set.items {
            let c =
                match &sel.node {
                    Selection::Field(f) => {
                        let f = &f.node;
                        let inner = self.cost(doc, &f.selection_set.node, vars, depth + 1);
                        let size =
                            f.arguments.iter().find(|(n, _)| n.node == "first" || n.node == "last").and_then(
                                |(_, v)| match v.node.clone().into_const_with(|name| {
                                    Ok::<_, ()>(vars.get(&name).cloned().unwrap_or(Value::Null))
                                }) {
                                    Ok(Value::Number(n)) => n.as_u64().map(|n| n as usize),
                                    _ => None,
                                },
                            );
                        let mult = match size {
                            Some(n) => n.max(1),
                            None if self.lists.contains(f.name.node.as_str()) => self.default_page,
                            None => 1,
                        };
                        1usize.saturating_add(inner.saturating_mul(mult))
                    }
                    Selection::FragmentSpread(s) => doc
                        .fragments
                        .get(&s.node.fragment_name.node)
                        .map_or(0, |frag| self.cost(doc, &frag.node.selection_set.node, vars, depth + 1)),
                    Selection::InlineFragment(i) => self.cost(doc, &i.node.selection_set.node, vars, depth + 1),
                };
            total = total.saturating_add(c);
        }
        total
    }
}
