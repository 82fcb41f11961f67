//! The `kconnect` command: `kconnect standalone worker.properties connector.properties...`,
//! like Java's `connect-standalone`, and `kconnect distributed worker.properties`, like
//! Java's `connect-distributed`.

mod logging;
mod plugins;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// mimalloc instead of the system allocator: records are small objects allocated on the task
/// threads and freed on the Kafka client's threads, a pattern glibc's malloc handles poorly
/// (on the 1M-record benchmark a third of the source's CPU went to malloc and free). Built
/// with `no_thp`: transparent huge pages would back its arenas in 2 MiB steps and double the
/// idle worker's resident memory.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Kafka Connect, rebuilt in Rust.
#[derive(Parser)]
#[command(name = "kconnect", version, about)]
struct Cli {
    #[command(subcommand)]
    mode: Mode,
}

#[derive(Subcommand)]
enum Mode {
    /// One worker process; connectors from files, offsets in offset.storage.file.filename.
    Standalone {
        /// Worker properties file (as for connect-standalone).
        worker: PathBuf,
        /// Connector files: .properties, or JSON (flat config or {"name","config"}).
        connectors: Vec<PathBuf>,
    },
    /// Many workers sharing a group.id, coordinated through Kafka.
    Distributed {
        /// Worker properties file (as for connect-distributed).
        worker: PathBuf,
    },
    /// Lists the built-in plugins (connectors, converters, transformations, predicates).
    Plugins,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let logging = logging::Logging::init();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("cannot start the async runtime: {e}");
            return ExitCode::from(2);
        }
    };
    match cli.mode {
        Mode::Standalone { worker, connectors } => {
            let result = runtime.block_on(kconnect_runtime::standalone::run(
                worker,
                connectors,
                plugins::registry(),
                Some(logging as std::sync::Arc<dyn kconnect_runtime::rest::loggers::LogLevels>),
            ));
            match result {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => {
                    tracing::error!("{e}");
                    eprintln!("kconnect: {e}");
                    ExitCode::from(e.exit_code() as u8)
                }
            }
        }
        Mode::Distributed { worker } => {
            let result = runtime.block_on(kconnect_runtime::distributed::run(
                worker,
                plugins::registry(),
                Some(logging as std::sync::Arc<dyn kconnect_runtime::rest::loggers::LogLevels>),
            ));
            match result {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => {
                    tracing::error!("{e}");
                    eprintln!("kconnect: {e}");
                    ExitCode::from(e.exit_code() as u8)
                }
            }
        }
        Mode::Plugins => {
            for p in plugins::registry().plugins() {
                println!("{:<16} {}", p.plugin_type.name(), p.class);
            }
            ExitCode::SUCCESS
        }
    }
}
