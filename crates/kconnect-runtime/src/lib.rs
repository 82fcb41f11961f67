//! The kconnect worker: configuration, the plugin registry, task loops, offset storage,
//! herders and the REST API.

pub mod config;
pub mod distributed;
pub mod herder;
pub mod pipeline;
pub mod plugins;
pub mod rest;
pub mod signals;
pub mod standalone;
pub mod storage;
pub mod task;
pub mod worker;
