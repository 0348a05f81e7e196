//! The `mietschulung` command line: serve, migrate, user, org, keys, demo, verify.

use std::io::{BufRead, IsTerminal};
use std::path::PathBuf;

use anyhow::Context;
use clap::{Parser, Subcommand};

use crate::attendance::models::AttendanceStatus;
use crate::auth::{self, Actor, Role};
use crate::certificates::{keys, token};
use crate::config::Settings;
use crate::db::DbConn;
use crate::error::AppError;
use crate::orgs;
use crate::planning::models::{NewCourse, NewModule, NewRun, NewSession};
use crate::startup::{AppState, Application};

#[derive(Parser)]
#[command(
    name = "mietschulung",
    version,
    about = "Tenant trainings for municipalities: planning, attendance, verifiable certificates"
)]
pub struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Run the web service (default).
    Serve {
        /// Address to listen on, e.g. 0.0.0.0:8080 (env MIETSCHULUNG_BIND).
        #[arg(long)]
        bind: Option<String>,
    },
    /// Apply pending database migrations and exit.
    Migrate,
    /// Manage user accounts.
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// Manage organisations (municipalities).
    Org {
        #[command(subcommand)]
        command: OrgCommand,
    },
    /// Manage certificate signing keys.
    Keys {
        #[command(subcommand)]
        command: KeysCommand,
    },
    /// Create a demo organisation with a complete training and write its certificates.
    Demo {
        /// Directory for the certificate PDFs.
        #[arg(long)]
        out: PathBuf,
    },
    /// Check a certificate URL or token offline against a JWKS; exits 1 when invalid.
    Verify {
        /// The URL from the QR code, or the bare base32 token.
        input: String,
        /// JWKS file or URL (default: <host of the URL>/.well-known/jwks.json).
        #[arg(long)]
        jwks: Option<String>,
        /// Signed revocation list, file or URL (default: <host of the URL>/.well-known/revoked);
        /// `none` skips the revocation check (the answer then says so).
        #[arg(long)]
        revoked: Option<String>,
    },
}

#[derive(Subcommand)]
enum UserCommand {
    /// Create a user; the password is read from stdin (or prompted for).
    Create {
        /// Organisation slug (not for admins).
        #[arg(long)]
        org: Option<String>,
        #[arg(long)]
        email: String,
        /// admin, coordinator or trainer.
        #[arg(long)]
        role: String,
        /// Display name (default: the part of the email before @).
        #[arg(long)]
        name: Option<String>,
    },
    /// Set a user's password (read from stdin or prompted for); ends all their sessions and
    /// API tokens.
    SetPassword {
        #[arg(long)]
        email: String,
    },
    /// Deactivate a user: they can no longer log in, and their sessions and API tokens end.
    Deactivate {
        #[arg(long)]
        email: String,
    },
}

#[derive(Subcommand)]
enum OrgCommand {
    /// Create an organisation.
    Create {
        #[arg(long)]
        slug: String,
        #[arg(long)]
        name: String,
        /// Issuing body printed on certificates.
        #[arg(long)]
        issuer: String,
        #[arg(long)]
        signatory: String,
        #[arg(long, default_value = "")]
        signatory_title: String,
    },
}

#[derive(Subcommand)]
enum KeysCommand {
    /// Generate a signing key (for an organisation, or deployment-wide).
    Generate {
        #[arg(long)]
        org: Option<String>,
    },
    /// List signing keys with their state and fingerprint.
    List,
    /// New key for an organisation; its previous keys are retired (they keep verifying).
    Rotate {
        #[arg(long)]
        org: String,
    },
    /// Stop issuing with a key; certificates signed with it stay valid.
    Retire {
        #[arg(long)]
        kid: u8,
    },
    /// Mark a key as compromised: it leaves the JWKS and its certificates are only
    /// accepted where they match the database exactly.
    Compromise {
        #[arg(long)]
        kid: u8,
    },
}

pub fn main() -> anyhow::Result<std::process::ExitCode> {
    crate::telemetry::init();
    let cli = Cli::parse();
    let command = cli.command.unwrap_or(Command::Serve { bind: None });
    // Offline verification touches no data directory or database.
    let settings = match &command {
        Command::Verify {
            input,
            jwks,
            revoked,
        } => return verify(input, jwks.as_deref(), revoked.as_deref()),
        _ => Settings::load()?,
    };
    match command {
        Command::Serve { bind } => {
            let mut settings = settings;
            if let Some(b) = bind {
                settings.bind = b;
            }
            serve(settings)?;
        }
        Command::Migrate => {
            let db = crate::db::Db::connect(&settings.database_url, 1)?;
            let n = db.migrate()?;
            println!("{n} migration(s) applied");
        }
        Command::User {
            command:
                UserCommand::Create {
                    org,
                    email,
                    role,
                    name,
                },
        } => {
            let password = read_password()?;
            let state = AppState::new(&settings)?;
            let user = state
                .db
                .run_blocking(|conn| {
                    let role = Role::parse(&role)?;
                    let organisation_id = match org {
                        Some(slug) => Some(org_by_slug(conn, &slug)?.id),
                        None => None,
                    };
                    let display_name =
                        name.unwrap_or_else(|| email.split('@').next().unwrap_or("").to_string());
                    auth::service::create_user(
                        conn,
                        None,
                        auth::service::NewUser {
                            organisation_id,
                            email,
                            display_name,
                            password,
                            role,
                        },
                    )
                })
                .map_err(user_error)?;
            println!("created {} ({})", user.email, user.role);
        }
        Command::User {
            command: UserCommand::SetPassword { email },
        } => {
            let password = read_password()?;
            let state = AppState::new(&settings)?;
            state
                .db
                .run_blocking(|conn| auth::service::set_password(conn, &email, &password))
                .map_err(user_error)?;
            println!("password set; all sessions and API tokens of {email} ended");
        }
        Command::User {
            command: UserCommand::Deactivate { email },
        } => {
            let state = AppState::new(&settings)?;
            state
                .db
                .run_blocking(|conn| auth::service::deactivate_by_email(conn, &email))
                .map_err(user_error)?;
            println!("deactivated {email}; all sessions and API tokens ended");
        }
        Command::Org {
            command:
                OrgCommand::Create {
                    slug,
                    name,
                    issuer,
                    signatory,
                    signatory_title,
                },
        } => {
            let state = AppState::new(&settings)?;
            let org = state
                .db
                .run_blocking(|conn| {
                    orgs::service::create(
                        conn,
                        None,
                        orgs::models::NewOrganisation {
                            slug,
                            name,
                            issuer_name: issuer,
                            signatory_name: signatory,
                            signatory_title,
                        },
                    )
                })
                .map_err(user_error)?;
            println!("created organisation {} (id {})", org.slug, org.id);
        }
        Command::Keys { command } => {
            let state = AppState::new(&settings)?;
            match command {
                KeysCommand::Generate { org } => {
                    let kid = state
                        .db
                        .run_blocking(|conn| {
                            let org_id = match org {
                                Some(slug) => Some(org_by_slug(conn, &slug)?.id),
                                None => None,
                            };
                            state.keyring.generate(conn, org_id)
                        })
                        .map_err(user_error)?;
                    let key = state.keyring.cached(kid).context("new key not loaded")?;
                    println!(
                        "generated key kid={kid} fingerprint={}",
                        token::key_fingerprint(&key.key)
                    );
                }
                KeysCommand::Rotate { org } => {
                    let kid = state
                        .db
                        .run_blocking(|conn| {
                            let org = org_by_slug(conn, &org)?;
                            crate::db::write_transaction(conn, |conn| {
                                keys::retire_all_of(conn, org.id)?;
                                state.keyring.generate(conn, Some(org.id))
                            })
                        })
                        .map_err(user_error)?;
                    println!(
                        "rotated: new key kid={kid}; previous keys retired and still verifying"
                    );
                }
                KeysCommand::Retire { kid } => {
                    state
                        .db
                        .run_blocking(|conn| keys::retire(conn, kid))
                        .map_err(user_error)?;
                    println!("key kid={kid} retired");
                }
                KeysCommand::Compromise { kid } => {
                    state
                        .db
                        .run_blocking(|conn| keys::compromise(conn, kid))
                        .map_err(user_error)?;
                    println!("key kid={kid} marked compromised and removed from the JWKS");
                }
                KeysCommand::List => {
                    let records = state
                        .db
                        .run_blocking(keys::all_records)
                        .map_err(user_error)?;
                    for r in records {
                        let state_text = if r.compromised_at.is_some() {
                            "compromised"
                        } else if r.retired_at.is_some() {
                            "retired"
                        } else {
                            "active"
                        };
                        let fp = u8::try_from(r.kid)
                            .ok()
                            .and_then(|k| state.keyring.cached(k))
                            .map(|k| token::key_fingerprint(&k.key))
                            .unwrap_or_default();
                        println!(
                            "kid={} org={:?} {} {}",
                            r.kid, r.organisation_id, state_text, fp
                        );
                    }
                }
            }
        }
        Command::Demo { out } => demo(&settings, &out)?,
        Command::Verify { .. } => {}
    }
    Ok(std::process::ExitCode::SUCCESS)
}

fn user_error(e: AppError) -> anyhow::Error {
    anyhow::anyhow!("{e}")
}

fn org_by_slug(conn: &mut DbConn, slug: &str) -> Result<orgs::Organisation, AppError> {
    orgs::repo::find_by_slug(conn, slug)?.ok_or_else(|| {
        AppError::invalid(
            "org",
            format!("Es gibt keine Organisation mit dem Kürzel „{slug}“."),
        )
    })
}

fn read_password() -> anyhow::Result<String> {
    if std::io::stdin().is_terminal() {
        Ok(rpassword::prompt_password("Passwort: ")?)
    } else {
        let mut line = String::new();
        std::io::stdin().lock().read_line(&mut line)?;
        Ok(line.trim_end_matches(['\r', '\n']).to_string())
    }
}

fn serve(settings: Settings) -> anyhow::Result<()> {
    actix_web::rt::System::new().block_on(async move {
        let bind = settings.bind.clone();
        let app = Application::build(settings).await?;
        tracing::info!(%bind, port = app.port(), "mietschulung listening");
        app.run_until_stopped().await?;
        Ok(())
    })
}

const DEMO_PASSWORD: &str = "demo-passwort-2026";

fn demo(settings: &Settings, out: &std::path::Path) -> anyhow::Result<()> {
    std::fs::create_dir_all(out).with_context(|| format!("creating {}", out.display()))?;
    let state = AppState::new(settings)?;
    let today = crate::time::today_local();
    let result = state
        .db
        .run_blocking(|conn| {
            let slug = (1..1000)
                .map(|n| {
                    if n == 1 {
                        "demo".to_string()
                    } else {
                        format!("demo-{n}")
                    }
                })
                .find(|s| orgs::repo::find_by_slug(conn, s).ok().flatten().is_none())
                .unwrap_or_else(|| "demo-x".into());
            let org = orgs::service::create(
                conn,
                None,
                orgs::models::NewOrganisation {
                    slug: slug.clone(),
                    name: "Landkreis Musterland (Demo)".into(),
                    issuer_name: "Landratsamt Musterland – Integrationsmanagement".into(),
                    signatory_name: "Dr. Sabine Müller".into(),
                    signatory_title: "Leiterin Integrationsmanagement".into(),
                },
            )?;
            let mk_user = |conn: &mut DbConn, prefix: &str, name: &str, role: Role| {
                auth::service::create_user(
                    conn,
                    None,
                    auth::service::NewUser {
                        organisation_id: Some(org.id),
                        email: format!("{prefix}@{slug}.example.org"),
                        display_name: name.into(),
                        password: DEMO_PASSWORD.into(),
                        role,
                    },
                )
            };
            let coordinator = mk_user(
                conn,
                "koordination",
                "Katrin Koordinatorin",
                Role::Coordinator,
            )?;
            let trainer = mk_user(conn, "training", "Tarek Trainer", Role::Trainer)?;
            let coord = Actor::from_user(&coordinator)?;
            let train = Actor::from_user(&trainer)?;
            let course = crate::planning::service::create_course(
                conn,
                &coord,
                NewCourse {
                    code: "MS-DEMO".into(),
                    title: "Mietführerschein – Gut wohnen in Deutschland".into(),
                    description: "Fünf Module mit Dolmetschung, kurzer Test am Ende.".into(),
                },
            )?;
            let module_specs = [
                ("Mietvertrag", 90, true),
                ("Rechte und Pflichten", 60, true),
                ("Heizen und Lüften", 45, true),
                ("Energie und Wasser sparen", 45, false),
                ("Mülltrennung und Hausordnung", 60, true),
            ];
            let mut modules = Vec::new();
            for (title, minutes, mandatory) in module_specs {
                modules.push(crate::planning::service::add_module(
                    conn,
                    &coord,
                    course.id,
                    NewModule {
                        description: String::new(),
                        title: title.into(),
                        duration_minutes: minutes,
                        mandatory,
                    },
                )?);
            }
            let start = today - chrono::Duration::days(14);
            let run = crate::planning::service::create_run(
                conn,
                &coord,
                course.id,
                NewRun {
                    start_date: start,
                    end_date: start + chrono::Duration::days(7),
                    place: "Volkshochschule Musterstadt".into(),
                    capacity: 12,
                    interpreter_languages: vec!["ar".into(), "uk".into()],
                },
            )?;
            let at = |d: chrono::NaiveDate, h: u32| d.and_hms_opt(h, 0, 0).unwrap_or_default();
            let s1 = crate::planning::service::create_session(
                conn,
                &coord,
                run.id,
                NewSession {
                    starts_at: at(start, 9),
                    ends_at: at(start, 12),
                    location: "VHS Raum 1.12".into(),
                    trainer_id: Some(trainer.id),
                    trainer_ids: vec![],
                    interpreter_languages: vec![],
                    module_ids: modules[..3].iter().map(|m| m.id).collect(),
                },
            )?;
            let s2 = crate::planning::service::create_session(
                conn,
                &coord,
                run.id,
                NewSession {
                    starts_at: at(start + chrono::Duration::days(7), 9),
                    ends_at: at(start + chrono::Duration::days(7), 11),
                    location: "VHS Raum 1.12".into(),
                    trainer_id: Some(trainer.id),
                    trainer_ids: vec![],
                    interpreter_languages: vec![],
                    module_ids: modules[3..].iter().map(|m| m.id).collect(),
                },
            )?;
            let people = [
                ("Amira", "Haddad", "ar", Some("amira.haddad@example.org")),
                ("Олена", "Шевченко", "uk", None),
                ("Jürgen", "Größmann", "de", None),
            ];
            let mut participants = Vec::new();
            for (given, family, lang, email) in people {
                let p = crate::participants::service::register(
                    conn,
                    &coord,
                    crate::participants::models::NewParticipant {
                        given_name: given.into(),
                        family_name: family.into(),
                        preferred_language: lang.into(),
                        phone: None,
                        email: email.map(Into::into),
                        consent: true,
                        consent_date: Some(start - chrono::Duration::days(3)),
                        referrer_name: None,
                        referrer_organisation: None,
                        referrer_contact: None,
                    },
                )?;
                crate::participants::service::enroll(conn, &coord, run.id, p.id)?;
                participants.push(p);
            }
            for (i, p) in participants.iter().enumerate() {
                crate::attendance::service::mark(
                    conn,
                    &train,
                    s1.id,
                    p.id,
                    AttendanceStatus::Present,
                    false,
                )?;
                let second = if i == 1 {
                    AttendanceStatus::Late
                } else {
                    AttendanceStatus::Present
                };
                crate::attendance::service::mark(conn, &train, s2.id, p.id, second, false)?;
            }
            let summary =
                crate::certificates::service::issue_for_run(conn, &state.issuer, &coord, run.id)?;
            let mut files = Vec::new();
            for view in &summary.issued {
                let (name, bytes) =
                    crate::certificates::service::pdf(conn, &state.issuer, &coord, view.id)?;
                files.push((
                    name,
                    bytes,
                    view.holder_name.clone(),
                    view.verification_url.clone(),
                ));
            }
            Ok::<_, AppError>((slug, coordinator.email, trainer.email, files))
        })
        .map_err(user_error)?;
    let (slug, coordinator, trainer, files) = result;
    println!("Demo-Organisation: {slug}");
    for (name, bytes, holder, url) in files {
        let path = out.join(&name);
        std::fs::write(&path, bytes).with_context(|| format!("writing {}", path.display()))?;
        println!("{holder}: {} -> {url}", path.display());
    }
    println!("Anmeldung Koordination: {coordinator} / {DEMO_PASSWORD}");
    println!("Anmeldung Training:     {trainer} / {DEMO_PASSWORD}");
    Ok(())
}

fn load_jwks(source: &str) -> anyhow::Result<serde_json::Value> {
    serde_json::from_slice(&load_bytes(source)?).with_context(|| format!("{source} is not JSON"))
}

/// `https://host[/prefix]` of a verification URL, lower case.
fn base_of(input: &str) -> Option<String> {
    let lower = input.trim().to_ascii_lowercase();
    let idx = lower.rfind("/z/")?;
    Some(lower[..idx].to_string())
}

fn load_bytes(source: &str) -> anyhow::Result<Vec<u8>> {
    use std::io::Read;
    let limit = crate::certificates::revocation::MAX_LIST_BYTES as u64 + 1;
    let mut bytes = Vec::new();
    if source.starts_with("http://") || source.starts_with("https://") {
        ureq::get(source)
            .timeout(std::time::Duration::from_secs(15))
            .call()?
            .into_reader()
            .take(limit)
            .read_to_end(&mut bytes)?;
    } else {
        std::fs::File::open(source)
            .with_context(|| format!("reading {source}"))?
            .take(limit)
            .read_to_end(&mut bytes)?;
    }
    Ok(bytes)
}

/// A key from the JWKS: its organisation (none for the deployment's own key) and state.
struct JwksKey {
    key: ed25519_dalek::VerifyingKey,
    organisation_id: Option<i64>,
    status: String,
}

fn parse_jwks(set: &serde_json::Value) -> std::collections::HashMap<u8, JwksKey> {
    let mut keys = std::collections::HashMap::new();
    for k in set["keys"]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or_default()
    {
        let kid = k["kid"].as_str().and_then(|s| s.parse::<u8>().ok());
        let x = k["x"]
            .as_str()
            .and_then(|x| data_encoding::BASE64URL_NOPAD.decode(x.as_bytes()).ok())
            .and_then(|x| <[u8; 32]>::try_from(x.as_slice()).ok())
            .and_then(|b| ed25519_dalek::VerifyingKey::from_bytes(&b).ok());
        if let (Some(kid), Some(key), Some("OKP"), Some("Ed25519")) =
            (kid, x, k["kty"].as_str(), k["crv"].as_str())
        {
            keys.insert(
                kid,
                JwksKey {
                    key,
                    organisation_id: k["organisation_id"].as_i64(),
                    status: k["status"].as_str().unwrap_or("active").to_string(),
                },
            );
        }
    }
    keys
}

fn check_line(ok: bool, what: &str, detail: &str) {
    println!("[{}] {what}: {detail}", if ok { " ok " } else { "FEHLER" });
}

fn fail(check: &str) -> anyhow::Result<std::process::ExitCode> {
    println!("ERGEBNIS: UNGÜLTIG (fehlgeschlagene Prüfung: {check})");
    Ok(std::process::ExitCode::FAILURE)
}

/// Offline check in the order the README gives ("Offline checks"), printing each step, so a person sees which
/// check failed: format, structure, algorithm, key, signature, revocation list.
fn verify(
    input: &str,
    jwks: Option<&str>,
    revoked: Option<&str>,
) -> anyhow::Result<std::process::ExitCode> {
    use crate::certificates::revocation::{self, Listed};
    use token::TokenError as E;
    let base = base_of(input);
    let jwks_source = match (jwks, &base) {
        (Some(s), _) => s.to_string(),
        (None, Some(b)) => format!("{b}/.well-known/jwks.json"),
        (None, None) => anyhow::bail!("a bare token needs --jwks FILE-or-URL"),
    };
    let list_source = match (revoked, &base) {
        (Some("none"), _) => None,
        (Some(s), _) => Some(s.to_string()),
        (None, Some(b)) => Some(format!("{b}/.well-known/revoked")),
        (None, None) => {
            anyhow::bail!("a bare token needs --revoked FILE-or-URL (or --revoked none)")
        }
    };
    let keys = parse_jwks(&load_jwks(&jwks_source)?);

    let bytes = match token::token_from_text(input) {
        Ok(b) => b,
        Err(e) => {
            check_line(
                false,
                "Format",
                &format!("kein gültiger Base32-Token ({e})"),
            );
            return fail("Format");
        }
    };
    check_line(true, "Format", &format!("Base32, {} Bytes", bytes.len()));
    let verified = match token::verify(&bytes, |kid| keys.get(&kid).map(|k| k.key)) {
        Ok(v) => v,
        Err(e) => {
            let (check, detail) = match e {
                E::TooLong | E::NotBase32 => ("Format", "kein gültiger Base32-Token"),
                E::TooLarge | E::Malformed | E::OverBudget => {
                    ("Aufbau", "kein COSE_Sign1-Token einer Bescheinigung")
                }
                E::UnsupportedAlgorithm => ("Algorithmus", "nicht Ed25519 (erlaubt: -19, -8)"),
                E::UnknownKey => (
                    "Schlüssel",
                    "Schlüsselnummer nicht im Schlüsselverzeichnis (unbekannt oder als kompromittiert entfernt)",
                ),
                E::BadSignature => (
                    "Signatur",
                    "stimmt nicht: Inhalt verändert oder mit einem anderen Schlüssel signiert",
                ),
            };
            if check != "Aufbau" && check != "Format" {
                check_line(true, "Aufbau", "COSE_Sign1");
            }
            check_line(false, check, detail);
            return fail(check);
        }
    };
    let key = keys.get(&verified.kid);
    check_line(true, "Aufbau", "COSE_Sign1 mit CWT");
    check_line(true, "Algorithmus", &format!("Ed25519 ({})", verified.alg));
    check_line(
        true,
        "Schlüssel",
        &format!(
            "kid {}, {}, {}, Fingerabdruck {}",
            verified.kid,
            key.and_then(|k| k.organisation_id)
                .map_or("Betreiber".to_string(), |o| format!("Organisation {o}")),
            key.map_or("?", |k| k.status.as_str()),
            key.map(|k| token::key_fingerprint(&k.key))
                .unwrap_or_default()
        ),
    );
    check_line(true, "Signatur", "gültig (verify_strict)");

    let listed = match list_source {
        None => {
            println!("[ -- ] Sperrliste: nicht geprüft (--revoked none)");
            None
        }
        Some(source) => {
            let list_bytes = match load_bytes(&source) {
                Ok(b) => b,
                Err(e) => {
                    check_line(false, "Sperrliste", &format!("nicht abrufbar: {e}"));
                    return fail("Sperrliste");
                }
            };
            // Only the deployment's own key (no organisation) signs revocation lists.
            let list_key = |kid: u8| {
                keys.get(&kid)
                    .filter(|k| k.organisation_id.is_none())
                    .map(|k| k.key)
            };
            let now = chrono::Utc::now().timestamp();
            match revocation::verify(&list_bytes, list_key, now) {
                Ok(list) => {
                    if let Some(b) = &base {
                        if !list.issuer.eq_ignore_ascii_case(b.trim_end_matches('/')) {
                            check_line(
                                false,
                                "Sperrliste",
                                &format!("stammt von {}, nicht von {b}", list.issuer),
                            );
                            return fail("Sperrliste");
                        }
                    }
                    let when = |t: i64| {
                        chrono::DateTime::from_timestamp(t, 0)
                            .map(|d| d.to_rfc3339())
                            .unwrap_or_default()
                    };
                    let hit = list.lookup(&verified.claims.code);
                    check_line(
                        hit == Listed::No,
                        "Sperrliste",
                        &format!(
                            "signiert, vom {}, gültig bis {}, {} Einträge; {}",
                            when(list.issued_at),
                            when(list.next_update),
                            list.revoked.len() + list.replaced.len(),
                            match hit {
                                Listed::No => "Code nicht enthalten",
                                Listed::Revoked => "Code als WIDERRUFEN gelistet",
                                Listed::Replaced =>
                                    "Code als ERSETZT gelistet (neuere Bescheinigung)",
                            }
                        ),
                    );
                    Some(hit)
                }
                Err(e) => {
                    check_line(false, "Sperrliste", &e.to_string());
                    return fail("Sperrliste");
                }
            }
        }
    };
    match listed {
        Some(Listed::Revoked) => println!("ERGEBNIS: WIDERRUFEN"),
        Some(Listed::Replaced) => println!("ERGEBNIS: UNGÜLTIG – ERSETZT"),
        Some(Listed::No) => println!("ERGEBNIS: GÜLTIG"),
        None => println!("ERGEBNIS: GÜLTIGE SIGNATUR (Sperrstatus nicht geprüft)"),
    }
    println!("Name:        {}", verified.claims.holder_name);
    println!("Kurs:        {}", verified.claims.course_code);
    println!(
        "Abschluss:   {}",
        verified.claims.completion_date.format("%d.%m.%Y")
    );
    println!("Code:        {}", token::format_code(&verified.claims.code));
    if matches!(listed, Some(Listed::Revoked | Listed::Replaced)) {
        return Ok(std::process::ExitCode::FAILURE);
    }
    Ok(std::process::ExitCode::SUCCESS)
}
