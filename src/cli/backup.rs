//! `backup --out FILE` and `restore FILE [--force]`: the operator's side of
//! `backup::service` (rules there). Both read the settings without creating anything (no
//! data directory, no session key), so `restore` into a wiped data directory finds it
//! empty. What they print is German, like `verify`: the operator's terminal.
//!
//! Exit codes: 0 when the archive is written or restored; 1 with `Fehler: …` when the
//! archive is refused, data would be replaced without `--force`, or a file cannot be
//! read or written (nothing is changed then).

use std::path::Path;

use crate::backup::service;
use crate::config::DataPaths;
use crate::db::Backend;

pub(super) fn backup(out: &Path) -> anyhow::Result<()> {
    let paths = DataPaths::load()?;
    let report = service::backup(&paths, out)?;
    println!("Sicherung geschrieben: {} ({} Bytes)", report.out.display(), report.bytes);
    for m in &report.members {
        println!("  {}  {:>10} Bytes  sha256 {}", m.path, m.size, m.sha256);
    }
    if report.backend == Backend::Postgres {
        println!(
            "Die Datenbank (PostgreSQL) ist NICHT im Archiv. Sichern Sie sie zur selben Zeit mit pg_dump:"
        );
        if let Some(cmd) = &report.pg_dump {
            println!("  {cmd}");
        }
        println!("(Passwort über ~/.pgpass oder PGPASSWORD, nicht in der Befehlszeile.)");
    }
    if report.session_key_configured {
        println!(
            "Der Sitzungsschlüssel ist konfiguriert (MIETSCHULUNG_SESSION_KEY oder Einstellungsdatei) und nicht im Archiv: bewahren Sie die Konfiguration mit auf."
        );
    }
    println!("Das Archiv enthält geheime Schlüssel und personenbezogene Daten: verschlüsselt und zugriffsgeschützt aufbewahren.");
    Ok(())
}

pub(super) fn restore(file: &Path, force: bool) -> anyhow::Result<()> {
    let paths = DataPaths::load()?;
    let report = service::restore(&paths, file, force)?;
    println!(
        "Wiederhergestellt aus {} (Sicherung vom {}, Version {}):",
        file.display(),
        report.created,
        report.app_version
    );
    if let Some(db) = &report.database {
        println!("  Datenbank:          {}", db.display());
    }
    println!("  Schlüsseldateien:   {} in {}", report.key_files, paths.keys_dir.display());
    if let Some(key) = &report.session_key {
        println!("  Sitzungsschlüssel:  {}", key.display());
    }
    for old in &report.kept_aside {
        println!("  bisher, beiseite gelegt: {}", old.display());
    }
    if let Some(cmd) = &report.pg_restore {
        println!("Die Datenbank (PostgreSQL) stellen Sie mit pg_restore aus der Sicherung von pg_dump wieder her:");
        println!("  {cmd}");
    }
    if report.app_version != env!("CARGO_PKG_VERSION") {
        println!(
            "Achtung: die Sicherung stammt von Version {}, dieses Programm ist Version {}.",
            report.app_version,
            env!("CARGO_PKG_VERSION")
        );
    }
    println!("Danach den Dienst starten; er bringt die Datenbank auf den Stand dieser Version.");
    Ok(())
}
