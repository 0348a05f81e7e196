//! The module graph stays acyclic: every source file may use only modules of its own layer
//! or below, in the order ARCHITECTURE.md documents. A new `use` that reaches upwards fails
//! here with the file, the line and the two layers, before it can grow into a loop.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Lowest first. A module may use modules of an earlier line, and its own.
const LAYERS: &[&[&str]] = &[
    &["telemetry", "i18n"],
    &["error"],
    &["time", "config", "validate", "rate_limit", "jobs", "ids"],
    &["templates"],
    &["db"],
    &["backup"],
    &["audit", "mail"],
    &["auth"],
    &["orgs"],
    &["spreadsheet", "print", "accessibility"],
    &["planning"],
    &["participants"],
    &["reminders"],
    &["attendance"],
    &["certificates"],
    &["runs", "integrity"],
    &["verification"],
    &["stakeholders", "reports", "referrals"],
    &["surveys"],
    &["privacy"],
    // State programmes over the organisations, and their shared library.
    &["programmes"],
    &["library"],
    // Monitoring: reads every domain's counts.
    &["metrics"],
    // Handlers by audience, and the HTTP pieces they share.
    &["http"],
    &["startup", "openapi"],
    &["cli", "main", "lib"],
];

/// Files that belong to the HTTP layer whatever their folder: they parse requests, call one
/// use case and answer.
const HANDLER_FILES: &[&str] = &["routes.rs", "pages.rs", "public.rs", "api.rs"];

fn layer_of(module: &str) -> usize {
    LAYERS.iter().position(|l| l.contains(&module)).unwrap_or_else(|| {
        panic!("module `{module}` is in no layer: add it to LAYERS and ARCHITECTURE.md")
    })
}

/// The layer name of a path below `crate::`: `certificates::pdf` is printing, not the
/// certificate rules; a domain's handler modules (also one level down, in a part of the
/// domain with its own folder) are HTTP.
fn module_of(path: &[&str]) -> String {
    match path {
        ["web" | "api", ..] | ["auth", "extract", ..] => "http".into(),
        ["certificates", "pdf" | "qr", ..] => "print".into(),
        [_, last, ..] if is_handler_module(last) => "http".into(),
        // A domain's part in its own folder (`privacy::erasure::pages`).
        [_, _, last, ..] if is_handler_module(last) => "http".into(),
        [first, ..] => (*first).to_string(),
        [] => "lib".into(),
    }
}

/// A domain folder (not a shared module such as `web` or `api`, nor the entry points).
fn is_domain(name: &str) -> bool {
    let http = layer_of("http");
    LAYERS
        .iter()
        .position(|l| l.contains(&name))
        .is_some_and(|layer| layer < http && layer >= layer_of("audit"))
}

fn is_handler_module(name: &str) -> bool {
    HANDLER_FILES.iter().any(|f| f.trim_end_matches(".rs") == name)
}

fn source_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("read src") {
        let path = entry.expect("entry").path();
        if path.is_dir() {
            source_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The code of a file without its test module and without comments.
fn code_of(text: &str) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.trim_start().starts_with("#[cfg(test)]") {
            break;
        }
        let code = line.split("//").next().unwrap_or("");
        out.push((i + 1, code.to_string()));
    }
    out
}

/// Every `crate::a::b` a line names, and every `super::a` of the file at `own`, as path
/// segments below `crate`.
fn named_paths(line: &str, own: &[String], is_folder_module: bool) -> Vec<Vec<String>> {
    let mut found = crate_paths(line);
    let mut rest = line;
    while let Some(at) = rest.find("super::") {
        let before = &rest[..at];
        let tail = &rest[at..];
        rest = &tail["super::".len()..];
        // `self::super::x` and the like are not this file's paths.
        if before.ends_with("::") {
            continue;
        }
        let mut base: Vec<String> = own.to_vec();
        // `super` of a folder's mod.rs is the folder's parent, of a file its folder.
        if !is_folder_module || base.len() > 1 {
            base.pop();
        }
        let mut tail = tail;
        while let Some(next) = tail.strip_prefix("super::") {
            tail = next;
            if tail.starts_with("super::") {
                base.pop();
            }
        }
        // The rest of the chain is read here, not again by the loop.
        rest = tail;
        let segs: Vec<String> = tail
            .split("::")
            .map(|seg| {
                seg.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect::<String>()
            })
            .take_while(|s| !s.is_empty())
            .collect();
        base.extend(segs);
        found.push(base);
    }
    found
}

/// Every `crate::a::b` a line names, as path segments; also `planning::routes::x` written
/// after `use crate::planning;`, so a handler cannot reach another domain's handlers by
/// its short name.
fn crate_paths(line: &str) -> Vec<Vec<String>> {
    let mut found = short_handler_paths(line);
    let mut rest = line;
    while let Some(at) = rest.find("crate::") {
        let tail = &rest[at + "crate::".len()..];
        let path: Vec<String> = tail
            .split("::")
            .map(|seg| {
                seg.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect::<String>()
            })
            .take_while(|s| !s.is_empty())
            .collect();
        // `use crate::{a, b}` names several modules at once.
        if path.is_empty() && tail.starts_with('{') {
            let inner = tail[1..].split('}').next().unwrap_or("");
            for item in inner.split(',') {
                let segs: Vec<String> =
                    item.trim().split("::").map(|s| s.trim().to_string()).collect();
                if segs.first().is_some_and(|s| !s.is_empty()) {
                    found.push(segs);
                }
            }
        } else if !path.is_empty() {
            found.push(path);
        }
        rest = tail;
    }
    found
}

fn short_handler_paths(line: &str) -> Vec<Vec<String>> {
    let words: Vec<&str> =
        line.split(|c: char| !(c.is_alphanumeric() || c == '_' || c == ':')).collect();
    words
        .iter()
        .filter(|w| !w.starts_with("crate::") && !w.starts_with("super::"))
        .map(|w| w.split("::").map(str::to_string).collect::<Vec<_>>())
        .filter(|segs| {
            segs.len() > 2
                && segs[0] != "self"
                && LAYERS.iter().any(|l| l.contains(&segs[0].as_str()))
                && is_handler_module(&segs[1])
        })
        .collect()
}

/// The file's own module path below `src/`, e.g. `planning/routes.rs` → [planning, routes].
fn own_path(src: &Path, file: &Path) -> Vec<String> {
    let rel = file.strip_prefix(src).expect("below src");
    let mut segs: Vec<String> =
        rel.iter().map(|s| s.to_string_lossy().trim_end_matches(".rs").to_string()).collect();
    if segs.last().is_some_and(|s| s == "mod") {
        segs.pop();
    }
    segs
}

#[test]
fn no_module_uses_a_module_above_it() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    source_files(&src, &mut files);
    files.sort();
    let mut violations = Vec::new();
    let mut handler_links = Vec::new();
    let mut edges: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for file in &files {
        let own = own_path(&src, file);
        let own_refs: Vec<&str> = own.iter().map(String::as_str).collect();
        let from = module_of(&own_refs);
        let from_layer = layer_of(&from);
        let text = std::fs::read_to_string(file).expect("read");
        let is_folder_module = file.file_name().is_some_and(|n| n == "mod.rs");
        for (line_no, code) in code_of(&text) {
            for path in named_paths(&code, &own, is_folder_module) {
                let refs: Vec<&str> = path.iter().map(String::as_str).collect();
                let to = module_of(&refs);
                // A handler may use the shared HTTP pieces, never another domain's handlers.
                if from == "http" && to == "http" {
                    let names_handlers = refs.iter().skip(1).take(2).any(|s| is_handler_module(s));
                    let other_domain = refs.len() > 1
                        && names_handlers
                        && own.first().map(String::as_str) != Some(refs[0]);
                    if other_domain {
                        handler_links.push(format!(
                            "{}:{line_no}: handlers of `{}` use handlers of `{}` (move the shared piece to web.rs or a use case)",
                            file.display(),
                            own[0],
                            refs[0]
                        ));
                    }
                    continue;
                }
                // A domain's handlers use only domains at or below their own, so the
                // folders, too, form no loop (planning's pages never reach participants).
                if from == "http" && to != "http" {
                    if let Some(domain) = own.first().filter(|d| is_domain(d)) {
                        if layer_of(&to) > layer_of(domain) {
                            violations.push(format!(
                                "{}:{line_no}: handlers of `{domain}` use `{}`, a layer above `{domain}`",
                                file.display(),
                                path.join("::")
                            ));
                        }
                    }
                }
                // SQL of a domain is its own: the domains above ask its use cases.
                if refs.len() > 1 && refs[1] == "repo" && is_domain(refs[0]) {
                    let own_domain = own.first().map(String::as_str) == Some(refs[0]);
                    if !own_domain {
                        violations.push(format!(
                            "{}:{line_no}: `{}` reads another domain's SQL (call `{}::service`)",
                            file.display(),
                            path.join("::"),
                            refs[0]
                        ));
                    }
                }
                if to == from {
                    continue;
                }
                let to_layer = layer_of(&to);
                edges.entry(from.clone()).or_default().insert(to.clone());
                if to_layer > from_layer {
                    violations.push(format!(
                        "{}:{line_no}: `{from}` (layer {from_layer}) uses `{}` (`{to}`, layer {to_layer})",
                        file.display(),
                        path.join("::")
                    ));
                }
            }
        }
    }
    assert!(
        violations.is_empty() && handler_links.is_empty(),
        "the module graph must follow the layers in ARCHITECTURE.md:\n{}\n{}",
        violations.join("\n"),
        handler_links.join("\n")
    );
    // Same-layer modules may use each other only one way round.
    for (a, targets) in &edges {
        for b in targets {
            let back = edges.get(b).is_some_and(|t| t.contains(a));
            assert!(!back, "`{a}` and `{b}` use each other");
        }
    }
}

#[test]
fn the_checker_sees_a_use_that_reaches_upwards() {
    // The parser must see all the ways code names a module, or the test above proves nothing.
    let found =
        crate_paths("use crate::{surveys::service, time}; let x = crate::web::client_ip(r);");
    let names: Vec<String> = found.iter().map(|p| p.join("::")).collect();
    assert_eq!(names, ["surveys::service", "time", "web::client_ip"]);
    let short = crate_paths("let u = planning::routes::my_calendar_url(&db);");
    assert_eq!(short, [vec!["planning", "routes", "my_calendar_url"]]);
    assert_eq!(module_of(&["planning", "routes"]), "http");
    assert_eq!(module_of(&["certificates", "pdf", "text"]), "print");
    assert_eq!(module_of(&["privacy", "access", "pages"]), "http");
    assert_eq!(module_of(&["privacy", "access", "service"]), "privacy");
    assert!(layer_of("surveys") > layer_of("planning"));
    assert!(code_of("use crate::web;\n#[cfg(test)]\nuse crate::cli;").len() == 1);
    let own = ["certificates".to_string(), "pdf".to_string()];
    let up: Vec<String> =
        named_paths("use super::token;", &own, false).iter().map(|p| p.join("::")).collect();
    assert_eq!(up, ["certificates::token"]);
    let own = ["certificates".to_string(), "pdf".to_string()];
    let up: Vec<String> =
        named_paths("use super::super::x;", &own, true).iter().map(|p| p.join("::")).collect();
    assert_eq!(up, ["x"]);
}
