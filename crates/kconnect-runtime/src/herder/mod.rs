//! Herders: the control plane that decides which connectors run. Standalone mode keeps
//! everything in this process.

pub mod distributed;
pub mod standalone;

pub use standalone::StandaloneHerder;
