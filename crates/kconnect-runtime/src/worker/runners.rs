//! Building the task loops: each task gets its own transformation chain, converters, error
//! handler and Kafka client settings, derived from the worker and connector configurations.

use std::sync::Arc;

use kconnect_api::{ConfigMap, ConnectError, ConnectResult};
use kconnect_kafka::admin::Admin;
use kconnect_kafka::client_config;

use super::fence::{TaskFence, TaskOffsets, TaskStatus};
use super::Worker;
use crate::config::ConnectorConfig;
use crate::pipeline::{ErrorHandler, TaskConverters, TransformChain};
use crate::storage::ConnectorOffsetReader;
use crate::task::sink::SinkTaskRunner;
use crate::task::source::{SourceContext, SourceTaskRunner};
use crate::task::topic_creation::{self, TopicCreator};
use crate::task::TaskId;

impl Worker {
    pub(super) fn source_runner(
        &self,
        config: &ConnectorConfig,
        id: TaskId,
        task: Box<dyn kconnect_api::plugin::SourceTask>,
        task_config: ConfigMap,
        fence: &TaskFence,
    ) -> ConnectResult<SourceTaskRunner> {
        let reader = Arc::new(ConnectorOffsetReader::new(
            &id.connector,
            self.offsets.clone(),
            self.json.clone(),
        ));
        let client_id = format!("connector-producer-{id}");
        let topic_creator = if self.config.topic_creation_enable()
            && topic_creation::requested(&config.props)
        {
            let admin_props = client_config::admin(
                &self.config.props,
                &config.props,
                &format!("connector-adminclient-{id}"),
            );
            let admin = Admin::new(&admin_props).map_err(|e| ConnectError::other(e.to_string()))?;
            Some(TopicCreator::new(admin, &config.props)?)
        } else {
            None
        };
        let errors = ErrorHandler::for_task(&id, config, &self.config.props, &self.registry);
        let status = TaskStatus::new(
            self.status.clone(),
            fence.clone(),
            errors.data_failure_flag(),
        )
        .with_task(id.task);
        Ok(SourceTaskRunner {
            context: Arc::new(SourceContext::new(task_config.clone(), reader)),
            task,
            config: task_config,
            chain: TransformChain::build(&self.registry, &config.props)?,
            converters: TaskConverters::build(&self.registry, &self.config.props, &config.props)?,
            errors,
            producer_props: client_config::source_producer(
                &self.config.props,
                &config.props,
                &client_id,
            ),
            topic_creator,
            offsets: TaskOffsets::new(self.offsets.clone(), fence.clone()),
            json: self.json.clone(),
            status,
            flush_interval: self.config.offset_flush_interval(),
            flush_timeout: self.config.offset_flush_timeout(),
            tolerate_all: config.tolerate_all(),
            id,
        })
    }

    pub(super) fn sink_runner(
        &self,
        config: &ConnectorConfig,
        id: TaskId,
        task: Box<dyn kconnect_api::plugin::SinkTask>,
        task_config: ConfigMap,
        fence: &TaskFence,
    ) -> ConnectResult<SinkTaskRunner> {
        let group = format!("connect-{}", id.connector);
        let client_id = format!("connector-consumer-{id}");
        let errors = ErrorHandler::for_task(&id, config, &self.config.props, &self.registry);
        let status = TaskStatus::new(
            self.status.clone(),
            fence.clone(),
            errors.data_failure_flag(),
        )
        .with_task(id.task);
        Ok(SinkTaskRunner {
            task,
            config: task_config,
            topics: config.topics(),
            topics_regex: config.topics_regex().map(str::to_string),
            chain: TransformChain::build(&self.registry, &config.props)?,
            converters: TaskConverters::build(&self.registry, &self.config.props, &config.props)?,
            errors,
            consumer_props: client_config::sink_consumer(
                &self.config.props,
                &config.props,
                &group,
                &client_id,
            ),
            status,
            flush_interval: self.config.offset_flush_interval(),
            id,
        })
    }
}
