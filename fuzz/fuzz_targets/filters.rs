//! List filters and ordering through the real request path. The input is
//! shaped into `{ projects(filter: …, orderBy: …) { totalCount nodes { … } } }`
//! (events too, and now and then another list), three ways:
//!
//! - a filter built from the input by the schema's own input types (read once
//!   by introspection), sent as variables;
//! - the same, written inline as a GraphQL literal;
//! - the input's text pasted as the filter (and order) argument as it is.
//!
//! Values come from pools of edge cases (dates, numbers, ids of the demo
//! content, LIKE wildcards, quotes) and from the input's own strings. When a
//! page has a next cursor, the next page is asked for too.
#![no_main]

mod common;

use libfuzzer_sys::arbitrary::{Result, Unstructured};
use libfuzzer_sys::fuzz_target;
use serde_json::{Map, Value, json};
use std::collections::HashMap;
use std::sync::OnceLock;

#[derive(Debug, Clone)]
enum TRef {
    Named(String),
    NonNull(Box<TRef>),
    List(Box<TRef>),
}

impl TRef {
    fn from_json(t: &Value) -> TRef {
        match t["kind"].as_str() {
            Some("NON_NULL") => TRef::NonNull(Box::new(TRef::from_json(&t["ofType"]))),
            Some("LIST") => TRef::List(Box::new(TRef::from_json(&t["ofType"]))),
            _ => TRef::Named(t["name"].as_str().unwrap_or("String").to_owned()),
        }
    }
    fn named(&self) -> &str {
        match self {
            TRef::Named(n) => n,
            TRef::NonNull(t) | TRef::List(t) => t.named(),
        }
    }
}

/// A root list field that takes a filter.
struct ListField {
    name: String,
    filter: String,
    order: Option<String>,
}

struct Model {
    inputs: HashMap<String, Vec<(String, TRef)>>,
    enums: HashMap<String, Vec<String>>,
    lists: Vec<ListField>,
    /// Global ids of the demo content, and other ids seen.
    ids: Vec<String>,
}

const INTROSPECTION: &str = r#"{ __schema {
  queryType { fields { name args { name type { ...T } } } }
  types { kind name inputFields { name type { ...T } } enumValues { name } }
} }
fragment T on __Type { kind name ofType { kind name ofType { kind name ofType { kind name } } } }"#;

fn model() -> &'static Model {
    static MODEL: OnceLock<Model> = OnceLock::new();
    MODEL.get_or_init(|| {
        let env = common::env();
        let a = env.graphql(json!({ "query": INTROSPECTION }), None);
        let schema = &a.body["data"]["__schema"];
        assert!(schema.is_object(), "introspection failed: {}", a.body);
        let mut m = Model { inputs: HashMap::new(), enums: HashMap::new(), lists: Vec::new(), ids: Vec::new() };
        for t in schema["types"].as_array().expect("types") {
            let name = t["name"].as_str().unwrap_or_default().to_owned();
            match t["kind"].as_str() {
                Some("INPUT_OBJECT") => {
                    let fields = t["inputFields"]
                        .as_array()
                        .into_iter()
                        .flatten()
                        .map(|f| (f["name"].as_str().unwrap_or_default().to_owned(), TRef::from_json(&f["type"])))
                        .collect();
                    m.inputs.insert(name, fields);
                }
                Some("ENUM") => {
                    let values = t["enumValues"]
                        .as_array()
                        .into_iter()
                        .flatten()
                        .filter_map(|v| v["name"].as_str().map(str::to_owned))
                        .collect();
                    m.enums.insert(name, values);
                }
                _ => {}
            }
        }
        for f in schema["queryType"]["fields"].as_array().expect("query fields") {
            let args = f["args"].as_array().cloned().unwrap_or_default();
            let arg = |n: &str| args.iter().find(|a| a["name"] == n).map(|a| TRef::from_json(&a["type"]));
            if let Some(filter) = arg("filter") {
                m.lists.push(ListField {
                    name: f["name"].as_str().unwrap_or_default().to_owned(),
                    filter: filter.named().to_owned(),
                    order: arg("orderBy").map(|o| o.named().to_owned()),
                });
            }
        }
        // projects and events first: they get most of the inputs.
        m.lists.sort_by_key(|l| match l.name.as_str() {
            "projects" => 0,
            "events" => 1,
            _ => 2,
        });
        assert!(m.lists.len() >= 2 && m.lists[0].name == "projects" && m.lists[1].name == "events");
        // Ids of the content (items and what they link to), from every list.
        for l in &m.lists {
            let a = env.graphql(json!({ "query": format!("{{ {}(first: 5) {{ nodes {{ id }} }} }}", l.name) }), None);
            for n in a.body["data"][&l.name]["nodes"].as_array().into_iter().flatten() {
                if let Some(id) = n["id"].as_str() {
                    m.ids.push(id.to_owned());
                }
            }
        }
        m
    })
}

/// A value written both as JSON (variables) and as a GraphQL literal.
enum Val {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
    Enum(String),
    List(Vec<Val>),
    Obj(Vec<(String, Val)>),
}

impl Val {
    fn json(&self) -> Value {
        match self {
            Val::Null => Value::Null,
            Val::Bool(b) => json!(b),
            Val::Int(i) => json!(i),
            Val::Float(f) => serde_json::Number::from_f64(*f).map_or(Value::Null, Value::Number),
            Val::Str(s) | Val::Enum(s) => json!(s),
            Val::List(l) => Value::Array(l.iter().map(Val::json).collect()),
            Val::Obj(o) => Value::Object(o.iter().map(|(k, v)| (k.clone(), v.json())).collect::<Map<_, _>>()),
        }
    }
    fn gql(&self, out: &mut String) {
        match self {
            Val::Null => out.push_str("null"),
            Val::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
            Val::Int(i) => out.push_str(&i.to_string()),
            Val::Float(f) if f.is_finite() => out.push_str(&format!("{f:e}")),
            Val::Float(_) => out.push_str("null"),
            Val::Str(s) => out.push_str(&serde_json::to_string(s).expect("a string")),
            Val::Enum(e) => out.push_str(e),
            Val::List(l) => {
                out.push('[');
                for (i, v) in l.iter().enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    v.gql(out);
                }
                out.push(']');
            }
            Val::Obj(o) => {
                out.push('{');
                for (i, (k, v)) in o.iter().enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    out.push_str(k);
                    out.push_str(": ");
                    v.gql(out);
                }
                out.push('}');
            }
        }
    }
}

const STRINGS: &[&str] = &[
    "", " ", "a", "e", "%", "_", "%%", "\\", "\\%", "'", "''", "\"", "`", ";--", "' OR 1=1 --", "*", "?", "[a-z]",
    "é", "É", "Ä", "ß", "İ", "ﬁ", "e\u{301}", "\u{0}", "\u{200b}", "🙂", "مشروع", "développement", "DÉVELOPPEMENT",
    "migration", "Maroc", "atelier", "2018", "null", "NULL", "true", "0", "-1", "1e309", "fr", "en", "ar", "de-CH",
];
const DATETIMES: &[&str] = &[
    "2020-01-01T00:00:00Z",
    "2018-06-15T12:30:00+02:00",
    "2020-01-01T00:00:00.123456789Z",
    "1970-01-01T00:00:00Z",
    "0000-01-01T00:00:00Z",
    "9999-12-31T23:59:59Z",
    "+275760-09-13T00:00:00Z",
    "-000001-01-01T00:00:00Z",
    "2020-02-30T00:00:00Z",
    "2020-01-01T24:00:00Z",
    "2020-01-01T00:00:60Z",
    "2020-01-01T00:00:00+14:00",
    "2020-01-01T00:00:00-23:59",
    "2020-01-01 00:00:00",
    "2020-01-01",
    "2020-01-01T00:00:00",
    "",
];
const DATES: &[&str] = &[
    "2020-01-01",
    "2020-02-29",
    "2021-02-29",
    "2018-13-01",
    "0000-01-01",
    "9999-12-31",
    "+10000-01-01",
    "-0001-01-01",
    "2020-1-1",
    "20200101",
    "2020-01-01T00:00:00Z",
    "",
];
const INTS: &[i64] = &[
    0,
    1,
    -1,
    2,
    12,
    100,
    101,
    1000,
    i32::MAX as i64,
    i32::MIN as i64,
    i32::MAX as i64 + 1,
    i32::MIN as i64 - 1,
    i64::MAX,
    i64::MIN,
];
const FLOATS: &[f64] = &[0.0, -0.0, 0.5, -1.5, 1e-300, 1e300, f64::MAX, f64::MIN_POSITIVE, 250000.0, 1e15];

fn text(u: &mut Unstructured) -> Result<String> {
    Ok(if u.ratio(1, 3)? { u.arbitrary::<&str>()?.to_owned() } else { u.choose(STRINGS)?.to_string() })
}

fn scalar(u: &mut Unstructured, name: &str, m: &Model) -> Result<Val> {
    // Now and then a value of another kind: the schema must refuse it cleanly.
    if u.ratio(1, 24)? {
        return Ok(match u.int_in_range(0..=3)? {
            0 => Val::Int(*u.choose(INTS)?),
            1 => Val::Bool(u.arbitrary()?),
            2 => Val::Float(*u.choose(FLOATS)?),
            _ => Val::Str(text(u)?),
        });
    }
    Ok(match name {
        "Boolean" => Val::Bool(u.arbitrary()?),
        "Int" => Val::Int(if u.ratio(1, 4)? { u.arbitrary::<i32>()? as i64 } else { *u.choose(INTS)? }),
        "Float" => Val::Float(if u.ratio(1, 4)? { u.arbitrary::<f64>()? } else { *u.choose(FLOATS)? }),
        "ID" => Val::Str(match u.int_in_range(0..=3)? {
            0 | 1 if !m.ids.is_empty() => u.choose(&m.ids)?.clone(),
            2 => {
                // A well-formed id of some type, or of nothing.
                let ty = u.choose(&["Project", "Event", "MediaAsset", "Nope", ""])?;
                let id = if u.arbitrary()? { "01890f2e-0000-7000-8000-000000000000".to_owned() } else { text(u)? };
                base64url(format!("{ty}:{id}").as_bytes())
            }
            _ => text(u)?,
        }),
        "DateTime" => Val::Str(if u.ratio(1, 5)? { text(u)? } else { u.choose(DATETIMES)?.to_string() }),
        "Date" => Val::Str(if u.ratio(1, 5)? { text(u)? } else { u.choose(DATES)?.to_string() }),
        _ => Val::Str(text(u)?),
    })
}

fn base64url(b: &[u8]) -> String {
    const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut out = String::new();
    for c in b.chunks(3) {
        let n = (c[0] as u32) << 16 | (*c.get(1).unwrap_or(&0) as u32) << 8 | *c.get(2).unwrap_or(&0) as u32;
        for i in 0..=c.len() {
            out.push(A[(n >> (18 - 6 * i) & 63) as usize] as char);
        }
    }
    out
}

fn value(u: &mut Unstructured, t: &TRef, m: &Model, depth: usize) -> Result<Val> {
    match t {
        TRef::NonNull(inner) => {
            if u.ratio(1, 64)? {
                Ok(Val::Null)
            } else {
                value(u, inner, m, depth)
            }
        }
        TRef::List(inner) => {
            let n = u.int_in_range(0..=if depth > 3 { 1 } else { 3 })?;
            (0..n).map(|_| value(u, inner, m, depth + 1)).collect::<Result<_>>().map(Val::List)
        }
        TRef::Named(name) => {
            if let Some(fields) = m.inputs.get(name) {
                object(u, name, fields, m, depth)
            } else if let Some(values) = m.enums.get(name) {
                if u.ratio(1, 32)? || values.is_empty() {
                    Ok(Val::Enum(if u.arbitrary()? { "NOT_A_VALUE".into() } else { "null".into() }))
                } else {
                    Ok(Val::Enum(u.choose(values)?.clone()))
                }
            } else {
                scalar(u, name, m)
            }
        }
    }
}

fn object(u: &mut Unstructured, _name: &str, fields: &[(String, TRef)], m: &Model, depth: usize) -> Result<Val> {
    let mut out = Vec::new();
    let n = u.int_in_range(if depth == 0 { 1 } else { 0 }..=3)?;
    for _ in 0..n {
        if fields.is_empty() {
            break;
        }
        let (k, t) = u.choose(fields)?;
        // Combinators (and, or, not) nest; deep down only leaves are picked.
        let nested = m.inputs.contains_key(t.named()) && matches!(k.as_str(), "and" | "or" | "not");
        if nested && depth >= 5 {
            continue;
        }
        if u.ratio(1, 40)? {
            // A field that does not exist, or the same field twice.
            let k = if u.arbitrary()? { "noSuchField".to_owned() } else { k.clone() };
            out.push((k, Val::Null));
        }
        let v = value(u, t, m, depth + 1)?;
        out.push((k.clone(), v));
    }
    Ok(Val::Obj(out))
}

fn selection(list: &str) -> &'static str {
    match list {
        "projects" | "events" => "totalCount nodes { id slug } pageInfo { hasNextPage endCursor startCursor }",
        _ => "totalCount nodes { id } pageInfo { hasNextPage endCursor startCursor }",
    }
}

fn pick_list<'a>(u: &mut Unstructured, m: &'a Model) -> Result<&'a ListField> {
    Ok(match u.int_in_range(0..=9)? {
        0..=3 => &m.lists[0],
        4..=7 => &m.lists[1],
        _ => u.choose(&m.lists)?,
    })
}

fn run(u: &mut Unstructured) -> Result<()> {
    let env = common::env();
    let m = model();
    let list = pick_list(u, m)?;
    let mode = u.int_in_range(0..=3)?;
    let token = if u.ratio(1, 4)? { Some(env.editor.as_str()) } else { None };
    if mode == 3 {
        // The input's text pasted as the arguments, as it is.
        let rest = u.bytes(u.len())?;
        let s = String::from_utf8_lossy(rest);
        let (filter, order) = s.split_once('\u{1}').map_or((&*s, None), |(f, o)| (f, Some(o)));
        let order = order.map(|o| format!(", orderBy: {o}")).unwrap_or_default();
        let q = format!("{{ {}(filter: {filter}{order}) {{ {} }} }}", list.name, selection(&list.name));
        env.graphql(json!({ "query": q }), token);
        return Ok(());
    }
    let filter = value(u, &TRef::Named(list.filter.clone()), m, 0)?;
    let order = match &list.order {
        Some(o) if u.arbitrary()? => Some(value(u, &TRef::List(Box::new(TRef::Named(o.clone()))), m, 1)?),
        _ => None,
    };
    let mut window: Vec<(&str, &str, Val)> = Vec::new();
    for (arg, ty) in [("first", "Int"), ("last", "Int"), ("after", "String"), ("before", "String")] {
        if u.ratio(1, 5)? {
            let v = if ty == "Int" { Val::Int(*u.choose(INTS)?) } else { Val::Str(text(u)?) };
            window.push((arg, ty, v));
        }
    }
    let locale = if u.ratio(1, 4)? { Some(Val::Str(text(u)?)) } else { None };
    let preview = u.ratio(1, 6)?;
    let sel = selection(&list.name);
    let order_ty = list.order.clone().unwrap_or_else(|| "String".into());
    let (q, vars) = if mode == 0 {
        // Variables.
        let mut decl = vec![format!("$f: {}", list.filter)];
        let mut args = vec!["filter: $f".to_owned()];
        let mut vars = Map::new();
        vars.insert("f".into(), filter.json());
        if let Some(o) = &order {
            decl.push(format!("$o: [{order_ty}!]"));
            args.push("orderBy: $o".into());
            vars.insert("o".into(), o.json());
        }
        for (arg, ty, v) in &window {
            decl.push(format!("${arg}: {ty}"));
            args.push(format!("{arg}: ${arg}"));
            vars.insert((*arg).into(), v.json());
        }
        if let Some(l) = &locale {
            decl.push("$locale: String".into());
            args.push("locale: $locale".into());
            vars.insert("locale".into(), l.json());
        }
        if preview {
            args.push("preview: true".into());
        }
        let q = format!("query({}) {{ list: {}({}) {{ {sel} }} }}", decl.join(", "), list.name, args.join(", "));
        (q, Value::Object(vars))
    } else {
        // Inline literals.
        let mut args = String::new();
        args.push_str("filter: ");
        filter.gql(&mut args);
        if let Some(o) = &order {
            args.push_str(", orderBy: ");
            o.gql(&mut args);
        }
        for (arg, _, v) in &window {
            args.push_str(&format!(", {arg}: "));
            v.gql(&mut args);
        }
        if let Some(l) = &locale {
            args.push_str(", locale: ");
            l.gql(&mut args);
        }
        if preview {
            args.push_str(", preview: true");
        }
        (format!("{{ list: {}({args}) {{ {sel} }} }}", list.name), Value::Null)
    };
    let a = env.graphql(json!({ "query": q, "variables": vars }), token);
    // The next page (or the one before), with the same filter and order.
    let page = &a.body["data"]["list"]["pageInfo"];
    if let (Some(end), Some(start)) = (page["endCursor"].as_str(), page["startCursor"].as_str())
        && mode == 0
        && u.arbitrary()?
    {
        let mut vars = vars;
        let (arg, cursor) = if u.arbitrary()? { ("after", end) } else { ("before", start) };
        if let Value::Object(v) = &mut vars {
            v.insert(arg.into(), json!(cursor));
            v.insert("n".into(), json!(u.int_in_range(1..=3)?));
        }
        let (count, other) = if arg == "after" { ("first", "before") } else { ("last", "after") };
        let q = q
            .replace(&format!(", {arg}: ${arg}"), "")
            .replace(&format!(", ${arg}: String"), "")
            .replace(&format!(", {count}: ${count}"), "")
            .replace(&format!(", ${count}: Int"), "")
            .replace(&format!(", {other}: ${other}"), "")
            .replace(&format!(", ${other}: String"), "")
            .replacen("$f: ", &format!("${arg}: String, $n: Int, $f: "), 1)
            .replacen("filter: $f", &format!("{arg}: ${arg}, {count}: $n, filter: $f"), 1);
        if let Value::Object(v) = &mut vars {
            v.remove(other);
            v.remove(count);
        }
        env.graphql(json!({ "query": q, "variables": vars }), token);
    }
    Ok(())
}

fuzz_target!(|data: &[u8]| {
    let mut u = Unstructured::new(data);
    let _ = run(&mut u);
});
