//! A real headless Chromium (Debian's `chromium`), driven over WebDriver by its `chromedriver`
//! through fantoccini, for the tests of the web view and the HTML reports.
//!
//! The API is blocking, like the rest of the tests: each step runs on the browser's own Tokio
//! runtime and is bounded by [`STEP_TIMEOUT`]. A missing browser or driver fails the test with
//! the install step named. Overrides: `OTLP_DOCTOR_CHROMIUM`, `OTLP_DOCTOR_CHROMEDRIVER`.
//!
//! With `OTLP_DOCTOR_SCREENSHOTS=DIR` set, [`Browser::screenshot`] writes `DIR/NAME.png`: that is
//! how `docs/screenshots/` is made (`OTLP_DOCTOR_SCREENSHOTS=docs/screenshots cargo test --test
//! it ui::`).

use super::INSTALL_HINT;
use super::ports::{free_port, loopback, wait_for_port};
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{Value, json};
use std::future::Future;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Bound on one WebDriver step (a navigation, a click, a script).
const STEP_TIMEOUT: Duration = Duration::from_secs(30);
/// How long chromedriver may take to listen.
const DRIVER_START: Duration = Duration::from_secs(20);
/// How often [`Browser::wait_for`] asks the page again.
const POLL: Duration = Duration::from_millis(100);
/// The window the screenshots are taken in.
const WINDOW: (u32, u32) = (1400, 900);

/// One Chromium session with its driver; both end when this is dropped.
pub struct Browser {
    runtime: tokio::runtime::Runtime,
    client: Option<Client>,
    driver: Child,
    driver_log: PathBuf,
    _profile: tempfile::TempDir,
}

impl Browser {
    /// Starts chromedriver on a free loopback port and opens a headless Chromium session.
    pub fn open() -> Browser {
        let chromium = program("OTLP_DOCTOR_CHROMIUM", &["chromium", "chromium-browser"]);
        let chromedriver = program("OTLP_DOCTOR_CHROMEDRIVER", &["chromedriver"]);
        let profile = tempfile::tempdir().expect("a profile directory");
        let driver_log = profile.path().join("chromedriver.log");
        let port = free_port();
        let driver = Command::new(&chromedriver)
            .arg(format!("--port={port}"))
            .arg(format!("--log-path={}", driver_log.display()))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| {
                panic!(
                    "cannot start {}: {e}; {INSTALL_HINT}",
                    chromedriver.display()
                )
            });
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a runtime");
        let mut browser = Browser {
            runtime,
            client: None,
            driver,
            driver_log,
            _profile: profile,
        };
        assert!(
            wait_for_port(loopback(port), DRIVER_START),
            "chromedriver did not listen on port {port}: {}",
            browser.driver_log_tail()
        );
        let capabilities = json!({
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": chromium,
                "args": [
                    "--headless=new",
                    // Tests run as root in containers, where Chromium's sandbox cannot start.
                    "--no-sandbox",
                    "--disable-dev-shm-usage",
                    "--disable-gpu",
                    // Only loopback: nothing in the background may reach out.
                    "--disable-background-networking",
                    "--disable-component-update",
                    "--disable-default-apps",
                    "--disable-extensions",
                    "--disable-sync",
                    "--no-first-run",
                    "--hide-scrollbars",
                    format!("--window-size={},{}", WINDOW.0, WINDOW.1),
                    format!("--user-data-dir={}", browser._profile.path().join("chromium").display()),
                ],
            },
        });
        let capabilities = match capabilities {
            Value::Object(map) => map,
            _ => unreachable!("a JSON object"),
        };
        let url = format!("http://127.0.0.1:{port}");
        let connector = hyper_util::client::legacy::connect::HttpConnector::new();
        let client = browser
            .step("open a Chromium session", async {
                ClientBuilder::new(connector)
                    .capabilities(capabilities)
                    .connect(&url)
                    .await
            })
            .unwrap_or_else(|e| {
                panic!(
                    "chromedriver could not start Chromium: {e}; {INSTALL_HINT}\n{}",
                    browser.driver_log_tail()
                )
            });
        browser.client = Some(client);
        browser
    }

    fn client(&self) -> &Client {
        self.client.as_ref().expect("an open session")
    }

    /// Runs one WebDriver step on the browser's runtime, bounded by [`STEP_TIMEOUT`].
    fn step<T>(&self, what: &str, future: impl Future<Output = T>) -> T {
        self.runtime
            .block_on(async { tokio::time::timeout(STEP_TIMEOUT, future).await })
            .unwrap_or_else(|_| panic!("the browser did not {what} within {STEP_TIMEOUT:?}"))
    }

    /// Navigates to `url` and waits for the page to load.
    pub fn goto(&self, url: &str) {
        self.step("load the page", self.client().goto(url))
            .unwrap_or_else(|e| panic!("cannot load {url}: {e}"));
    }

    /// The result of a script run in the page (`return …;` gives the value).
    pub fn eval(&self, script: &str) -> Value {
        self.step("run a script", self.client().execute(script, Vec::new()))
            .unwrap_or_else(|e| panic!("the script failed: {e}\n{script}"))
    }

    /// Asks the page `script` until it returns something other than null, false, 0 or "";
    /// returns that value, or panics naming `what` and showing the page's text.
    pub fn wait_for(&self, what: &str, script: &str, timeout: Duration) -> Value {
        let deadline = Instant::now() + timeout;
        loop {
            let value = self.eval(script);
            let truthy = match &value {
                Value::Null => false,
                Value::Bool(b) => *b,
                Value::Number(n) => n.as_f64() != Some(0.0),
                Value::String(s) => !s.is_empty(),
                Value::Array(_) | Value::Object(_) => true,
            };
            if truthy {
                return value;
            }
            if Instant::now() >= deadline {
                let page = self.eval("return document.body ? document.body.innerText : ''");
                panic!(
                    "waited {timeout:?} for {what}; the page says:\n{}",
                    page.as_str().unwrap_or_default()
                );
            }
            std::thread::sleep(POLL);
        }
    }

    /// Clicks the element `css` selects, as a user would (WebDriver's element click).
    pub fn click(&self, css: &str) {
        let client = self.client();
        self.step("click", async {
            let element = client.find(Locator::Css(css)).await?;
            element.click().await
        })
        .unwrap_or_else(|e| panic!("cannot click {css}: {e}"));
    }

    /// Writes a PNG of the window to `$OTLP_DOCTOR_SCREENSHOTS/NAME.png` when that is set.
    pub fn screenshot(&self, name: &str) {
        let Some(dir) = std::env::var_os("OTLP_DOCTOR_SCREENSHOTS") else {
            return;
        };
        let png = self
            .step("take a screenshot", self.client().screenshot())
            .unwrap_or_else(|e| panic!("cannot take a screenshot: {e}"));
        let path = PathBuf::from(dir).join(format!("{name}.png"));
        std::fs::write(&path, png).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    }

    fn driver_log_tail(&self) -> String {
        super::process::tail_of_file(&self.driver_log, 20)
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        if let Some(client) = self.client.take() {
            let _ = self
                .runtime
                .block_on(async { tokio::time::timeout(STEP_TIMEOUT, client.close()).await });
        }
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

/// `$OVERRIDE`, else the first of `names` on PATH or in /usr/bin; panics naming the install step.
fn program(override_var: &str, names: &[&str]) -> PathBuf {
    if let Some(path) = std::env::var_os(override_var) {
        return PathBuf::from(path);
    }
    let dirs = std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).collect::<Vec<_>>())
        .unwrap_or_default();
    names
        .iter()
        .flat_map(|name| {
            dirs.iter()
                .map(move |dir| dir.join(name))
                .chain([PathBuf::from("/usr/bin").join(name)])
        })
        .find(|path| path.is_file())
        .unwrap_or_else(|| {
            panic!(
                "{} not found (Debian packages chromium and chromium-driver): {INSTALL_HINT}",
                names[0]
            )
        })
}
