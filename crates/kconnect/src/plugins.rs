//! The one explicit list of plugins built into kconnect.

use kconnect_api::plugin::{Converter, HeaderConverter};
use kconnect_runtime::plugins::Registry;

const VERSION: &str = env!("CARGO_PKG_VERSION");

/// Java class name of the JSON converter.
const JSON_CONVERTER: &str = "org.apache.kafka.connect.json.JsonConverter";

/// Whether `name` designates the JSON converter (class name or Java alias).
fn is_json(name: &str) -> bool {
    matches!(name, JSON_CONVERTER | "JsonConverter" | "Json")
}

/// Every built-in plugin.
pub fn registry() -> Registry {
    let mut r = Registry::new();
    r.source_connector(
        kconnect_file::FILE_STREAM_SOURCE_CONNECTOR_CLASS,
        VERSION,
        || Box::new(kconnect_file::FileStreamSourceConnector::default()),
    );
    r.sink_connector(
        kconnect_file::FILE_STREAM_SINK_CONNECTOR_CLASS,
        VERSION,
        || Box::new(kconnect_file::FileStreamSinkConnector::default()),
    );
    r.source_connector(kconnect_datagen::DATAGEN_CONNECTOR_CLASS, VERSION, || {
        Box::new(kconnect_datagen::DatagenConnector::default())
    });
    r.source_connector(
        kconnect_tools::VERIFIABLE_SOURCE_CONNECTOR_CLASS,
        VERSION,
        || Box::new(kconnect_tools::VerifiableSourceConnector::default()),
    );
    r.sink_connector(
        kconnect_tools::VERIFIABLE_SINK_CONNECTOR_CLASS,
        VERSION,
        || Box::new(kconnect_tools::VerifiableSinkConnector::default()),
    );
    r.source_connector(
        kconnect_tools::SCHEMA_SOURCE_CONNECTOR_CLASS,
        VERSION,
        || Box::new(kconnect_tools::SchemaSourceConnector::default()),
    );
    r.source_connector(kconnect_tools::MOCK_SOURCE_CONNECTOR_CLASS, VERSION, || {
        Box::new(kconnect_tools::MockSourceConnector::default())
    });
    r.sink_connector(kconnect_tools::MOCK_SINK_CONNECTOR_CLASS, VERSION, || {
        Box::new(kconnect_tools::MockSinkConnector::default())
    });
    r.converters(&[JSON_CONVERTER], VERSION, |name| {
        is_json(name).then(|| Box::new(kconnect_json::JsonConverter::new()) as Box<dyn Converter>)
    });
    r.converters(&[kconnect_avro::AVRO_CONVERTER_CLASS], VERSION, |name| {
        (name == kconnect_avro::AVRO_CONVERTER_CLASS || name == "AvroConverter")
            .then(|| Box::new(kconnect_avro::AvroConverter::new()) as Box<dyn Converter>)
    });
    r.converters(
        kconnect_converters::registry::CONVERTER_CLASSES,
        VERSION,
        kconnect_converters::converter_by_name,
    );
    r.header_converters(&[JSON_CONVERTER], VERSION, |name| {
        is_json(name)
            .then(|| Box::new(kconnect_json::JsonConverter::new()) as Box<dyn HeaderConverter>)
    });
    r.header_converters(
        kconnect_converters::registry::HEADER_CONVERTER_CLASSES,
        VERSION,
        kconnect_converters::header_converter_by_name,
    );
    r.transformations(
        kconnect_transforms::TRANSFORMATION_CLASSES,
        VERSION,
        kconnect_transforms::transformation_by_name,
    );
    r.predicates(
        kconnect_transforms::PREDICATE_CLASSES,
        VERSION,
        kconnect_transforms::predicate_by_name,
    );
    r
}
