//! The module map of the README, checked against the code: each top-level
//! module of `src/` names only modules of a lower layer (so there is no
//! import cycle between them), and nothing above the domain reaches into the
//! store's connection.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// Layers, lowest first; a module may use the modules of lower layers only.
const LAYERS: &[&[&str]] = &[
    &["error", "html", "metrics", "model", "secret", "shutdown", "clock"],
    &["search", "feeds"],
    &["store", "media"],
    &["domain"],
    &["app"],
    &["graphql"],
    &["http"],
    &["startup"],
    &["cli"],
    &["main"],
];

fn layer(module: &str) -> usize {
    LAYERS.iter().position(|l| l.contains(&module)).unwrap_or_else(|| panic!("module {module} is not on the map"))
}

/// The text of a file without its `#[cfg(test)]` module (unit tests may
/// reach anywhere).
fn code(path: &Path) -> String {
    let text = std::fs::read_to_string(path).unwrap();
    match text.find("#[cfg(test)]\nmod tests") {
        Some(i) => text[..i].to_owned(),
        None => text,
    }
}

fn rust_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// Each top-level module's files.
fn modules() -> BTreeMap<String, Vec<std::path::PathBuf>> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let mut by = BTreeMap::<String, Vec<_>>::new();
    for f in files {
        let rel = f.strip_prefix(&src).unwrap();
        let first = rel.components().next().unwrap().as_os_str().to_string_lossy().trim_end_matches(".rs").to_owned();
        if first == "lib" {
            continue;
        }
        by.entry(first).or_default().push(f);
    }
    by
}

/// The top-level modules named as `crate::x` in `text`.
fn uses(text: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for (i, _) in text.match_indices("crate::") {
        if text[..i].ends_with(|c: char| c.is_alphanumeric() || c == '_') {
            continue;
        }
        let rest = &text[i + "crate::".len()..];
        let name: String = rest.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
        if !name.is_empty() && name.chars().next().unwrap().is_lowercase() {
            out.insert(name);
        }
    }
    // `use crate::{a, b::c}` groups: the first name of each top-level part.
    for (i, _) in text.match_indices("crate::{") {
        let (mut depth, mut part) = (0, String::new());
        for c in text[i + "crate::".len()..].chars() {
            match c {
                '{' => depth += 1,
                '}' => depth -= 1,
                ',' if depth == 1 => {}
                _ => {
                    if depth == 1 {
                        part.push(c);
                    }
                    continue;
                }
            }
            let name: String = part.trim_start().chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
            if !name.is_empty() {
                out.insert(name);
            }
            part.clear();
            if depth == 0 {
                break;
            }
        }
    }
    out
}

#[test]
fn modules_depend_only_on_lower_layers() {
    let mut wrong = Vec::new();
    for (module, files) in modules() {
        let own = layer(&module);
        for f in files {
            for used in uses(&code(&f)) {
                if used == module || used == "self" {
                    continue;
                }
                if layer(&used) >= own {
                    wrong.push(format!("{} uses crate::{used} ({module} may use lower layers only)", f.display()));
                }
            }
        }
    }
    assert!(wrong.is_empty(), "dependencies pointing up or sideways:\n{}", wrong.join("\n"));
}

/// HTTP and GraphQL read and write through the domain, with the model's
/// values: they neither open the store nor name anything of it.
#[test]
fn nothing_above_the_domain_opens_the_store() {
    let mut wrong = Vec::new();
    for (module, files) in modules() {
        if layer(&module) <= layer("domain") || module == "app" || module == "cli" {
            continue;
        }
        for f in files {
            let text = code(&f);
            if text.contains(".store()") || text.contains("Store::connect") || uses(&text).contains("store") {
                wrong.push(f.display().to_string());
            }
        }
    }
    assert!(wrong.is_empty(), "the store is reached from above the domain in:\n{}", wrong.join("\n"));
}

#[test]
fn the_map_sees_every_kind_of_use() {
    let u = uses("use crate::{domain::auth, store::{Item, Val}, error::Result};\nlet x = crate::model::TYPES;");
    let want: BTreeSet<String> = ["domain", "store", "error", "model"].into_iter().map(String::from).collect();
    assert_eq!(u, want);
}

/// The sibling modules a file of `dir/` names (`super::x`, `crate::dir::x`).
fn sibling_uses(dir: &str, text: &str, siblings: &BTreeSet<String>) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for prefix in ["super::".to_owned(), format!("crate::{dir}::")] {
        for (i, _) in text.match_indices(prefix.as_str()) {
            let name: String =
                text[i + prefix.len()..].chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
            if siblings.contains(&name) {
                out.insert(name);
            }
        }
        // `use super::{a, b::c}`
        for (i, _) in text.match_indices(format!("{prefix}{{").as_str()) {
            let body = &text[i + prefix.len() + 1..];
            let body = &body[..body.find('}').unwrap_or(body.len())];
            for part in body.split(',') {
                let name: String = part.trim().chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
                if siblings.contains(&name) {
                    out.insert(name);
                }
            }
        }
    }
    out
}

/// Inside each folder of `src/`, the files name each other without a cycle
/// (the folder's `mod.rs`, which declares them, aside): `graphql/schema.rs`
/// composes the other GraphQL modules and none of them reaches back into it.
#[test]
fn no_cycles_between_the_modules_of_a_folder() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut cycles = Vec::new();
    for e in std::fs::read_dir(&src).unwrap() {
        let dir = e.unwrap().path();
        if !dir.is_dir() {
            continue;
        }
        let name = dir.file_name().unwrap().to_string_lossy().to_string();
        let files: BTreeMap<String, std::path::PathBuf> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|x| x == "rs"))
            .map(|p| (p.file_stem().unwrap().to_string_lossy().to_string(), p))
            .filter(|(m, _)| m != "mod")
            .collect();
        let siblings: BTreeSet<String> = files.keys().cloned().collect();
        let graph: BTreeMap<String, BTreeSet<String>> = files
            .iter()
            .map(|(m, p)| {
                let mut used = sibling_uses(&name, &code(p), &siblings);
                used.remove(m);
                (m.clone(), used)
            })
            .collect();
        // Depth-first search for a way back to where it started.
        fn path_back(
            graph: &BTreeMap<String, BTreeSet<String>>,
            to: &str,
            at: &str,
            seen: &mut BTreeSet<String>,
        ) -> Option<Vec<String>> {
            for next in &graph[at] {
                if next == to {
                    return Some(vec![next.clone()]);
                }
                if seen.insert(next.clone())
                    && let Some(mut p) = path_back(graph, to, next, seen)
                {
                    p.insert(0, next.clone());
                    return Some(p);
                }
            }
            None
        }
        for m in graph.keys() {
            if let Some(p) = path_back(&graph, m, m, &mut BTreeSet::new()) {
                cycles.push(format!("{name}: {m} -> {}", p.join(" -> ")));
            }
        }
    }
    assert!(cycles.is_empty(), "modules that name each other in a circle:\n{}", cycles.join("\n"));
}
