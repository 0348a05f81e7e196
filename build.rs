//! Build information for `mietschulung_build_info`: the git commit, from
//! `MIETSCHULUNG_GIT_COMMIT` when the builder sets it (a Docker build has no `.git`), else
//! from `git` when the source is a checkout; without either the series says `unknown`.

use std::process::Command;

fn git(args: &[&str]) -> Option<String> {
    let out = Command::new("git").args(args).output().ok()?;
    let text = String::from_utf8(out.stdout).ok()?;
    Some(text.trim().to_string()).filter(|t| out.status.success() && !t.is_empty())
}

fn main() {
    println!("cargo:rerun-if-env-changed=MIETSCHULUNG_GIT_COMMIT");
    // Again after a commit or a checkout: HEAD, the branch it names, the packed refs.
    let mut watched = vec!["HEAD".to_string(), "packed-refs".to_string()];
    watched.extend(git(&["symbolic-ref", "-q", "HEAD"]));
    for name in watched {
        if let Some(path) = git(&["rev-parse", "--git-path", &name]) {
            println!("cargo:rerun-if-changed={path}");
        }
    }
    let given = std::env::var("MIETSCHULUNG_GIT_COMMIT").ok().filter(|c| !c.trim().is_empty());
    let commit = given.or_else(|| git(&["rev-parse", "--short=12", "HEAD"]));
    // Only a commit-like text reaches the label.
    if let Some(commit) =
        commit.filter(|c| c.len() <= 64 && c.bytes().all(|b| b.is_ascii_alphanumeric()))
    {
        println!("cargo:rustc-env=MIETSCHULUNG_GIT_COMMIT={commit}");
    }
}
