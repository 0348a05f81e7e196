//! Every capability of the UI is in the API: the test reads the route table (every
//! `#[get]`/`#[post]` of the `pages.rs` and `public.rs` files, and the list imports'
//! resources) and the OpenAPI document, and fails on an HTML route that has no API
//! counterpart. A route counts as covered when
//! - the same method and path exist under `/api/v1` (parameter names aside), or
//! - [`COUNTERPART`] names its API operation (which must exist in the document), or
//! - [`VIEW_ONLY`] says why it needs none (a page that only shows what an API read already
//!   gives, a confirmation page before an API action, a browser-only mechanism).
//!
//! A new page or form therefore fails this test until its API operation exists or its entry
//! here says why not.

use std::collections::BTreeSet;
use std::path::Path;

/// HTML route → API operation, where the paths differ.
const COUNTERPART: &[(&str, &str)] = &[];

/// HTML routes without an API operation of their own, and why.
const VIEW_ONLY: &[(&str, &str)] = &[];

fn normalise(path: &str) -> String {
    let mut out = String::new();
    let mut depth = 0;
    for c in path.chars() {
        match c {
            '{' => {
                depth += 1;
                if depth == 1 {
                    out.push_str("{}");
                }
            }
            '}' => depth -= 1,
            _ if depth > 0 => {}
            _ => out.push(c),
        }
    }
    out
}

fn rust_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("src") {
        let path = entry.expect("entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// `METHOD /path` of every browser route in the sources.
fn html_routes() -> BTreeSet<String> {
    let mut files = Vec::new();
    rust_files(Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/src")), &mut files);
    let mut routes = BTreeSet::new();
    for file in files {
        let name = file.file_name().unwrap().to_string_lossy().into_owned();
        if name != "pages.rs" && name != "public.rs" {
            continue;
        }
        let text = std::fs::read_to_string(&file).unwrap();
        for method in ["get", "post", "put", "delete"] {
            let open = format!("#[{method}(\"");
            for (at, _) in text.match_indices(&open) {
                let rest = &text[at + open.len()..];
                let path = &rest[..rest.find('"').expect("closing quote")];
                routes.insert(format!("{} {}", method.to_uppercase(), normalise(path)));
            }
        }
    }
    routes
}

/// `METHOD /path` of every operation in the OpenAPI document.
fn api_operations() -> BTreeSet<String> {
    let doc = serde_json::to_value(mietschulung::openapi::document()).unwrap();
    let mut ops = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for method in item.as_object().unwrap().keys() {
            if ["get", "post", "put", "delete", "patch"].contains(&method.as_str()) {
                ops.insert(format!("{} {}", method.to_uppercase(), normalise(path)));
            }
        }
    }
    ops
}

#[test]
fn every_ui_capability_has_an_api_counterpart() {
    let html = html_routes();
    let api = api_operations();
    assert!(html.len() > 50, "the route table was not found: {html:?}");
    let mut missing = Vec::new();
    for route in &html {
        let (method, path) = route.split_once(' ').unwrap();
        if path.starts_with("/api/") || VIEW_ONLY.iter().any(|(r, _)| normalise(r) == *route) {
            continue;
        }
        if api.contains(&format!("{method} /api/v1{path}")) {
            continue;
        }
        match COUNTERPART.iter().find(|(r, _)| normalise(r) == *route) {
            Some((_, op)) => {
                assert!(api.contains(&normalise(op)), "{route}: {op} is not in the OpenAPI document")
            }
            None => missing.push(route.clone()),
        }
    }
    assert!(
        missing.is_empty(),
        "UI routes without an API counterpart (add the operation, or an entry in COUNTERPART or VIEW_ONLY):\n{}",
        missing.join("\n")
    );
    let stale: Vec<_> = COUNTERPART
        .iter()
        .map(|(r, _)| r)
        .chain(VIEW_ONLY.iter().map(|(r, _)| r))
        .filter(|r| !html.contains(&normalise(r)))
        .collect();
    assert!(stale.is_empty(), "entries for routes that no longer exist: {stale:?}");
}
