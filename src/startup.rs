//! Builds the application: database, migrations, keys, background jobs, HTTP server.
//! Tests hand in a listener they bound to port 0 and talk to the real server.
//!
//! Stopping: actix ends the server on SIGTERM or SIGINT: it stops accepting at once and
//! finishes the requests in flight (up to [`REQUEST_STOP_GRACE`]); then the background jobs
//! stop, each between two pieces of work (see [`crate::jobs`]), and the process exits 0.

use std::net::TcpListener;
use std::sync::Arc;
use std::time::Duration;

use actix_session::config::CookieContentSecurity;
use actix_session::storage::CookieSessionStore;
use actix_session::SessionMiddleware;
use actix_web::cookie::{Key, SameSite};
use actix_web::dev::Server;
use actix_web::middleware::DefaultHeaders;
use actix_web::{get, web, App, HttpRequest, HttpResponse, HttpServer};

use crate::accessibility::public::FeedbackLimit;
use crate::auth::service::AuthSettings;
use crate::certificates::keys::KeyRing;
use crate::certificates::service::CertificateIssuer;
use crate::config::Settings;
use crate::db::Db;
use crate::error::AppError;
use crate::i18n::Text;
use crate::jobs::{Job, Supervisor};
use crate::rate_limit::{ClientLimiter, VerifyLimits};
use crate::surveys::api::OpenLinkLimit;
use crate::web::OwnPageLimit;

/// How long stopping waits for the background jobs to finish their current tick.
const JOB_STOP_GRACE: Duration = Duration::from_secs(10);
/// How long stopping waits for requests in flight (a large download on a slow line); with
/// the jobs' grace, within the 60 s an orchestrator should allow (README, "Betrieb").
const REQUEST_STOP_GRACE: u64 = 30;

/// Shared services, built once per process.
#[derive(Clone)]
pub struct AppState {
    pub db: Db,
    pub keyring: Arc<KeyRing>,
    pub issuer: Arc<CertificateIssuer>,
    pub public_checks: Arc<crate::verification::service::PublicChecks>,
}

impl AppState {
    /// Opens the database and the keys; refuses to run with keys that cannot sign (see
    /// `KeyRing::start`), so a lost keys directory or key file stops start-up with its
    /// path instead of being replaced by new keys.
    pub fn new(settings: &Settings) -> anyhow::Result<AppState> {
        let state = Self::open(settings)?;
        let refused = state
            .db
            .run_blocking(|conn| state.keyring.start(conn))
            .map_err(|e| anyhow::anyhow!("loading signing keys: {e:#}"))?;
        if !refused.is_empty() {
            let lines: Vec<String> = refused.iter().map(ToString::to_string).collect();
            anyhow::bail!("cannot start with these signing keys:\n- {}", lines.join("\n- "));
        }
        Ok(state)
    }

    /// Opens the database and loads the public keys without checking or making any key:
    /// for the `keys` commands, which must work on the keys start-up refuses (retiring a
    /// key whose private half is lost).
    pub fn for_key_repair(settings: &Settings) -> anyhow::Result<AppState> {
        let state = Self::open(settings)?;
        state
            .db
            .run_blocking(|conn| state.keyring.reload(conn))
            .map_err(|e| anyhow::anyhow!("loading signing keys: {e:#}"))?;
        Ok(state)
    }

    fn open(settings: &Settings) -> anyhow::Result<AppState> {
        let db = Db::connect(&settings.database_url, settings.db_pool_size, settings.db_keep_idle)?;
        db.migrate()?;
        let keyring = Arc::new(KeyRing::new(settings.keys_dir.clone()));
        let issuer = Arc::new(CertificateIssuer {
            public_url: settings.public_url.clone(),
            keyring: keyring.clone(),
            renderer: Arc::default(),
            images: Default::default(),
            own_page: crate::certificates::own_page::OwnPageKey::derive(
                &settings.session_key_bytes(),
            ),
        });
        Ok(AppState { db, keyring, issuer, public_checks: Arc::default() })
    }
}

pub struct Application {
    port: u16,
    server: Server,
    jobs: Supervisor,
    pub state: AppState,
}

impl Application {
    /// Listens on the address from the settings.
    pub async fn build(settings: Settings) -> anyhow::Result<Application> {
        let listener = TcpListener::bind(&settings.bind)
            .map_err(|e| anyhow::anyhow!("cannot listen on {}: {e}", settings.bind))?;
        Self::build_with_listener(settings, listener, None).await
    }

    /// Serves on `listener`, bound beforehand: tests keep the socket they bound to port 0,
    /// so no other test can take the port in between. `workers`: HTTP worker threads
    /// (default: one per core).
    pub async fn build_with_listener(
        settings: Settings, listener: TcpListener, workers: Option<usize>,
    ) -> anyhow::Result<Application> {
        let state = AppState::new(&settings)?;
        let port = listener.local_addr()?.port();
        let shared = Shared::new(&settings);
        let jobs = start_jobs(&state, &settings, &shared)?;
        let server = run(listener, state.clone(), settings, shared, workers)?;
        Ok(Application { port, server, jobs, state })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// Serves until actix stops the server (SIGTERM, SIGINT), then stops the background
    /// jobs.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let served = self.server.await;
        self.jobs.shutdown(JOB_STOP_GRACE).await;
        served
    }
}

/// Request limits and session rules, used by the handlers and cleaned up by the jobs.
struct Shared {
    limits: web::Data<VerifyLimits>,
    open_link_limit: web::Data<OpenLinkLimit>,
    own_page_limit: web::Data<OwnPageLimit>,
    feedback_limit: web::Data<FeedbackLimit>,
    auth_settings: web::Data<AuthSettings>,
}

impl Shared {
    fn new(settings: &Settings) -> Shared {
        Shared {
            limits: web::Data::new(VerifyLimits::new(
                settings.verify_rate_per_minute,
                settings.code_form_rate_per_minute,
            )),
            open_link_limit: web::Data::new(OpenLinkLimit(ClientLimiter::per_minute(
                settings.survey_open_rate_per_minute,
            ))),
            own_page_limit: web::Data::new(OwnPageLimit(ClientLimiter::per_minute(
                settings.verify_rate_per_minute,
            ))),
            feedback_limit: web::Data::new(FeedbackLimit(ClientLimiter::per_minute(
                settings.code_form_rate_per_minute,
            ))),
            auth_settings: web::Data::new(AuthSettings::from_settings(settings)),
        }
    }
}

fn start_jobs(
    state: &AppState, settings: &Settings, shared: &Shared,
) -> anyhow::Result<Supervisor> {
    let db = &state.db;
    let mut jobs = Supervisor::new();
    jobs.start(crate::mail::worker::job(db.clone(), settings.clone())?);
    if let Some(job) = crate::reminders::service::job(db.clone(), settings.clone()) {
        jobs.start(job);
    }
    jobs.start(crate::surveys::invite::reminder_job(
        db.clone(),
        settings.public_url.clone(),
        crate::surveys::release::PoolKey::from_settings(settings),
    ));
    jobs.start(crate::verification::counter::flush_job(
        db.clone(),
        state.public_checks.counter.clone(),
    ));
    jobs.start(forget_idle_clients(shared));
    jobs.start(purge_ended_sessions(db.clone(), shared.auth_settings.get_ref().clone()));
    jobs.start(crate::privacy::erasure::service::job(db.clone(), state.keyring.clone()));
    jobs.start(return_freed_memory());
    Ok(jobs)
}

/// Forgets clients whose allowance is full again, so the limiters' memory stays bounded.
fn forget_idle_clients(shared: &Shared) -> Job {
    let limits = shared.limits.clone();
    let open_link_limit = shared.open_link_limit.clone();
    let own_page_limit = shared.own_page_limit.clone();
    let feedback_limit = shared.feedback_limit.clone();
    Job::every("request limits", Duration::from_secs(60), move || {
        limits.token.retain_recent();
        limits.code_form.retain_recent();
        open_link_limit.0.retain_recent();
        own_page_limit.0.retain_recent();
        feedback_limit.0.retain_recent();
        std::future::ready(Ok::<(), AppError>(()))
    })
}

/// glibc keeps what a burst of requests freed in its per-thread arenas, so the resident
/// size stayed at its peak after a load (111 MB against 48 MB idle); once a minute it is
/// handed back to the system.
fn return_freed_memory() -> Job {
    Job::every("freed memory", Duration::from_secs(60), || {
        #[cfg(all(target_os = "linux", target_env = "gnu"))]
        // SAFETY: malloc_trim only returns free pages of the allocator's own arenas; it takes
        // their locks like any allocation.
        unsafe {
            libc::malloc_trim(0);
        }
        std::future::ready(Ok::<(), AppError>(()))
    })
}

/// Sessions that ended by time are deleted when met; this forgets the ones never met again,
/// so the table holds only live sessions.
fn purge_ended_sessions(db: Db, auth: AuthSettings) -> Job {
    Job::every("session purge", Duration::from_secs(3600), move || {
        let (db, auth) = (db.clone(), auth.clone());
        async move {
            db.run(move |conn| crate::auth::service::purge_sessions(conn, &auth)).await.map(|_| ())
        }
    })
}

#[get("/healthz")]
async fn healthz() -> HttpResponse {
    HttpResponse::Ok().content_type("text/plain").body("ok")
}

/// Ready (200) when the database answers and the data directory takes a new file, with the
/// mail outbox's counts for monitoring: `{"status": "ready", "mail": {"pending": n,
/// "failed": m}}`; else 503 `{"status": "unready", "reason": "…"}`. Failed mail does not
/// make a replica unready (another replica could not do better); it is for a person to look
/// at. The data directory matters even on PostgreSQL: mail files, organisation images and
/// the keys live there.
#[get("/readyz")]
async fn readyz(db: web::Data<Db>, settings: web::Data<Settings>) -> HttpResponse {
    let unready = |reason: &str| {
        HttpResponse::ServiceUnavailable()
            .insert_header(("Cache-Control", "no-store"))
            .json(serde_json::json!({"status": "unready", "reason": reason}))
    };
    let Ok(mail) = db.run(crate::mail::service::queue_counts).await else {
        return unready("database unreachable");
    };
    let dir = settings.data_dir.clone();
    if !matches!(web::block(move || data_dir_writable(&dir)).await, Ok(Ok(()))) {
        return unready("data directory not writable");
    }
    HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .json(serde_json::json!({"status": "ready", "mail": mail}))
}

/// Creates and removes a file of its own in `dir`: what writing a mail file, an image or
/// a key needs (the directory's permissions, a full or read-only file system).
fn data_dir_writable(dir: &std::path::Path) -> std::io::Result<()> {
    use rand::RngCore;
    let mut raw = [0u8; 8];
    rand::thread_rng().fill_bytes(&mut raw);
    let probe = dir.join(format!(".readyz-{}", data_encoding::HEXLOWER.encode(&raw)));
    let written = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&probe)
        .and_then(|mut f| std::io::Write::write_all(&mut f, b"ok"));
    let removed = std::fs::remove_file(&probe);
    written.and(removed)
}

#[get("/static/{file}")]
async fn static_file(path: web::Path<String>) -> HttpResponse {
    match crate::templates::static_file(&path.into_inner()) {
        Some((bytes, mime)) => HttpResponse::Ok()
            .content_type(mime)
            .insert_header(("Cache-Control", "public, max-age=3600"))
            .body(bytes),
        None => HttpResponse::NotFound().finish(),
    }
}

async fn not_found(req: HttpRequest) -> actix_web::Result<HttpResponse> {
    let err = AppError::NotFound(Text::key("error.no_such_page"));
    if req.path().starts_with("/api/") {
        Err(err.into())
    } else {
        // A mistyped link reaches anyone, a participant too: in the reader's language.
        Ok(crate::web::error_page(&err, crate::web::reader_language(&req)))
    }
}

fn json_error(err: actix_web::error::JsonPayloadError, _req: &HttpRequest) -> actix_web::Error {
    use actix_web::error::JsonPayloadError;
    let message = match &err {
        JsonPayloadError::ContentType => Text::key("error.json.content_type"),
        JsonPayloadError::Overflow { .. } | JsonPayloadError::OverflowKnownLength { .. } => {
            Text::key("error.json.too_large")
        }
        JsonPayloadError::Deserialize(e) => Text::key("error.json.invalid").arg("detail", e),
        other => Text::key("error.json.unreadable").arg("detail", other),
    };
    AppError::Validation { field: None, message }.into()
}

fn path_error(_err: actix_web::error::PathError, req: &HttpRequest) -> actix_web::Error {
    let err = AppError::NotFound(Text::key("error.no_such_address"));
    if req.path().starts_with("/api/") {
        err.into()
    } else {
        crate::error::HtmlError(err).into()
    }
}

fn query_error(err: actix_web::error::QueryPayloadError, req: &HttpRequest) -> actix_web::Error {
    let err = AppError::Validation {
        field: None,
        message: Text::key("error.query_invalid").arg("detail", err),
    };
    if req.path().starts_with("/api/") {
        err.into()
    } else {
        crate::error::HtmlError(err).into()
    }
}

fn run(
    listener: TcpListener, state: AppState, settings: Settings, shared: Shared,
    workers: Option<usize>,
) -> anyhow::Result<Server> {
    let blocking_threads = settings.blocking_threads;
    let key = Key::derive_from(&settings.session_key_bytes());
    let secure = settings.cookie_secure();
    let db = web::Data::new(state.db.clone());
    let keyring = web::Data::new(state.keyring.clone());
    let issuer = web::Data::new(state.issuer.clone());
    let public_checks = web::Data::new(state.public_checks.clone());
    let org_setup = web::Data::new(organisation_setup(state.keyring.clone()));
    let metrics = Arc::new(crate::metrics::Metrics::new(state.db.backend));
    let metrics_access = settings.metrics_token.as_ref().map(crate::metrics::MetricsAccess::new);
    let Shared { limits, open_link_limit, own_page_limit, feedback_limit, auth_settings } = shared;
    let settings_data = web::Data::new(settings);
    let mut server = HttpServer::new(move || {
        let counted = metrics.clone();
        App::new()
            .wrap(
                SessionMiddleware::builder(CookieSessionStore::default(), key.clone())
                    .cookie_name("mietschulung".into())
                    .cookie_secure(secure)
                    .cookie_http_only(true)
                    .cookie_same_site(SameSite::Lax)
                    .cookie_content_security(CookieContentSecurity::Private)
                    .build(),
            )
            // Browsers that once reached the service over https never try plain http
            // again (a year; subdomains are the operator's to add at the proxy).
            .wrap(actix_web::middleware::Condition::new(
                secure,
                DefaultHeaders::new().add(("Strict-Transport-Security", "max-age=31536000")),
            ))
            .wrap(
                DefaultHeaders::new()
                    .add(("X-Content-Type-Options", "nosniff"))
                    .add(("X-Frame-Options", "DENY"))
                    .add(("Referrer-Policy", "same-origin"))
                    .add((
                        "Content-Security-Policy",
                        "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'",
                    )),
            )
            // Inside the log line's middleware: counting finds the route, logging reuses it.
            .wrap_fn(move |req, srv| crate::metrics::requests::observe(&counted, req, srv))
            // Outermost (the last wrapped): every line logged while serving, errors
            // included, carries the request's id.
            .wrap_fn(|req, srv| {
                let given = crate::web::forwarded_request_id(req.request());
                crate::telemetry::log_request(req, srv, given)
            })
            .app_data(db.clone())
            .app_data(keyring.clone())
            .app_data(issuer.clone())
            .app_data(public_checks.clone())
            .app_data(org_setup.clone())
            .app_data(settings_data.clone())
            .app_data(auth_settings.clone())
            .app_data(limits.clone())
            .app_data(open_link_limit.clone())
            .app_data(own_page_limit.clone())
            .app_data(feedback_limit.clone())
            .app_data(web::JsonConfig::default().limit(256 * 1024).error_handler(json_error))
            .app_data(web::PathConfig::default().error_handler(path_error))
            .app_data(web::QueryConfig::default().error_handler(query_error))
            .configure(routes)
            .configure(|cfg| {
                // Without a token there is no such route: 404 like any unknown path.
                if let Some(access) = &metrics_access {
                    crate::metrics::endpoint::configure(cfg, access.clone(), metrics.clone());
                }
            })
            .default_service(web::to(not_found))
    })
    .listen(listener)?;
    if let Some(n) = workers {
        server = server.workers(n);
    }
    server =
        server.worker_max_blocking_threads(blocking_threads).shutdown_timeout(REQUEST_STOP_GRACE);
    Ok(server.run())
}

/// A new organisation gets its signing key in its creation's transaction.
fn organisation_setup(keyring: Arc<KeyRing>) -> crate::orgs::service::OrganisationSetup {
    crate::orgs::service::OrganisationSetup(Arc::new(move |conn, org, actor| {
        keyring.create_organisation_key(conn, org, Some(actor)).map(|_| ())
    }))
}

fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(healthz)
        .service(readyz)
        // The public check page early: it is the one path under heavy load.
        .configure(crate::verification::public::configure)
        .configure(crate::verification::api::configure)
        .service(static_file)
        .service(crate::openapi::openapi_json)
        .configure(crate::auth::pages::configure)
        .configure(crate::auth::public::configure)
        .configure(crate::auth::api::configure)
        .configure(crate::orgs::pages::configure)
        .configure(crate::orgs::api::configure)
        .configure(crate::accessibility::pages::configure)
        .configure(crate::accessibility::public::configure)
        .configure(crate::accessibility::api::configure)
        .configure(crate::planning::pages::configure)
        .configure(crate::planning::public::configure)
        .configure(crate::planning::api::configure)
        .configure(crate::planning::titles::pages::configure)
        .configure(crate::planning::titles::api::configure)
        .configure(crate::participants::pages::configure)
        .configure(crate::participants::api::configure)
        .configure(crate::stakeholders::pages::configure)
        .configure(crate::stakeholders::api::configure)
        .configure(crate::surveys::pages::configure)
        .configure(crate::surveys::public::configure)
        .configure(crate::surveys::api::configure)
        .configure(crate::attendance::pages::configure)
        .configure(crate::attendance::api::configure)
        .configure(crate::runs::pages::configure)
        .configure(crate::runs::api::configure)
        .configure(crate::certificates::pages::configure)
        .configure(crate::certificates::public::configure)
        .configure(crate::certificates::api::configure)
        .configure(crate::reminders::public::configure)
        .configure(crate::programmes::pages::configure)
        .configure(crate::programmes::api::configure)
        .configure(crate::library::pages::configure)
        .configure(crate::library::api::configure)
        .configure(crate::reports::pages::configure)
        .configure(crate::reports::api::configure)
        .configure(crate::referrals::pages::configure)
        .configure(crate::referrals::api::configure)
        .configure(crate::web::nav::configure)
        .configure(crate::mail::pages::configure)
        .configure(crate::mail::api::configure)
        .configure(crate::audit::pages::configure)
        .configure(crate::audit::api::configure)
        .configure(crate::privacy::erasure::pages::configure)
        .configure(crate::privacy::erasure::api::configure)
        // After participants and stakeholders: `/participants/{id}` must not take
        // `/participants/import` for an id.
        .configure(crate::privacy::access::pages::configure)
        .configure(crate::privacy::access::api::configure)
        .configure(crate::privacy::access::public::configure);
}
