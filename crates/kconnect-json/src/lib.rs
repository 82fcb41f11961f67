//! JsonConverter (`org.apache.kafka.connect.json.JsonConverter`), byte-compatible with Java.
