//! An OAuth 2 token endpoint for the client credentials grant, run as its own process
//! (Python's standard HTTP server): it checks the client's id and secret (HTTP Basic) and
//! the grant type, and issues unsecured JWTs (`alg: none`) for a subject — the tokens the
//! test broker's OAUTHBEARER listener validates. Every request is recorded.

use std::net::TcpStream;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::free_port;

const SCRIPT: &str = r#"
import base64, json, sys, time
from http.server import BaseHTTPRequestHandler, HTTPServer

port, client_id, secret, subject, log = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5]

def b64(value):
    return base64.urlsafe_b64encode(json.dumps(value).encode()).rstrip(b"=").decode()

class Handler(BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0))).decode()
        expected = "Basic " + base64.b64encode(f"{client_id}:{secret}".encode()).decode()
        granted = self.headers.get("Authorization", "") == expected and "grant_type=client_credentials" in body
        with open(log, "a") as f:
            f.write(("granted" if granted else "refused") + "\n")
        if not granted:
            out = b'{"error":"invalid_client"}'
            self.send_response(401)
        else:
            now = int(time.time())
            token = b64({"alg": "none"}) + "." + b64({"sub": subject, "iat": now, "exp": now + 3600}) + "."
            out = json.dumps({"access_token": token, "token_type": "Bearer", "expires_in": 3600}).encode()
            self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(out)))
        self.end_headers()
        self.wfile.write(out)

    def log_message(self, *args):
        pass

HTTPServer(("127.0.0.1", port), Handler).serve_forever()
"#;

/// A running token endpoint; stopped when dropped.
pub struct TokenEndpoint {
    child: Child,
    port: u16,
    log: PathBuf,
    _dir: tempfile::TempDir,
}

impl TokenEndpoint {
    /// Starts an endpoint that grants tokens for `subject` to `client_id` with `secret`.
    ///
    /// # Panics
    /// If Python cannot be started or the endpoint does not listen within 20 s.
    pub fn start(client_id: &str, secret: &str, subject: &str) -> Self {
        let dir = tempfile::tempdir().expect("temporary directory");
        let log = dir.path().join("requests.log");
        let port = free_port();
        let child = Command::new("python3")
            .args(["-c", SCRIPT, &port.to_string(), client_id, secret, subject])
            .arg(&log)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start python3 (installed by scripts/setup)");
        let deadline = Instant::now() + Duration::from_secs(20);
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                Instant::now() < deadline,
                "the token endpoint did not start"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        Self {
            child,
            port,
            log,
            _dir: dir,
        }
    }

    /// The endpoint's URL (Java's `sasl.oauthbearer.token.endpoint.url`).
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}/oauth2/token", self.port)
    }

    /// How many token requests were granted and refused so far.
    pub fn requests(&self) -> (usize, usize) {
        let text = std::fs::read_to_string(&self.log).unwrap_or_default();
        let granted = text.lines().filter(|l| *l == "granted").count();
        let refused = text.lines().filter(|l| *l == "refused").count();
        (granted, refused)
    }
}

impl Drop for TokenEndpoint {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
