//! Starts the test broker (a single-node Apache Kafka, as the tests use it) for the demo or
//! for trying kconnect by hand: prints `bootstrap.servers` of its PLAINTEXT listener on the
//! first line, then the other listeners, and runs until SIGTERM or SIGINT.

use kconnect_testkit::{Broker, Listener};

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let broker = Broker::start();
    println!("{}", broker.bootstrap());
    for listener in Listener::ALL {
        println!("{}={}", listener.name(), broker.bootstrap_for(listener));
    }
    println!("log={}", broker.log_path().display());
    let mut term = match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("cannot wait for SIGTERM: {e}");
            return;
        }
    };
    tokio::select! {
        _ = term.recv() => {}
        _ = tokio::signal::ctrl_c() => {}
    }
    drop(broker);
}
