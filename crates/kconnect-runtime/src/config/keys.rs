//! Configuration keys the outside world sees, each defined once.

/// `bootstrap.servers`.
pub const BOOTSTRAP_SERVERS: &str = "bootstrap.servers";
/// `key.converter`.
pub const KEY_CONVERTER: &str = "key.converter";
/// `value.converter`.
pub const VALUE_CONVERTER: &str = "value.converter";
/// `header.converter`.
pub const HEADER_CONVERTER: &str = "header.converter";
/// `offset.storage.file.filename`.
pub const OFFSET_STORAGE_FILE: &str = "offset.storage.file.filename";
/// `offset.flush.interval.ms`.
pub const OFFSET_FLUSH_INTERVAL_MS: &str = "offset.flush.interval.ms";
/// `offset.flush.timeout.ms`.
pub const OFFSET_FLUSH_TIMEOUT_MS: &str = "offset.flush.timeout.ms";
/// `task.shutdown.graceful.timeout.ms`.
pub const TASK_SHUTDOWN_TIMEOUT_MS: &str = "task.shutdown.graceful.timeout.ms";
/// `listeners`.
pub const LISTENERS: &str = "listeners";
/// `rest.port` (legacy).
pub const REST_PORT: &str = "rest.port";
/// `rest.host.name` (legacy).
pub const REST_HOST_NAME: &str = "rest.host.name";
/// `rest.advertised.host.name`.
pub const REST_ADVERTISED_HOST_NAME: &str = "rest.advertised.host.name";
/// `rest.advertised.port`.
pub const REST_ADVERTISED_PORT: &str = "rest.advertised.port";
/// `client.id`.
pub const CLIENT_ID: &str = "client.id";
/// `topic.creation.enable`.
pub const TOPIC_CREATION_ENABLE: &str = "topic.creation.enable";
/// `plugin.path`.
pub const PLUGIN_PATH: &str = "plugin.path";

/// `name`.
pub const NAME: &str = "name";
/// `connector.class`.
pub const CONNECTOR_CLASS: &str = "connector.class";
/// `tasks.max`.
pub const TASKS_MAX: &str = "tasks.max";
/// `transforms`.
pub const TRANSFORMS: &str = "transforms";
/// `predicates`.
pub const PREDICATES: &str = "predicates";
/// `topics`.
pub const TOPICS: &str = "topics";
/// `topics.regex`.
pub const TOPICS_REGEX: &str = "topics.regex";
/// `errors.tolerance`.
pub const ERRORS_TOLERANCE: &str = "errors.tolerance";
/// `errors.retry.timeout`.
pub const ERRORS_RETRY_TIMEOUT: &str = "errors.retry.timeout";
/// `errors.retry.delay.max.ms`.
pub const ERRORS_RETRY_DELAY_MAX_MS: &str = "errors.retry.delay.max.ms";
/// `errors.log.enable`.
pub const ERRORS_LOG_ENABLE: &str = "errors.log.enable";
/// `errors.log.include.messages`.
pub const ERRORS_LOG_INCLUDE_MESSAGES: &str = "errors.log.include.messages";
/// `errors.deadletterqueue.topic.name`.
pub const DLQ_TOPIC_NAME: &str = "errors.deadletterqueue.topic.name";
/// `errors.deadletterqueue.topic.replication.factor`.
pub const DLQ_TOPIC_REPLICATION_FACTOR: &str = "errors.deadletterqueue.topic.replication.factor";
/// `errors.deadletterqueue.context.headers.enable`.
pub const DLQ_CONTEXT_HEADERS_ENABLE: &str = "errors.deadletterqueue.context.headers.enable";
/// `topic.creation.groups`.
pub const TOPIC_CREATION_GROUPS: &str = "topic.creation.groups";
/// Prefix of topic creation settings.
pub const TOPIC_CREATION_PREFIX: &str = "topic.creation.";
/// `task.class`, added to every task configuration.
pub const TASK_CLASS: &str = "task.class";
/// `kconnect.restart.enable`: restart failed tasks automatically (kconnect extension).
pub const RESTART_ENABLE: &str = "kconnect.restart.enable";
/// `kconnect.restart.backoff.initial.ms`: delay before the first automatic restart.
pub const RESTART_BACKOFF_INITIAL_MS: &str = "kconnect.restart.backoff.initial.ms";
/// `kconnect.restart.backoff.max.ms`: cap of the doubling delay between automatic restarts.
pub const RESTART_BACKOFF_MAX_MS: &str = "kconnect.restart.backoff.max.ms";
/// `kconnect.restart.max.attempts`: automatic restarts in a row before giving up (-1: never).
pub const RESTART_MAX_ATTEMPTS: &str = "kconnect.restart.max.attempts";
