//! Starting and stopping the real `portico` binary, and a signed control-plane client.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use http::{HeaderMap, HeaderValue, Method, StatusCode};
use serde_json::Value;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

/// Root access key the tests start Portico with.
pub const ROOT_ACCESS_KEY: &str = "AKIAPORTICOTESTROOT1";
/// Root secret key the tests start Portico with.
pub const ROOT_SECRET_KEY: &str = "portico/test/secret/key/0123456789abcdefgh";

/// A running `portico serve`.
pub struct Portico {
    binary: PathBuf,
    child: Option<Child>,
    data_dir: tempfile::TempDir,
    /// `http://127.0.0.1:PORT` of the data plane.
    pub data_url: String,
    /// `http://127.0.0.1:PORT` of the control plane.
    pub admin_url: String,
    /// Everything the process printed to stdout before it was ready.
    pub banner: String,
    options: Vec<String>,
}

/// A control-plane or data-plane answer.
#[derive(Debug)]
pub struct Reply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

// === impl Portico ===

impl Portico {
    /// Starts the binary at `binary` (pass `env!("CARGO_BIN_EXE_portico")`) on free ports.
    pub async fn start(binary: &str) -> Portico {
        Portico::start_with(binary, &[]).await
    }

    /// Starts the binary with extra `serve` options.
    pub async fn start_with(binary: &str, options: &[&str]) -> Portico {
        let data_dir = tempfile::tempdir().expect("temporary data dir");
        let mut portico = Portico {
            binary: PathBuf::from(binary),
            child: None,
            data_dir,
            data_url: String::new(),
            admin_url: String::new(),
            banner: String::new(),
            options: options.iter().map(|option| (*option).to_owned()).collect(),
        };
        portico
            .spawn(&["--listen", "127.0.0.1:0", "--admin-listen", "127.0.0.1:0"])
            .await;
        portico
    }

    /// The data directory.
    pub fn data_dir(&self) -> &Path {
        self.data_dir.path()
    }

    async fn spawn(&mut self, listen: &[&str]) {
        let mut command = Command::new(&self.binary);
        command
            .arg("serve")
            .args(listen)
            .arg("--data-dir")
            .arg(self.data_dir.path())
            .arg("--root-credentials")
            .arg(format!("{ROOT_ACCESS_KEY}:{ROOT_SECRET_KEY}"))
            .arg("--workers")
            .arg("2")
            .args(&self.options)
            .env("RUST_LOG", "warn")
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .kill_on_drop(true);
        let mut child = command.spawn().expect("spawning portico");
        let stdout = child.stdout.take().expect("piped stdout");
        let mut lines = BufReader::new(stdout).lines();
        let mut banner = String::new();
        let (mut data, mut admin) = (None, None);
        let read = async {
            while let Ok(Some(line)) = lines.next_line().await {
                banner.push_str(&line);
                banner.push('\n');
                if let Some(url) = line.trim().strip_prefix("Data plane:") {
                    data = Some(url.trim().to_owned());
                }
                if let Some(url) = line.trim().strip_prefix("Control plane:") {
                    admin = Some(url.trim().to_owned());
                }
                if data.is_some() && admin.is_some() {
                    break;
                }
            }
        };
        tokio::time::timeout(Duration::from_secs(30), read)
            .await
            .expect("portico printed its addresses within 30 s");
        // Keep draining stdout so that the process never blocks on a full pipe.
        tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
        self.data_url = data.expect("data plane address");
        self.admin_url = admin.expect("control plane address");
        self.banner = banner;
        self.child = Some(child);
    }

    /// Kills the process with SIGKILL (no chance to flush anything) and waits for it.
    pub async fn kill9(&mut self) {
        if let Some(mut child) = self.child.take() {
            child.start_kill().expect("kill -9");
            let _ = child.wait().await;
        }
    }

    /// Sends SIGTERM; returns the child so the test can await its exit.
    pub fn terminate(&mut self) -> Child {
        let child = self.child.take().expect("running");
        if let Some(pid) = child.id() {
            // The workspace forbids unsafe code, so signal through kill(1).
            let status = std::process::Command::new("kill")
                .arg("-TERM")
                .arg(pid.to_string())
                .status()
                .expect("running kill");
            assert!(status.success(), "kill -TERM {pid}");
        }
        child
    }

    /// Starts the binary again on the same data directory and the same ports.
    pub async fn restart(&mut self) {
        self.kill9().await;
        let data = self.data_url.trim_start_matches("http://").to_owned();
        let admin = self.admin_url.trim_start_matches("http://").to_owned();
        self.spawn(&["--listen", &data, "--admin-listen", &admin])
            .await;
    }

    /// A client for the control plane, signed with the root credentials.
    pub fn admin(&self) -> AdminClient {
        AdminClient::new(&self.admin_url, ROOT_ACCESS_KEY, ROOT_SECRET_KEY)
    }

    /// `http://ADDR` of the private listener `id` (`--private-listen id=…`), from the banner.
    pub fn private_url(&self, id: &str) -> Option<String> {
        let prefix = format!("Private endpoint {id}:");
        self.banner.lines().find_map(|line| {
            line.trim()
                .strip_prefix(prefix.as_str())
                .map(|url| url.trim().to_owned())
        })
    }

    /// The data-plane path-form URL of `path` on a stage.
    pub fn invoke_url(&self, api_id: &str, stage: &str, path: &str) -> String {
        format!(
            "{}/restapis/{api_id}/{stage}/_user_request_{path}",
            self.data_url
        )
    }
}

/// SigV4-signing client for the control plane, as botocore signs (service `apigateway`).
#[derive(Clone)]
pub struct AdminClient {
    http: reqwest::Client,
    base: String,
    access_key: String,
    secret_key: String,
    /// The region the requests are signed for.
    pub region: String,
}

// === impl AdminClient ===

impl AdminClient {
    /// A client for `base` with the given credentials, region `us-east-1`.
    pub fn new(base: &str, access_key: &str, secret_key: &str) -> AdminClient {
        AdminClient {
            http: reqwest::Client::new(),
            base: base.trim_end_matches('/').to_owned(),
            access_key: access_key.to_owned(),
            secret_key: secret_key.to_owned(),
            region: "us-east-1".into(),
        }
    }

    /// Calls `method path` with an optional JSON body and returns status and JSON body
    /// (`Value::Null` when empty).
    pub async fn call(
        &self,
        method: &str,
        path_and_query: &str,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let reply = self
            .raw(
                method,
                path_and_query,
                body.map(|b| b.to_string().into_bytes()),
                true,
            )
            .await;
        let json = if reply.body.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&reply.body)
                .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&reply.body).into()))
        };
        (reply.status, json)
    }

    /// Calls and asserts the status, returning the JSON body.
    pub async fn expect(
        &self,
        status: u16,
        method: &str,
        path_and_query: &str,
        body: Option<Value>,
    ) -> Value {
        let (got, json) = self.call(method, path_and_query, body).await;
        assert_eq!(
            got.as_u16(),
            status,
            "{method} {path_and_query} answered {json}"
        );
        json
    }

    /// Sends a request, signed or not, with raw body bytes.
    pub async fn raw(
        &self,
        method: &str,
        path_and_query: &str,
        body: Option<Vec<u8>>,
        sign: bool,
    ) -> Reply {
        let url = format!("{}{}", self.base, path_and_query);
        let parsed: http::Uri = url.parse().expect("valid url");
        let body = body.unwrap_or_default();
        let mut headers = HeaderMap::new();
        let host = parsed.authority().expect("authority").as_str().to_owned();
        headers.insert(
            http::header::HOST,
            HeaderValue::from_str(&host).expect("host"),
        );
        headers.insert(
            http::header::ACCEPT,
            HeaderValue::from_static("application/json"),
        );
        if !body.is_empty() {
            headers.insert(
                http::header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            );
        }
        if sign {
            let now = i64::try_from(
                SystemTime::now()
                    .duration_since(UNIX_EPOCH)
                    .expect("clock")
                    .as_secs(),
            )
            .expect("time");
            let signed = portico_sigv4::sign(
                &portico_sigv4::RequestParts {
                    method,
                    path: parsed.path(),
                    query: parsed.query(),
                    headers: &headers,
                },
                &portico_sigv4::SigningCredentials {
                    access_key_id: &self.access_key,
                    secret_access_key: &self.secret_key,
                    session_token: None,
                },
                &self.region,
                "apigateway",
                &portico_sigv4::sha256_hex(&body),
                now,
            );
            for (name, value) in signed {
                headers.insert(name, value);
            }
        }
        headers.remove(http::header::HOST);
        let method = Method::from_bytes(method.as_bytes()).expect("method");
        let response = self
            .http
            .request(method, &url)
            .headers(headers)
            .body(body)
            .send()
            .await
            .expect("control plane answered");
        let status = response.status();
        let headers = response.headers().clone();
        let body = response.bytes().await.expect("body").to_vec();
        Reply {
            status,
            headers,
            body,
        }
    }
}
