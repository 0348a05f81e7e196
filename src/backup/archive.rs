//! The archive format: a plain tar, `manifest.json` first, then the members it lists.
//!
//! Reading trusts nothing in the file: the manifest is bounded and must come first, every
//! member's name must be one this format has (which also rules out absolute paths, `..`
//! and anything but a regular file), its size must be within the kind's limit and as the
//! manifest says, and its SHA-256 must match. A member missing at the end, or one the
//! manifest does not list, refuses the archive. Messages are German (the operator's
//! terminal, like `verify`).

use std::collections::BTreeSet;
use std::fs::File;
use std::io::{BufReader, Read, Write};
use std::path::{Path, PathBuf};

use anyhow::{anyhow, bail, Context};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

pub const FORMAT: &str = "mietschulung-backup";
pub const FORMAT_VERSION: u32 = 1;
pub const MANIFEST: &str = "manifest.json";
pub const DATABASE: &str = "database/mietschulung.sqlite";
pub const SESSION_KEY: &str = "session.key";
pub const KEYS_PREFIX: &str = "keys/";

/// Limits that keep a hostile archive from filling the disk before its checksums are
/// known: far above any real deployment (a year of one Landkreis is a few MB).
const MAX_MANIFEST_BYTES: u64 = 1 << 20;
const MAX_DATABASE_BYTES: u64 = 64 << 30;
const MAX_KEY_FILE_BYTES: u64 = 64 << 10;
const MAX_SESSION_KEY_BYTES: u64 = 4 << 10;
const MAX_MEMBERS: usize = 1024;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Manifest {
    pub format: String,
    pub format_version: u32,
    pub app_version: String,
    /// RFC 3339, UTC.
    pub created: String,
    /// `sqlite` or `postgres`.
    pub backend: String,
    /// Whether `database/mietschulung.sqlite` is in the archive; if not, `database_note`
    /// says where the database is backed up instead.
    pub database_included: bool,
    pub database_note: String,
    /// Where the organisations' logos and signature images are.
    pub organisation_images: String,
    /// Whether the session key is in the archive (not when it is configured instead).
    pub session_key_included: bool,
    pub members: Vec<MemberSum>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct MemberSum {
    pub path: String,
    pub size: u64,
    pub sha256: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Database,
    SessionKey,
    /// A file of the keys directory: a private key or an organisation's name secret.
    Key,
}

impl Kind {
    fn limit(self) -> u64 {
        match self {
            Kind::Database => MAX_DATABASE_BYTES,
            Kind::SessionKey => MAX_SESSION_KEY_BYTES,
            Kind::Key => MAX_KEY_FILE_BYTES,
        }
    }
}

/// What a member's name is, or `None` for a name this format does not have. Only these
/// exact forms pass, so no name can reach outside the target directories.
pub fn member_kind(path: &str) -> Option<Kind> {
    match path {
        DATABASE => Some(Kind::Database),
        SESSION_KEY => Some(Kind::SessionKey),
        _ => path.strip_prefix(KEYS_PREFIX).filter(|name| plain_file_name(name)).map(|_| Kind::Key),
    }
}

/// A file name of the keys directory: letters, digits, `.`, `_`, `-`, not starting with a
/// dot (so neither `..` nor a hidden file), at most 100 characters.
pub fn plain_file_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 100
        && !name.starts_with('.')
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
}

/// Size and SHA-256 of a file, read once.
pub fn sum_file(member: &str, path: &Path) -> anyhow::Result<MemberSum> {
    let mut file = File::open(path).with_context(|| format!("{} nicht lesbar", path.display()))?;
    let mut hasher = Sha256::new();
    let size = std::io::copy(&mut file, &mut HashWriter(&mut hasher))
        .with_context(|| format!("{} nicht lesbar", path.display()))?;
    Ok(MemberSum {
        path: member.to_string(),
        size,
        sha256: data_encoding::HEXLOWER.encode(&hasher.finalize()),
    })
}

struct HashWriter<'a>(&'a mut Sha256);

impl Write for HashWriter<'_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.update(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Writes the archive to `out`: the manifest, then each `(member, file)` as summed in the
/// manifest. `out` is a new file (owner-only); the caller links it into place.
pub fn write(out: &Path, manifest: &Manifest, files: &[(String, PathBuf)]) -> anyhow::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let file = options.open(out).with_context(|| format!("{} nicht anlegbar", out.display()))?;
    let mtime = chrono::DateTime::parse_from_rfc3339(&manifest.created)
        .map(|t| t.timestamp().max(0) as u64)
        .unwrap_or(0);
    let mut builder = tar::Builder::new(std::io::BufWriter::new(file));
    let manifest_bytes = serde_json::to_vec_pretty(manifest)?;
    append(&mut builder, MANIFEST, manifest_bytes.len() as u64, mtime, &manifest_bytes[..])?;
    for (member, path) in files {
        let listed = manifest
            .members
            .iter()
            .find(|m| &m.path == member)
            .ok_or_else(|| anyhow!("{member} fehlt im Manifest"))?;
        let source =
            File::open(path).with_context(|| format!("{} nicht lesbar", path.display()))?;
        // Exactly the bytes summed: a file that grew since is cut; one that shrank or
        // changed fails the reading back in `backup`.
        append(&mut builder, member, listed.size, mtime, source.take(listed.size))?;
    }
    let file = builder
        .into_inner()?
        .into_inner()
        .map_err(|e| anyhow!("{} nicht schreibbar: {}", out.display(), e.error()))?;
    file.sync_all()?;
    Ok(())
}

fn append<W: Write>(
    builder: &mut tar::Builder<W>, member: &str, size: u64, mtime: u64, data: impl Read,
) -> anyhow::Result<()> {
    let mut header = tar::Header::new_ustar();
    header.set_entry_type(tar::EntryType::Regular);
    header.set_size(size);
    header.set_mode(0o600);
    header.set_mtime(mtime);
    builder
        .append_data(&mut header, member, data)
        .with_context(|| format!("{member} nicht ins Archiv geschrieben"))
}

/// Reads the whole archive and checks it (see the module doc); `sink` gives, for each
/// member, the file to write it to, or `None` to only check. Returns the manifest.
pub fn read(
    archive: &Path, mut sink: impl FnMut(&str, Kind) -> anyhow::Result<Option<File>>,
) -> anyhow::Result<Manifest> {
    let file = File::open(archive)
        .with_context(|| format!("Archiv {} nicht lesbar", archive.display()))?;
    let mut tar = tar::Archive::new(BufReader::new(file));
    let mut entries = tar.entries().map_err(broken)?;
    let manifest = match entries.next() {
        None => bail!("das Archiv ist leer: kein {MANIFEST}"),
        Some(entry) => read_manifest(entry.map_err(broken)?)?,
    };
    let mut seen = BTreeSet::new();
    for entry in entries {
        let mut entry = entry.map_err(broken)?;
        let name = member_name(&entry)?;
        if !seen.insert(name.clone()) {
            bail!("{name} steht zweimal im Archiv");
        }
        let kind = member_kind(&name).ok_or_else(|| anyhow!("unbekanntes Mitglied {name}"))?;
        let listed = manifest
            .members
            .iter()
            .find(|m| m.path == name)
            .ok_or_else(|| anyhow!("{name} steht nicht im Manifest"))?;
        if entry.size() != listed.size {
            bail!("{name}: {} Bytes, das Manifest sagt {}", entry.size(), listed.size);
        }
        let mut out = sink(&name, kind)?;
        let mut hasher = Sha256::new();
        let mut buf = vec![0u8; 64 << 10];
        let mut read = 0u64;
        loop {
            let n = entry.read(&mut buf).map_err(broken)?;
            if n == 0 {
                break;
            }
            read += n as u64;
            hasher.update(&buf[..n]);
            if let Some(out) = out.as_mut() {
                out.write_all(&buf[..n]).context("Zieldatei nicht schreibbar")?;
            }
        }
        if read != listed.size {
            bail!(
                "{name} ist abgeschnitten ({read} von {} Bytes): Archiv unvollständig",
                listed.size
            );
        }
        if data_encoding::HEXLOWER.encode(&hasher.finalize()) != listed.sha256 {
            bail!("Prüfsumme von {name} stimmt nicht: Archiv verändert oder beschädigt");
        }
        if let Some(out) = out {
            out.sync_all().context("Zieldatei nicht schreibbar")?;
        }
    }
    if let Some(missing) = manifest.members.iter().find(|m| !seen.contains(&m.path)) {
        bail!("{} fehlt im Archiv: Archiv unvollständig", missing.path);
    }
    Ok(manifest)
}

fn broken(e: std::io::Error) -> anyhow::Error {
    anyhow!("das Archiv ist beschädigt oder abgeschnitten (kein vollständiges tar): {e}")
}

/// The entry's name if it is a regular file with a name this format has.
fn member_name<R: Read>(entry: &tar::Entry<R>) -> anyhow::Result<String> {
    let raw = entry.path_bytes();
    let name = String::from_utf8_lossy(&raw).into_owned();
    if name.starts_with('/') || name.split(['/', '\\']).any(|part| part == "..") {
        bail!("unzulässiger Pfad {name:?} (absolut oder mit ..)");
    }
    let kind = entry.header().entry_type();
    if kind != tar::EntryType::Regular {
        let what = match kind {
            tar::EntryType::Symlink => "symbolischer Link",
            tar::EntryType::Link => "harter Link",
            tar::EntryType::Directory => "Verzeichnis",
            _ => "keine gewöhnliche Datei",
        };
        bail!("{name:?} ist ein {what}; das Archiv darf nur Dateien enthalten");
    }
    if member_kind(&name).is_none() && name != MANIFEST {
        bail!("unbekanntes Mitglied {name:?}");
    }
    Ok(name)
}

fn read_manifest<R: Read>(mut entry: tar::Entry<R>) -> anyhow::Result<Manifest> {
    let name = member_name(&entry)?;
    if name != MANIFEST {
        bail!("das Archiv beginnt nicht mit {MANIFEST} (sondern mit {name}): keine Sicherung dieses Dienstes");
    }
    if entry.size() > MAX_MANIFEST_BYTES {
        bail!("{MANIFEST} ist zu groß");
    }
    let mut bytes = Vec::new();
    (&mut entry).take(MAX_MANIFEST_BYTES).read_to_end(&mut bytes).map_err(broken)?;
    if bytes.len() as u64 != entry.size() {
        bail!("{MANIFEST} ist abgeschnitten: Archiv unvollständig");
    }
    let manifest: Manifest = serde_json::from_slice(&bytes)
        .map_err(|e| anyhow!("{MANIFEST} ist kein gültiges Manifest: {e}"))?;
    if manifest.format != FORMAT || manifest.format_version != FORMAT_VERSION {
        bail!(
            "Format {} Version {} wird nicht unterstützt (erwartet: {FORMAT} Version {FORMAT_VERSION})",
            manifest.format,
            manifest.format_version
        );
    }
    if manifest.members.len() > MAX_MEMBERS {
        bail!("{MANIFEST} listet zu viele Mitglieder");
    }
    let mut names = BTreeSet::new();
    for m in &manifest.members {
        let kind = member_kind(&m.path)
            .ok_or_else(|| anyhow!("{MANIFEST} listet das unzulässige Mitglied {:?}", m.path))?;
        if m.size > kind.limit() {
            bail!("{} ist zu groß ({} Bytes, erlaubt: {})", m.path, m.size, kind.limit());
        }
        if m.sha256.len() != 64 || !m.sha256.bytes().all(|b| b.is_ascii_hexdigit()) {
            bail!("{MANIFEST}: keine SHA-256-Prüfsumme für {}", m.path);
        }
        if !names.insert(m.path.as_str()) {
            bail!("{MANIFEST} listet {} zweimal", m.path);
        }
    }
    if manifest.database_included != names.contains(DATABASE) {
        bail!("{MANIFEST} widerspricht sich: Datenbank enthalten oder nicht?");
    }
    Ok(manifest)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_formats_names_pass() {
        assert_eq!(member_kind("database/mietschulung.sqlite"), Some(Kind::Database));
        assert_eq!(member_kind("session.key"), Some(Kind::SessionKey));
        assert_eq!(member_kind("keys/kid-001.key"), Some(Kind::Key));
        assert_eq!(member_kind("keys/names-org-000001.secret"), Some(Kind::Key));
        for bad in [
            "keys/../session.key",
            "keys/..",
            "keys/",
            "keys/a/b",
            "/etc/passwd",
            "../x",
            "keys/.hidden",
            "database/other.sqlite",
            "keys\\..\\x",
        ] {
            assert_eq!(member_kind(bad), None, "{bad}");
        }
    }
}
