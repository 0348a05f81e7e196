//! Headless Chromium through chromedriver's WebDriver protocol (W3C), spoken directly over
//! HTTP with reqwest: a real browser for the pages people use, without another client crate.

use std::os::unix::process::CommandExt;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use serde_json::{json, Value};

const ELEMENT_KEY: &str = "element-6066-11e4-a52e-4f735466cecf";

pub struct Chromium {
    driver: Child,
    base: String,
    session: String,
    client: reqwest::Client,
    width: u32,
    _profile: tempfile::TempDir,
}

/// Whether Debian's chromium and chromium-driver are installed (`.ci/run` installs them);
/// if not, the browser test is skipped loudly (see [`super::skip`]).
pub fn available() -> bool {
    if super::on_path("chromium") && super::on_path("chromedriver") {
        return true;
    }
    super::skip("no chromium/chromedriver", "browser test");
    false
}

impl Chromium {
    /// Starts chromedriver and a headless Chromium with a phone-sized window.
    pub async fn phone() -> Chromium {
        Self::start(360, 740).await
    }

    pub async fn start(width: u32, height: u32) -> Chromium {
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        // Its own process group, so that dropping it ends the browser it started too
        // (killing chromedriver alone leaves Chromium running, hundreds of MB each).
        let driver = Command::new("chromedriver")
            .process_group(0)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver starts");
        let base = format!("http://127.0.0.1:{port}");
        let client = reqwest::Client::builder().timeout(Duration::from_secs(60)).build().unwrap();
        let start = std::time::Instant::now();
        loop {
            if let Ok(r) = client.get(format!("{base}/status")).send().await {
                if r.status().is_success() {
                    break;
                }
            }
            assert!(start.elapsed() < Duration::from_secs(20), "chromedriver did not start");
            actix_web::rt::time::sleep(Duration::from_millis(100)).await;
        }
        let profile = tempfile::tempdir().unwrap();
        let caps = json!({"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": "/usr/bin/chromium",
                "args": ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                         "--disable-background-networking", "--disable-component-update",
                         "--disable-sync", "--no-first-run", "--disable-dev-shm-usage",
                         format!("--window-size={width},{height}"),
                         format!("--user-data-dir={}", profile.path().display())],
                "mobileEmulation": {"deviceMetrics": {"width": width, "height": height, "pixelRatio": 2.0, "touch": true}}
            }
        }}});
        let resp: Value = client
            .post(format!("{base}/session"))
            .json(&caps)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let session = resp["value"]["sessionId"]
            .as_str()
            .unwrap_or_else(|| panic!("no session: {resp}"))
            .to_string();
        Chromium { driver, base, session, client, width, _profile: profile }
    }

    async fn call(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Value {
        let url = format!("{}/session/{}{}", self.base, self.session, path);
        let mut req = self.client.request(method, url);
        if let Some(b) = body {
            req = req.json(&b);
        }
        let resp: Value = req.send().await.unwrap().json().await.unwrap();
        if let Some(err) = resp["value"]["error"].as_str() {
            panic!("webdriver {path}: {err}: {}", resp["value"]["error"]);
        }
        resp["value"].clone()
    }

    /// Logs in through the login form of the app at `base` (waits for the logged-in page).
    pub async fn log_in(&self, base: &str, email: &str) {
        self.goto(&format!("{base}/login")).await;
        self.type_into("#email", email).await;
        self.type_into("#password", super::PASSWORD).await;
        self.click("button[type=submit]").await;
        self.wait_for_text("action=\"/logout\"").await;
    }

    pub async fn goto(&self, url: &str) {
        self.call(reqwest::Method::POST, "/url", Some(json!({"url": url}))).await;
    }

    pub async fn find(&self, css: &str) -> String {
        let v = self
            .call(
                reqwest::Method::POST,
                "/element",
                Some(json!({"using": "css selector", "value": css})),
            )
            .await;
        v[ELEMENT_KEY].as_str().unwrap().to_string()
    }

    pub async fn type_into(&self, css: &str, text: &str) {
        let id = self.find(css).await;
        self.call(
            reqwest::Method::POST,
            &format!("/element/{id}/value"),
            Some(json!({"text": text})),
        )
        .await;
    }

    pub async fn click(&self, css: &str) {
        let id = self.find(css).await;
        self.call(reqwest::Method::POST, &format!("/element/{id}/click"), Some(json!({}))).await;
    }

    pub async fn source(&self) -> String {
        self.call(reqwest::Method::GET, "/source", None)
            .await
            .as_str()
            .unwrap_or_default()
            .to_string()
    }

    pub async fn current_url(&self) -> String {
        self.call(reqwest::Method::GET, "/url", None).await.as_str().unwrap_or_default().to_string()
    }

    /// Waits until the page's text contains `needle` (a form post may still be loading).
    pub async fn wait_for_text(&self, needle: &str) -> String {
        let start = std::time::Instant::now();
        loop {
            let src = self.source().await;
            if src.contains(needle) {
                return src;
            }
            assert!(
                start.elapsed() < Duration::from_secs(10),
                "page never showed {needle:?}: {src}"
            );
            actix_web::rt::time::sleep(Duration::from_millis(100)).await;
        }
    }

    pub async fn script(&self, js: &str) -> Value {
        self.call(reqwest::Method::POST, "/execute/sync", Some(json!({"script": js, "args": []})))
            .await
    }

    /// Runs `js` as an asynchronous script: it ends by calling its last argument, whose
    /// value is returned (axe-core's `axe.run` answers through a promise).
    pub async fn script_async(&self, js: &str) -> Value {
        self.call(reqwest::Method::POST, "/execute/async", Some(json!({"script": js, "args": []})))
            .await
    }

    /// Emulates another screen (`width`×`height` CSS pixels, a phone's touch and mobile
    /// viewport below 640 px) without a new browser, so one browser serves both widths.
    pub async fn set_viewport(&mut self, width: u32, height: u32) {
        let mobile = width < 640;
        self.call(
            reqwest::Method::POST,
            "/goog/cdp/execute",
            Some(json!({"cmd": "Emulation.setDeviceMetricsOverride", "params": {
                "width": width, "height": height, "deviceScaleFactor": 1, "mobile": mobile}})),
        )
        .await;
        self.call(
            reqwest::Method::POST,
            "/goog/cdp/execute",
            Some(
                json!({"cmd": "Emulation.setTouchEmulationEnabled", "params": {"enabled": mobile}}),
            ),
        )
        .await;
        self.width = width;
    }

    /// Forgets every cookie of the current site: the next page is seen logged out.
    pub async fn delete_cookies(&self) {
        self.call(reqwest::Method::DELETE, "/cookie", None).await;
    }

    /// The page as PNG bytes, for looking at it.
    pub async fn screenshot(&self) -> Vec<u8> {
        let b64 = self.call(reqwest::Method::GET, "/screenshot", None).await;
        data_encoding::BASE64.decode(b64.as_str().unwrap_or_default().as_bytes()).unwrap()
    }

    /// Fails when anything sticks out to the right of the viewport (a phone user would
    /// have to scroll sideways or could not reach it).
    pub async fn assert_fits_width(&self) {
        // Mobile Chrome widens the layout viewport to fit overflowing content and zooms
        // out, so compare with the device width, not with window.innerWidth.
        let js = "var w = WIDTH; return [w, document.documentElement.scrollWidth, \
                 Array.from(document.querySelectorAll('body *')) \
                   .filter(function (e) { var r = e.getBoundingClientRect(); return r.width > 0 && r.right > w + 1; }) \
                   .slice(0, 5).map(function (e) { return e.tagName + '.' + e.className + ' ' + e.textContent.trim().slice(0, 30); })];"
            .replace("WIDTH", &self.width.to_string());
        let v = self.script(&js).await;
        let width = i64::from(self.width);
        assert!(v[1].as_i64().unwrap() <= width, "page scrolls sideways: {v}");
        assert!(
            v[2].as_array().unwrap().is_empty(),
            "elements outside a {width}px screen: {}",
            v[2]
        );
    }
}

impl Drop for Chromium {
    fn drop(&mut self) {
        let group = format!("-{}", self.driver.id());
        let _ = Command::new("kill").args(["-KILL", "--", &group]).status();
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}
