//! The two use cases, `backup` and `restore`, on the paths the settings name (see the
//! module rules in `backup`). Operator-only: they run from the command line with the
//! service user's rights, so no actor is checked.

use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{anyhow, bail, Context};
use serde::{Deserialize, Serialize};

use super::archive::{self, Kind, Manifest, MemberSum};
use crate::config::DataPaths;
use crate::db::{self, dialect, Backend};

/// What `backup` wrote.
#[derive(Debug)]
pub struct BackupReport {
    pub out: PathBuf,
    pub members: Vec<MemberSum>,
    pub bytes: u64,
    pub backend: Backend,
    /// On PostgreSQL: the `pg_dump` command for the configured database (no password).
    pub pg_dump: Option<String>,
    /// The session key is configured (variable or settings file), so it is not in the
    /// archive and must be kept with the configuration.
    pub session_key_configured: bool,
}

/// What `restore` put in place.
#[derive(Debug, Default)]
pub struct RestoreReport {
    pub database: Option<PathBuf>,
    pub key_files: usize,
    pub session_key: Option<PathBuf>,
    /// What was there before (with `--force`), renamed aside.
    pub kept_aside: Vec<PathBuf>,
    /// On PostgreSQL: the `pg_restore` command for the configured database (no password).
    pub pg_restore: Option<String>,
    /// The archive was made on `created` by version `app_version`.
    pub created: String,
    pub app_version: String,
}

const ORGANISATION_IMAGES: &str = "in the database (table organisation_images)";
const JOURNAL: &str = "restore.journal";

fn backend_name(backend: Backend) -> &'static str {
    match backend {
        Backend::Sqlite => "sqlite",
        Backend::Postgres => "postgres",
    }
}

/// The SQLite file a URL names, as `db::establish` opens it.
fn sqlite_path(url: &str) -> PathBuf {
    PathBuf::from(url.strip_prefix("sqlite://").unwrap_or(url))
}

/// Removes a file or directory when dropped unless kept: temporary files of a failed run.
struct Scratch(Option<PathBuf>);

impl Scratch {
    fn keep(mut self) {
        self.0 = None;
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        if let Some(path) = self.0.take() {
            let _ = if path.is_dir() { fs::remove_dir_all(&path) } else { fs::remove_file(&path) };
        }
    }
}

/// `path` with `suffix` added to its file name.
fn beside(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.file_name().map(|n| n.to_os_string()).unwrap_or_default();
    name.push(suffix);
    path.with_file_name(name)
}

/// Writes one archive of everything `paths` names to `out` (see the module rules).
pub fn backup(paths: &DataPaths, out: &Path) -> anyhow::Result<BackupReport> {
    if out.exists() {
        bail!("{} gibt es schon; eine Sicherung überschreibt nichts", out.display());
    }
    if let Some(dir) = out.parent().filter(|d| !d.as_os_str().is_empty() && !d.is_dir()) {
        bail!("das Verzeichnis {} gibt es nicht", dir.display());
    }
    let backend = Backend::from_url(&paths.database_url);
    let stamp = chrono::Utc::now();
    let pid = std::process::id();
    let mut files: Vec<(String, PathBuf)> = Vec::new();
    let mut snapshot_guard = Scratch(None);
    if backend == Backend::Sqlite {
        let db_file = sqlite_path(&paths.database_url);
        if !db_file.is_file() {
            bail!("keine Datenbank unter {}: nichts zu sichern", db_file.display());
        }
        let snapshot = beside(out, &format!(".db-{pid}.tmp"));
        let _ = fs::remove_file(&snapshot);
        snapshot_guard = Scratch(Some(snapshot.clone()));
        let mut conn = db::establish(&paths.database_url)
            .map_err(|e| anyhow!("Datenbank nicht zu öffnen: {e}"))?;
        dialect::sqlite_snapshot(&mut conn, &snapshot.to_string_lossy())
            .map_err(|e| anyhow!("Kopie der Datenbank fehlgeschlagen: {e}"))?;
        files.push((archive::DATABASE.to_string(), snapshot));
    }
    // After the database: every key its copy names was written before its row.
    files.extend(key_files(&paths.keys_dir)?);
    let session_file = paths.session_key_file();
    if !paths.session_key_configured {
        if !session_file.is_file() {
            bail!("kein Sitzungsschlüssel unter {}", session_file.display());
        }
        files.push((archive::SESSION_KEY.to_string(), session_file));
    }
    let members = files
        .iter()
        .map(|(member, path)| archive::sum_file(member, path))
        .collect::<anyhow::Result<Vec<_>>>()?;
    let pg_dump =
        (backend == Backend::Postgres).then(|| pg_command("pg_dump", &paths.database_url));
    let manifest = Manifest {
        format: archive::FORMAT.into(),
        format_version: archive::FORMAT_VERSION,
        app_version: env!("CARGO_PKG_VERSION").into(),
        created: stamp.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        backend: backend_name(backend).into(),
        database_included: backend == Backend::Sqlite,
        database_note: match &pg_dump {
            None => archive::DATABASE.into(),
            Some(cmd) => {
                format!("not in this archive: back up the PostgreSQL database with `{cmd}`")
            }
        },
        organisation_images: ORGANISATION_IMAGES.into(),
        session_key_included: !paths.session_key_configured,
        members: members.clone(),
    };
    let temp = beside(out, &format!(".{pid}.tmp"));
    let _ = fs::remove_file(&temp);
    let temp_guard = Scratch(Some(temp.clone()));
    archive::write(&temp, &manifest, &files)?;
    // Read back as `restore` reads it: a backup that is published can be restored.
    archive::read(&temp, |_, _| Ok(None))
        .map_err(|e| anyhow!("die geschriebene Sicherung ist fehlerhaft: {e}"))?;
    // A link fails when `out` appeared meanwhile: never overwritten, and never half written.
    // Where the file system has no links, a rename (`out` did not exist a moment ago).
    match fs::hard_link(&temp, out) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            bail!("{} gibt es schon; eine Sicherung überschreibt nichts", out.display())
        }
        Err(_) => {
            fs::rename(&temp, out).with_context(|| format!("{} nicht anlegbar", out.display()))?
        }
    }
    drop(temp_guard);
    drop(snapshot_guard);
    sync_dir(out.parent());
    let bytes = fs::metadata(out).map(|m| m.len()).unwrap_or(0);
    Ok(BackupReport {
        out: out.to_path_buf(),
        members,
        bytes,
        backend,
        pg_dump,
        session_key_configured: paths.session_key_configured,
    })
}

/// The files of the keys directory as members `keys/<name>`.
fn key_files(keys_dir: &Path) -> anyhow::Result<Vec<(String, PathBuf)>> {
    let entries = fs::read_dir(keys_dir).with_context(|| {
        format!(
            "Schlüsselverzeichnis {} nicht lesbar: ohne die Schlüssel ist keine Sicherung vollständig",
            keys_dir.display()
        )
    })?;
    let mut files = Vec::new();
    for entry in entries {
        let entry = entry?;
        let name = entry.file_name().to_string_lossy().into_owned();
        let kind = entry.file_type()?;
        if !kind.is_file() || !archive::plain_file_name(&name) {
            bail!(
                "unerwarteter Eintrag {} im Schlüsselverzeichnis: bitte entfernen oder verschieben",
                entry.path().display()
            );
        }
        files.push((format!("{}{name}", archive::KEYS_PREFIX), entry.path()));
    }
    files.sort();
    Ok(files)
}

/// `pg_dump`/`pg_restore` for the configured URL, without a password (it belongs in
/// `~/.pgpass` or `PGPASSWORD`, not in a command line or a log).
pub fn pg_command(tool: &str, url: &str) -> String {
    let url = url_without_password(url);
    match tool {
        "pg_dump" => format!("pg_dump --format=custom --file=mietschulung.dump '{url}'"),
        _ => {
            format!("pg_restore --clean --if-exists --no-owner --dbname='{url}' mietschulung.dump")
        }
    }
}

/// The URL with the password left out of its user part and its query.
pub fn url_without_password(url: &str) -> String {
    let (scheme, rest) = url.split_once("://").unwrap_or(("postgres", url));
    let (rest, query) = match rest.split_once('?') {
        Some((r, q)) => (r, Some(q)),
        None => (rest, None),
    };
    let rest = match rest.rsplit_once('@') {
        Some((user, host)) => {
            format!("{}@{host}", user.split(':').next().unwrap_or_default())
        }
        None => rest.to_string(),
    };
    let query: Vec<&str> = query
        .unwrap_or_default()
        .split('&')
        .filter(|p| !p.is_empty() && !p.to_ascii_lowercase().starts_with("password="))
        .collect();
    if query.is_empty() {
        format!("{scheme}://{rest}")
    } else {
        format!("{scheme}://{rest}?{}", query.join("&"))
    }
}

/// One rename of a restore: the checked file beside its target, and the target.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Move {
    staged: PathBuf,
    target: PathBuf,
    /// The SQLite database: its `-wal` and `-shm` files go aside with it, or SQLite would
    /// apply the old log to the new file.
    database: bool,
}

#[derive(Debug, Serialize, Deserialize)]
struct Journal {
    stamp: String,
    moves: Vec<Move>,
}

/// Puts the archive's data in place of the configured data (see the module rules).
pub fn restore(paths: &DataPaths, file: &Path, force: bool) -> anyhow::Result<RestoreReport> {
    finish_interrupted_restore(paths)?;
    // First reading: everything checked, nothing written.
    let manifest = archive::read(file, |_, _| Ok(None))?;
    if !manifest.members.iter().any(|m| m.path.starts_with(archive::KEYS_PREFIX)) {
        bail!("das Archiv enthält keine Schlüssel: keine vollständige Sicherung; nichts wurde geändert");
    }
    let backend = Backend::from_url(&paths.database_url);
    match (manifest.database_included, backend) {
        (true, Backend::Postgres) => bail!(
            "das Archiv enthält eine SQLite-Datenbank, konfiguriert ist PostgreSQL (DATABASE_URL); nichts wurde geändert"
        ),
        (false, Backend::Sqlite) => bail!(
            "das Archiv stammt von PostgreSQL und enthält keine Datenbank, konfiguriert ist SQLite; DATABASE_URL auf die PostgreSQL-Datenbank setzen. Nichts wurde geändert"
        ),
        _ => {}
    }
    let db_file = sqlite_path(&paths.database_url);
    let session_file = paths.session_key_file();
    let has = |member: &str| manifest.members.iter().any(|m| m.path == member);
    let has_keys = manifest.members.iter().any(|m| m.path.starts_with(archive::KEYS_PREFIX));
    let mut moves = Vec::new();
    if has(archive::DATABASE) {
        moves.push(Move {
            staged: beside(&db_file, ".restore-tmp"),
            target: db_file.clone(),
            database: true,
        });
    }
    if has_keys {
        moves.push(Move {
            staged: beside(&paths.keys_dir, ".restore-tmp"),
            target: paths.keys_dir.clone(),
            database: false,
        });
    }
    if has(archive::SESSION_KEY) {
        moves.push(Move {
            staged: beside(&session_file, ".restore-tmp"),
            target: session_file.clone(),
            database: false,
        });
    }
    let existing = existing_data(&moves);
    if !existing.is_empty() && !force {
        bail!(
            "hier sind schon Daten: {}. Nichts wurde geändert. Mit --force ersetzen (das Bisherige bleibt daneben als *.before-restore-…)",
            existing.iter().map(|p| p.display().to_string()).collect::<Vec<_>>().join(", ")
        );
    }
    // Second reading: into files beside the targets, checked again as written.
    let mut scratch = Vec::new();
    for m in &moves {
        remove_any(&m.staged);
        if let Some(parent) = m.staged.parent() {
            fs::create_dir_all(parent)
                .with_context(|| format!("{} nicht anlegbar", parent.display()))?;
        }
        scratch.push(Scratch(Some(m.staged.clone())));
    }
    let keys_staged = beside(&paths.keys_dir, ".restore-tmp");
    if has_keys {
        create_private_dir(&keys_staged)?;
    }
    let mut key_files = 0;
    let again = archive::read(file, |member, kind| {
        // Only what the first reading planned for (the file may have changed since).
        if !manifest.members.iter().any(|m| m.path == member) {
            bail!(
                "das Archiv hat sich während der Wiederherstellung geändert; nichts wurde geändert"
            );
        }
        let (path, mode) = match kind {
            Kind::Database => (beside(&db_file, ".restore-tmp"), 0o600),
            Kind::SessionKey => (beside(&session_file, ".restore-tmp"), 0o400),
            Kind::Key => {
                key_files += 1;
                (keys_staged.join(&member[archive::KEYS_PREFIX.len()..]), 0o400)
            }
        };
        Ok(Some(create_file(&path, mode)?))
    })?;
    // The file changed between the two readings: the moves were planned for the first.
    if again.members != manifest.members {
        bail!("das Archiv hat sich während der Wiederherstellung geändert; nichts wurde geändert");
    }
    if has(archive::DATABASE) {
        check_database(&beside(&db_file, ".restore-tmp"))?;
    }
    // The point of no return: from here on the checked files are the truth, and an
    // interruption is completed by the next `restore` or `serve`.
    let journal = Journal {
        stamp: chrono::Utc::now().format("%Y%m%dT%H%M%SZ").to_string(),
        moves: moves.clone(),
    };
    write_journal(paths, &journal)?;
    for s in scratch {
        s.keep();
    }
    let kept_aside = apply(paths, &journal)?;
    Ok(RestoreReport {
        database: has(archive::DATABASE).then_some(db_file),
        key_files,
        session_key: has(archive::SESSION_KEY).then_some(session_file),
        kept_aside,
        pg_restore: (backend == Backend::Postgres)
            .then(|| pg_command("pg_restore", &paths.database_url)),
        created: manifest.created,
        app_version: manifest.app_version,
    })
}

/// The targets that hold data now: a database file (or its log), a non-empty keys
/// directory, a session key.
fn existing_data(moves: &[Move]) -> Vec<PathBuf> {
    let mut found = Vec::new();
    for m in moves {
        let present = if m.target.is_dir() {
            fs::read_dir(&m.target).map(|mut d| d.next().is_some()).unwrap_or(true)
        } else {
            m.target.exists() || (m.database && beside(&m.target, "-wal").exists())
        };
        if present {
            found.push(m.target.clone());
        }
    }
    found
}

fn remove_any(path: &Path) {
    let _ = if path.is_dir() { fs::remove_dir_all(path) } else { fs::remove_file(path) };
}

fn create_private_dir(path: &Path) -> anyhow::Result<()> {
    let mut builder = fs::DirBuilder::new();
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder.create(path).with_context(|| format!("{} nicht anlegbar", path.display()))
}

fn create_file(path: &Path, mode: u32) -> anyhow::Result<fs::File> {
    let mut options = fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(mode);
    }
    #[cfg(not(unix))]
    let _ = mode;
    options.open(path).with_context(|| format!("{} nicht anlegbar", path.display()))
}

/// The restored file is a sound SQLite database; its connection is closed again before
/// the file is moved (closing also removes the log files it made).
fn check_database(path: &Path) -> anyhow::Result<()> {
    let sound = {
        let mut conn = db::establish(&path.to_string_lossy())
            .map_err(|e| anyhow!("die Datenbank im Archiv ist nicht zu öffnen: {e}"))?;
        dialect::sqlite_sound(&mut conn).unwrap_or(false)
    };
    for log in ["-wal", "-shm"] {
        let _ = fs::remove_file(beside(path, log));
    }
    if !sound {
        bail!("die Datenbank im Archiv ist beschädigt (SQLite quick_check); nichts wurde geändert");
    }
    Ok(())
}

fn journal_path(paths: &DataPaths) -> PathBuf {
    paths.data_dir.join(JOURNAL)
}

fn write_journal(paths: &DataPaths, journal: &Journal) -> anyhow::Result<()> {
    fs::create_dir_all(&paths.data_dir)?;
    let path = journal_path(paths);
    let temp = beside(&path, ".tmp");
    let _ = fs::remove_file(&temp);
    {
        let mut file = create_file(&temp, 0o600)?;
        use std::io::Write;
        file.write_all(&serde_json::to_vec_pretty(journal)?)?;
        file.sync_all()?;
    }
    fs::rename(&temp, &path)?;
    sync_dir(path.parent());
    Ok(())
}

/// Completes the renames a journal lists; each step can be repeated, so an interrupted
/// run is finished by the next. Returns what was kept aside.
fn apply(paths: &DataPaths, journal: &Journal) -> anyhow::Result<Vec<PathBuf>> {
    let suffix = format!(".before-restore-{}", journal.stamp);
    let mut aside = Vec::new();
    for m in &journal.moves {
        if !m.staged.exists() {
            continue; // done before an interruption
        }
        let mut old = vec![m.target.clone()];
        if m.database {
            old.push(beside(&m.target, "-wal"));
            old.push(beside(&m.target, "-shm"));
        }
        for path in old.iter().filter(|p| p.exists()) {
            let to = beside(path, &suffix);
            fs::rename(path, &to)
                .with_context(|| format!("{} nicht beiseite zu legen", path.display()))?;
            aside.push(to);
        }
        fs::rename(&m.staged, &m.target)
            .with_context(|| format!("{} nicht an seinen Platz zu bringen", m.target.display()))?;
        sync_dir(m.target.parent());
    }
    fs::remove_file(journal_path(paths))?;
    sync_dir(Some(&paths.data_dir));
    Ok(aside)
}

/// A restore interrupted after its point of no return is completed; true if there was one.
/// Called by `restore` and before `serve` starts.
pub fn finish_interrupted_restore(paths: &DataPaths) -> anyhow::Result<bool> {
    let path = journal_path(paths);
    let Ok(bytes) = fs::read(&path) else {
        return Ok(false);
    };
    let journal: Journal = serde_json::from_slice(&bytes).map_err(|_| {
        anyhow!("{} ist unlesbar; bitte die Wiederherstellung wiederholen", path.display())
    })?;
    apply(paths, &journal)?;
    Ok(true)
}

/// Makes renames in the directory durable; best effort (not every system can sync a
/// directory).
fn sync_dir(dir: Option<&Path>) {
    if let Some(dir) = dir.filter(|d| !d.as_os_str().is_empty()) {
        if let Ok(d) = fs::File::open(dir) {
            let _ = d.sync_all();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands_never_carry_the_password() {
        assert_eq!(
            url_without_password(
                "postgres://app:geheim@db.example:5432/ms?sslmode=require&password=x"
            ),
            "postgres://app@db.example:5432/ms?sslmode=require"
        );
        assert_eq!(url_without_password("postgres://db/ms"), "postgres://db/ms");
        assert!(!pg_command("pg_dump", "postgresql://u:p@h/d").contains(":p@"));
    }
}
