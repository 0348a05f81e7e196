//! The app's browser routes read from the sources: every `#[get]`/`#[post]`… of the
//! `pages.rs` and `public.rs` files. Tests that must cover every page (the API parity
//! check, the accessibility crawl) start from this list, so a new page cannot escape them.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// A path with each `{name}` or `{name:regex}` replaced by `{}`, so routes compare by shape.
pub fn normalise(path: &str) -> String {
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

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("src") {
        let path = entry.expect("entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// `METHOD /path` (normalised) of every browser route in the sources.
pub fn html_routes() -> BTreeSet<String> {
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
            for open in [format!("#[{method}(\""), format!("#[actix_web::{method}(\"")] {
                for (at, _) in text.match_indices(&open) {
                    let rest = &text[at + open.len()..];
                    let path = &rest[..rest.find('"').expect("closing quote")];
                    routes.insert(format!("{} {}", method.to_uppercase(), normalise(path)));
                }
            }
        }
    }
    routes
}
