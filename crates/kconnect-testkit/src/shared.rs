//! The broker shared by every test process of one run.
//!
//! A run is identified by the parent of the test process (nextest's runner, or `cargo test`)
//! and that parent's start time, so a reused process id is a new run. The first test process
//! starts the broker under an exclusive file lock and records its ports; the others read them.
//! The broker's watchdog stops it when the parent exits.

use std::fs::File;
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use crate::broker::{launch, Broker};
use crate::broker_config::{Listener, Ports};

/// The directory of this run's shared broker.
fn run_dir() -> PathBuf {
    let owner = std::os::unix::process::parent_id();
    let started = std::fs::read_to_string(format!("/proc/{owner}/stat"))
        .ok()
        .and_then(|stat| {
            // Field 22 (start time), counted after the command name in parentheses.
            let rest = stat.rsplit_once(')')?.1.to_string();
            rest.split_whitespace().nth(19).map(str::to_string)
        })
        .unwrap_or_default();
    std::env::temp_dir()
        .join("kconnect-testkit")
        .join(format!("run-{owner}-{started}"))
}

/// Attaches to this run's broker, starting it if no test process did yet.
pub(crate) fn attach() -> Broker {
    static SHARED: OnceLock<(PathBuf, Ports, u32)> = OnceLock::new();
    let (dir, ports, pid) = SHARED.get_or_init(start_or_find);
    Broker::attached(dir, *ports, *pid)
}

fn start_or_find() -> (PathBuf, Ports, u32) {
    let dir = run_dir();
    std::fs::create_dir_all(&dir).expect("shared broker directory");
    let lock = File::create(dir.join("lock")).expect("shared broker lock file");
    lock.lock().expect("lock the shared broker");
    if let Some(found) = read_state(&dir) {
        let alive = Path::new(&format!("/proc/{}", found.1)).exists()
            && TcpStream::connect(format!("127.0.0.1:{}", found.0.of(Listener::Plaintext))).is_ok();
        if alive {
            return (dir, found.0, found.1);
        }
    }
    let owner = std::os::unix::process::parent_id();
    let (broker, watchdog) = launch(&dir, Ports::free(None), owner);
    // The watchdog outlives this process: it belongs to the run, not to this test.
    drop(watchdog);
    let ports = broker.ports();
    let pid = broker.pid();
    let state = format!(
        "{} {}\n",
        pid,
        ports
            .listeners
            .iter()
            .chain([&ports.controller])
            .map(u16::to_string)
            .collect::<Vec<_>>()
            .join(" ")
    );
    std::fs::write(dir.join("broker.state"), state).expect("shared broker state");
    (dir, ports, pid)
}

fn read_state(dir: &Path) -> Option<(Ports, u32)> {
    let text = std::fs::read_to_string(dir.join("broker.state")).ok()?;
    let numbers: Vec<u32> = text
        .split_whitespace()
        .map(str::parse)
        .collect::<Result<_, _>>()
        .ok()?;
    let [pid, a, b, c, d, controller] = numbers[..] else {
        return None;
    };
    let port = |n: u32| u16::try_from(n).ok();
    Some((
        Ports {
            listeners: [port(a)?, port(b)?, port(c)?, port(d)?],
            controller: port(controller)?,
        },
        pid,
    ))
}
