//! Answers in the order the query asked. async-graphql resolves sibling
//! fields concurrently and writes each into its object as it completes, so
//! keys can come back out of the selection's order; the spec (CollectFields,
//! an ordered map) and normalising clients expect selection order. This puts
//! every object of an answer back into it: fragments and inline fragments
//! count where they are spread, and a key selected twice keeps its first place.

use async_graphql::Value;
use async_graphql::parser::types::{ExecutableDocument, Selection, SelectionSet};

/// Deeper than any document the limits let through (nesting 128).
const MAX_DEPTH: usize = 256;

/// Reorders `data` for the operation `name` (or the only one) of `doc`.
pub fn reorder(doc: &ExecutableDocument, name: Option<&str>, data: &mut Value) {
    let op = doc.operations.iter().find(|(n, _)| name.is_none() || n.map(|n| n.as_str()) == name);
    if let Some((_, op)) = op {
        apply(doc, &[&op.node.selection_set.node], data, 0);
    }
}

/// The response keys of `sets`, in order, each with the selection sets of its
/// fields (one per place it is selected).
fn keys<'a>(
    doc: &'a ExecutableDocument,
    sets: &[&'a SelectionSet],
    depth: usize,
) -> Vec<(&'a str, Vec<&'a SelectionSet>)> {
    let mut out: Vec<(&'a str, Vec<&'a SelectionSet>)> = Vec::new();
    for set in sets {
        collect(doc, set, &mut out, depth);
    }
    out
}

fn collect<'a>(
    doc: &'a ExecutableDocument,
    set: &'a SelectionSet,
    out: &mut Vec<(&'a str, Vec<&'a SelectionSet>)>,
    depth: usize,
) {
    if depth > MAX_DEPTH {
        return;
    }
    for sel in &set.items {
        match &sel.node {
            Selection::Field(f) => {
                let key = f.node.response_key().node.as_str();
                let sub = &f.node.selection_set.node;
                match out.iter_mut().find(|(k, _)| *k == key) {
                    Some((_, subs)) => subs.push(sub),
                    None => out.push((key, vec![sub])),
                }
            }
            Selection::InlineFragment(i) => collect(doc, &i.node.selection_set.node, out, depth + 1),
            Selection::FragmentSpread(s) => {
                if let Some(frag) = doc.fragments.get(&s.node.fragment_name.node) {
                    collect(doc, &frag.node.selection_set.node, out, depth + 1);
                }
            }
        }
    }
}

fn apply(doc: &ExecutableDocument, sets: &[&SelectionSet], value: &mut Value, depth: usize) {
    if depth > MAX_DEPTH {
        return;
    }
    match value {
        Value::List(items) => {
            for v in items {
                apply(doc, sets, v, depth + 1);
            }
        }
        Value::Object(map) => {
            let order = keys(doc, sets, depth);
            let in_order =
                order.iter().filter(|(k, _)| map.contains_key(*k)).map(|(k, _)| *k).eq(map.keys().map(|k| k.as_str()));
            if !in_order {
                let mut old = std::mem::take(map);
                for (k, _) in &order {
                    if let Some((name, v)) = old.shift_remove_entry(*k) {
                        map.insert(name, v);
                    }
                }
                // Anything the selection does not name (none expected) stays, after.
                map.extend(old);
            }
            for (k, subs) in &order {
                if let Some(v) = map.get_mut(*k)
                    && !subs.iter().all(|s| s.items.is_empty())
                {
                    apply(doc, subs, v, depth + 1);
                }
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(query: &str, answer: serde_json::Value, want: &str) {
        let doc = async_graphql::parser::parse_query(query).unwrap();
        let mut v = Value::from_json(answer).unwrap();
        reorder(&doc, None, &mut v);
        assert_eq!(serde_json::to_string(&v).unwrap(), want);
    }

    #[test]
    fn objects_follow_the_selection_at_every_level_through_fragments() {
        check(
            "{ b a: x { z y } ...F ... on Query { c } } fragment F on Query { d b }",
            serde_json::json!({ "d": 4, "c": 3, "a": [{ "y": 1, "z": 2 }, { "y": 3, "z": 4 }], "b": 2 }),
            r#"{"b":2,"a":[{"z":2,"y":1},{"z":4,"y":3}],"d":4,"c":3}"#,
        );
    }

    #[test]
    fn a_key_selected_in_several_places_merges_its_selections() {
        check(
            "{ n { a } ... on Query { n { c b } } }",
            serde_json::json!({ "n": { "b": 1, "c": 2, "a": 3 } }),
            r#"{"n":{"a":3,"c":2,"b":1}}"#,
        );
    }
}
