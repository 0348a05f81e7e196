//! Typed configuration, loaded once: defaults, then an optional TOML file
//! (`MIETSCHULUNG_CONFIG`, or `mietschulung.toml` in the working directory), then
//! `MIETSCHULUNG_*` environment variables (and `DATABASE_URL`). The defaults run with no setup.

use std::path::{Path, PathBuf};

use anyhow::Context;
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;

pub use crate::telemetry::LogFormat;

#[derive(Clone, Debug)]
pub struct Settings {
    pub bind: String,
    pub data_dir: PathBuf,
    pub database_url: String,
    pub public_url: String,
    pub smtp_url: Option<SecretString>,
    pub mail_from: String,
    /// Signs and encrypts the login cookie; must be the same on every replica.
    pub session_key: SecretString,
    pub db_pool_size: u32,
    /// Whether the pool keeps a connection open while idle (the service) or opens
    /// connections only while a caller waits for one (a command that does its work and
    /// exits; see [`crate::db::Db::connect`]). Set by the command, not configured.
    pub db_keep_idle: bool,
    /// Threads per HTTP worker for blocking work (database, PDFs). Bounded so memory stays
    /// bounded under load; a few more than the pool's connections is enough.
    pub blocking_threads: usize,
    pub outbox_poll_millis: u64,
    pub outbox_retry_base_secs: u64,
    pub outbox_max_attempts: i32,
    /// Seconds the SMTP client waits for each reply or write before it gives up. RFC 5321
    /// §4.5.3.2 recommends up to 10 minutes (after the final "." of a message); lettre
    /// takes one number for every step, so the default is that longest wait.
    pub smtp_timeout_secs: u64,
    pub keys_dir: PathBuf,
    /// Hours before a session when participants are reminded, e.g. [48, 2]; empty: none.
    pub reminder_hours: Vec<u32>,
    /// Checks of scanned certificate links per client and minute (0: no limit).
    pub verify_rate_per_minute: u32,
    /// Codes typed into the manual form per client and minute (0: no limit).
    pub code_form_rate_per_minute: u32,
    /// Answers started through a survey's open link per client and minute (0: no limit).
    /// Generous by default: a meeting scans one QR code from one Wi-Fi.
    pub survey_open_rate_per_minute: u32,
    /// A browser session ends after this long without a request.
    pub session_idle_minutes: u32,
    /// A browser session ends this long after login, however active.
    pub session_max_hours: u32,
    /// The bearer token `/metrics` asks for; unset, `/metrics` does not exist (404).
    pub metrics_token: Option<SecretString>,
    /// Reverse proxies whose `Forwarded` / `X-Forwarded-For` headers are believed
    /// (`MIETSCHULUNG_TRUSTED_PROXIES`); empty: the TCP peer is the client.
    pub trusted_proxies: TrustedProxies,
    /// `text` (default, for people) or `json` (one object per line, for log collectors).
    pub log_format: LogFormat,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileSettings {
    bind: Option<String>,
    data_dir: Option<PathBuf>,
    database_url: Option<String>,
    public_url: Option<String>,
    smtp_url: Option<String>,
    mail_from: Option<String>,
    session_key: Option<String>,
    db_pool_size: Option<u32>,
    blocking_threads: Option<usize>,
    outbox_poll_millis: Option<u64>,
    outbox_retry_base_secs: Option<u64>,
    outbox_max_attempts: Option<i32>,
    smtp_timeout_secs: Option<u64>,
    keys_dir: Option<PathBuf>,
    reminder_hours: Option<String>,
    verify_rate_per_minute: Option<u32>,
    code_form_rate_per_minute: Option<u32>,
    survey_open_rate_per_minute: Option<u32>,
    session_idle_minutes: Option<u32>,
    session_max_hours: Option<u32>,
    metrics_token: Option<String>,
    trusted_proxies: Option<String>,
    log_format: Option<String>,
}

fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

fn env_parse<T: std::str::FromStr>(name: &str) -> anyhow::Result<Option<T>> {
    match env(name) {
        None => Ok(None),
        Some(v) => {
            v.trim().parse().map(Some).map_err(|_| anyhow::anyhow!("{name} has an invalid value"))
        }
    }
}

/// The settings file: `MIETSCHULUNG_CONFIG`, else `mietschulung.toml` if present.
fn read_file() -> anyhow::Result<FileSettings> {
    let path = match env("MIETSCHULUNG_CONFIG") {
        Some(path) => Some(PathBuf::from(path)),
        None => Some(PathBuf::from("mietschulung.toml")).filter(|p| p.exists()),
    };
    let Some(path) = path else {
        return Ok(FileSettings::default());
    };
    let text =
        std::fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?;
    toml::from_str(&text).with_context(|| format!("parsing {}", path.display()))
}

/// Sets `target` from the variable `name`, else from the file's value, else leaves the
/// default.
fn set<T: std::str::FromStr>(target: &mut T, name: &str, file: Option<T>) -> anyhow::Result<()> {
    if let Some(v) = env_parse(name)?.or(file) {
        *target = v;
    }
    Ok(())
}

impl Settings {
    pub fn load() -> anyhow::Result<Settings> {
        let file = read_file()?;
        let data_dir = env("MIETSCHULUNG_DATA_DIR")
            .map(PathBuf::from)
            .or(file.data_dir.clone())
            .unwrap_or_else(|| PathBuf::from("./data"));
        let database_url = env("DATABASE_URL").or(file.database_url.clone());
        let session_key = env("MIETSCHULUNG_SESSION_KEY").or(file.session_key.clone());
        let mut settings = Settings::with_data_dir(data_dir, database_url, session_key)?;
        settings.apply_texts(&file)?;
        settings.apply_numbers(&file)?;
        Ok(settings)
    }

    /// Addresses, mail and paths: the variable wins over the file, the file over the default.
    fn apply_texts(&mut self, file: &FileSettings) -> anyhow::Result<()> {
        if let Some(v) = env("MIETSCHULUNG_BIND").or(file.bind.clone()) {
            self.bind = v;
        }
        if let Some(v) = env("MIETSCHULUNG_PUBLIC_URL").or(file.public_url.clone()) {
            self.public_url = v.trim_end_matches('/').to_string();
        }
        self.smtp_url =
            env("MIETSCHULUNG_SMTP_URL").or(file.smtp_url.clone()).map(SecretString::from);
        if let Some(v) = env("MIETSCHULUNG_MAIL_FROM").or(file.mail_from.clone()) {
            self.mail_from = v;
        }
        if let Some(v) = env("MIETSCHULUNG_REMINDER_HOURS").or(file.reminder_hours.clone()) {
            self.reminder_hours = parse_hours(&v)?;
        }
        if let Some(v) = env("MIETSCHULUNG_KEYS_DIR").map(PathBuf::from).or(file.keys_dir.clone()) {
            self.keys_dir = v;
        }
        self.metrics_token = env("MIETSCHULUNG_METRICS_TOKEN")
            .or(file.metrics_token.clone())
            .map(|t| metrics_token(&t))
            .transpose()?;
        if let Some(v) = env("MIETSCHULUNG_TRUSTED_PROXIES").or(file.trusted_proxies.clone()) {
            self.trusted_proxies = v.parse()?;
        }
        if let Some(v) = env("MIETSCHULUNG_LOG_FORMAT").or(file.log_format.clone()) {
            self.log_format = v.parse()?;
        }
        Ok(())
    }

    /// Sizes, intervals and limits, in the same order of precedence.
    fn apply_numbers(&mut self, file: &FileSettings) -> anyhow::Result<()> {
        set(&mut self.db_pool_size, "MIETSCHULUNG_DB_POOL_SIZE", file.db_pool_size)?;
        self.blocking_threads = self.db_pool_size as usize + 4;
        set(&mut self.blocking_threads, "MIETSCHULUNG_BLOCKING_THREADS", file.blocking_threads)?;
        self.blocking_threads = self.blocking_threads.max(2);
        set(
            &mut self.outbox_poll_millis,
            "MIETSCHULUNG_OUTBOX_POLL_MILLIS",
            file.outbox_poll_millis,
        )?;
        set(
            &mut self.outbox_retry_base_secs,
            "MIETSCHULUNG_OUTBOX_RETRY_BASE_SECS",
            file.outbox_retry_base_secs,
        )?;
        set(
            &mut self.outbox_max_attempts,
            "MIETSCHULUNG_OUTBOX_MAX_ATTEMPTS",
            file.outbox_max_attempts,
        )?;
        set(&mut self.smtp_timeout_secs, "MIETSCHULUNG_SMTP_TIMEOUT_SECS", file.smtp_timeout_secs)?;
        if self.smtp_timeout_secs == 0 {
            anyhow::bail!("MIETSCHULUNG_SMTP_TIMEOUT_SECS must be at least 1");
        }
        set(
            &mut self.verify_rate_per_minute,
            "MIETSCHULUNG_VERIFY_RATE_PER_MINUTE",
            file.verify_rate_per_minute,
        )?;
        set(
            &mut self.code_form_rate_per_minute,
            "MIETSCHULUNG_CODE_FORM_RATE_PER_MINUTE",
            file.code_form_rate_per_minute,
        )?;
        set(
            &mut self.survey_open_rate_per_minute,
            "MIETSCHULUNG_SURVEY_OPEN_RATE_PER_MINUTE",
            file.survey_open_rate_per_minute,
        )?;
        set(
            &mut self.session_idle_minutes,
            "MIETSCHULUNG_SESSION_IDLE_MINUTES",
            file.session_idle_minutes,
        )?;
        set(&mut self.session_max_hours, "MIETSCHULUNG_SESSION_MAX_HOURS", file.session_max_hours)?;
        if self.session_idle_minutes == 0 || self.session_max_hours == 0 {
            anyhow::bail!(
                "MIETSCHULUNG_SESSION_IDLE_MINUTES and MIETSCHULUNG_SESSION_MAX_HOURS must be at least 1"
            );
        }
        Ok(())
    }

    /// Defaults rooted in `data_dir`; creates the directory and a session key on first run.
    pub fn with_data_dir(
        data_dir: PathBuf, database_url: Option<String>, session_key: Option<String>,
    ) -> anyhow::Result<Settings> {
        std::fs::create_dir_all(&data_dir)
            .with_context(|| format!("creating data directory {}", data_dir.display()))?;
        let database_url = database_url
            .unwrap_or_else(|| data_dir.join("mietschulung.sqlite").to_string_lossy().into_owned());
        let session_key = match session_key {
            Some(k) => k,
            None => load_or_create_session_key(&data_dir)?,
        };
        if session_key.len() < 64 {
            anyhow::bail!("the session key must be at least 64 characters long");
        }
        Ok(Settings {
            bind: "127.0.0.1:8080".into(),
            keys_dir: data_dir.join("keys"),
            data_dir,
            database_url,
            public_url: "http://127.0.0.1:8080".into(),
            smtp_url: None,
            mail_from: "Mietschulung <no-reply@mietschulung.invalid>".into(),
            session_key: SecretString::from(session_key),
            db_pool_size: 8,
            db_keep_idle: true,
            blocking_threads: 12,
            outbox_poll_millis: 2000,
            outbox_retry_base_secs: 30,
            outbox_max_attempts: 12,
            smtp_timeout_secs: 600,
            reminder_hours: vec![48, 2],
            verify_rate_per_minute: 60,
            code_form_rate_per_minute: 10,
            survey_open_rate_per_minute: 120,
            session_idle_minutes: 480,
            session_max_hours: 24,
            metrics_token: None,
            trusted_proxies: TrustedProxies::default(),
            log_format: LogFormat::Text,
        })
    }

    pub fn mail_dir(&self) -> PathBuf {
        self.data_dir.join("mail")
    }

    pub fn session_key_bytes(&self) -> Vec<u8> {
        self.session_key.expose_secret().as_bytes().to_vec()
    }

    pub fn cookie_secure(&self) -> bool {
        self.public_url.starts_with("https://")
    }
}

/// "48,2" → [48, 2]; "none" → no reminders.
fn parse_hours(text: &str) -> anyhow::Result<Vec<u32>> {
    if text.trim().eq_ignore_ascii_case("none") {
        return Ok(Vec::new());
    }
    let mut hours = text
        .split(',')
        .map(|h| h.trim().parse::<u32>().ok().filter(|h| (1..=24 * 14).contains(h)))
        .collect::<Option<Vec<u32>>>()
        .ok_or_else(|| anyhow::anyhow!("MIETSCHULUNG_REMINDER_HOURS: whole hours from 1 to 336, comma-separated, or \"none\""))?;
    hours.sort_unstable_by(|a, b| b.cmp(a));
    hours.dedup();
    Ok(hours)
}

/// The shortest metrics token accepted: a guessable one would open the service's numbers
/// to anyone who can reach it.
pub const METRICS_TOKEN_MIN_LEN: usize = 16;

/// The metrics token as given, refused when too short or not one line of visible
/// characters (it travels in an HTTP header).
pub fn metrics_token(text: &str) -> anyhow::Result<SecretString> {
    let token = text.trim();
    if token.len() < METRICS_TOKEN_MIN_LEN || !token.bytes().all(|b| b.is_ascii_graphic()) {
        anyhow::bail!(
            "MIETSCHULUNG_METRICS_TOKEN must be at least {METRICS_TOKEN_MIN_LEN} visible ASCII characters without spaces (for example the output of `openssl rand -hex 32`)"
        );
    }
    Ok(SecretString::from(token.to_string()))
}

/// The reverse proxies whose forwarded headers are believed: addresses and networks
/// (`127.0.0.1, 10.0.0.0/8, fd00::/8`). Everyone else could write any address into those
/// headers, so only a peer on this list may name the client (see `web::client_ip`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TrustedProxies(Vec<ipnet::IpNet>);

impl TrustedProxies {
    pub fn contains(&self, addr: std::net::IpAddr) -> bool {
        let addr = plain(addr);
        self.0.iter().any(|net| net.contains(&addr))
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// An IPv4 address written as IPv6 (`::ffff:127.0.0.1`, as a dual-stack socket reports
/// it) is the IPv4 address, so `127.0.0.1` in the list matches it.
pub fn plain(addr: std::net::IpAddr) -> std::net::IpAddr {
    match addr {
        std::net::IpAddr::V6(v6) => {
            v6.to_ipv4_mapped().map(std::net::IpAddr::V4).unwrap_or(std::net::IpAddr::V6(v6))
        }
        v4 => v4,
    }
}

impl std::str::FromStr for TrustedProxies {
    type Err = anyhow::Error;

    /// Comma-separated addresses or networks in CIDR notation; `none` or nothing: no proxy.
    fn from_str(text: &str) -> anyhow::Result<TrustedProxies> {
        if text.trim().eq_ignore_ascii_case("none") {
            return Ok(TrustedProxies::default());
        }
        let mut nets = Vec::new();
        for item in text.split(',').map(str::trim).filter(|i| !i.is_empty()) {
            let net = match item.parse::<ipnet::IpNet>() {
                Ok(net) => net.trunc(),
                Err(_) => match item.parse::<std::net::IpAddr>() {
                    Ok(addr) => ipnet::IpNet::from(plain(addr)),
                    Err(_) => anyhow::bail!(
                        "MIETSCHULUNG_TRUSTED_PROXIES: {item:?} is neither an IP address nor a network such as 10.0.0.0/8"
                    ),
                },
            };
            nets.push(net);
        }
        Ok(TrustedProxies(nets))
    }
}

/// Writes a secret file readable only by the service user (0400).
pub fn write_private_file(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    use std::io::Write;
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    }
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o400);
    }
    let mut file = options.open(path).with_context(|| format!("creating {}", path.display()))?;
    file.write_all(bytes)?;
    file.sync_all()?;
    Ok(())
}

fn load_or_create_session_key(data_dir: &Path) -> anyhow::Result<String> {
    use rand::RngCore;
    let path = data_dir.join("session.key");
    if let Ok(existing) = std::fs::read_to_string(&path) {
        return Ok(existing.trim().to_string());
    }
    let mut bytes = [0u8; 48];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    let key = data_encoding::HEXLOWER.encode(&bytes);
    write_private_file(&path, key.as_bytes())?;
    Ok(key)
}

/// Where the service keeps what a backup must hold, read as [`Settings::load`] reads it
/// but creating nothing: `restore` into a wiped data directory must not find a session key
/// made a moment before by the settings themselves.
#[derive(Clone, Debug)]
pub struct DataPaths {
    pub data_dir: PathBuf,
    pub keys_dir: PathBuf,
    pub database_url: String,
    /// The session key comes from `MIETSCHULUNG_SESSION_KEY` or the settings file, not from
    /// `session.key` in the data directory (the file, if any, is not used).
    pub session_key_configured: bool,
}

impl DataPaths {
    pub fn load() -> anyhow::Result<DataPaths> {
        let file = read_file()?;
        let data_dir = env("MIETSCHULUNG_DATA_DIR")
            .map(PathBuf::from)
            .or(file.data_dir.clone())
            .unwrap_or_else(|| PathBuf::from("./data"));
        let database_url = env("DATABASE_URL")
            .or(file.database_url.clone())
            .unwrap_or_else(|| data_dir.join("mietschulung.sqlite").to_string_lossy().into_owned());
        let keys_dir = env("MIETSCHULUNG_KEYS_DIR")
            .map(PathBuf::from)
            .or(file.keys_dir.clone())
            .unwrap_or_else(|| data_dir.join("keys"));
        let session_key_configured =
            env("MIETSCHULUNG_SESSION_KEY").is_some() || file.session_key.is_some();
        Ok(DataPaths { data_dir, keys_dir, database_url, session_key_configured })
    }

    /// The session key file `Settings` reads or makes when no key is configured.
    pub fn session_key_file(&self) -> PathBuf {
        self.data_dir.join("session.key")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trusted_proxies_take_addresses_and_networks_and_name_a_wrong_entry() {
        let list: TrustedProxies = " 127.0.0.1, 10.0.0.0/8 ,fd00::/8,".parse().unwrap();
        for inside in ["127.0.0.1", "::ffff:127.0.0.1", "10.20.30.40", "fd12::1"] {
            assert!(list.contains(inside.parse().unwrap()), "{inside}");
        }
        for outside in ["127.0.0.2", "11.0.0.1", "fe80::1", "::1"] {
            assert!(!list.contains(outside.parse().unwrap()), "{outside}");
        }
        assert!("none".parse::<TrustedProxies>().unwrap().is_empty());
        let err = "127.0.0.1, proxy.example.org".parse::<TrustedProxies>().unwrap_err();
        let err = err.to_string();
        assert!(err.contains("MIETSCHULUNG_TRUSTED_PROXIES") && err.contains("proxy.example.org"));
        assert!("10.0.0.0/33".parse::<TrustedProxies>().is_err());
    }
}
