//! Which part of a record a transformation with `$Key` and `$Value` variants works on.

use kconnect_api::{ConnectRecord, SchemaRef, Value};

/// The part of a record a transformation operates on. Java expresses this with nested classes
/// (`InsertField$Key`, `InsertField$Value`); kconnect uses one type with a `Target`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Target {
    /// The record key and key schema.
    Key,
    /// The record value and value schema.
    Value,
}

impl Target {
    /// The suffix Java class names use for this variant (`$Key` or `$Value`).
    pub fn class_suffix(self) -> &'static str {
        match self {
            Self::Key => "$Key",
            Self::Value => "$Value",
        }
    }

    /// The schema of the targeted part.
    pub fn schema(self, record: &ConnectRecord) -> Option<&SchemaRef> {
        match self {
            Self::Key => record.key_schema.as_ref(),
            Self::Value => record.value_schema.as_ref(),
        }
    }

    /// The targeted part's value.
    pub fn value(self, record: &ConnectRecord) -> &Value {
        match self {
            Self::Key => &record.key,
            Self::Value => &record.value,
        }
    }

    /// Moves the schema and value out of the record, leaving nulls behind.
    pub fn take(self, record: &mut ConnectRecord) -> (Option<SchemaRef>, Value) {
        match self {
            Self::Key => (record.key_schema.take(), std::mem::take(&mut record.key)),
            Self::Value => (
                record.value_schema.take(),
                std::mem::take(&mut record.value),
            ),
        }
    }

    /// Replaces the schema and value of the targeted part.
    pub fn set(self, record: &mut ConnectRecord, schema: Option<SchemaRef>, value: Value) {
        match self {
            Self::Key => {
                record.key_schema = schema;
                record.key = value;
            }
            Self::Value => {
                record.value_schema = schema;
                record.value = value;
            }
        }
    }

    /// Replaces only the value of the targeted part, keeping its schema.
    pub fn set_value(self, record: &mut ConnectRecord, value: Value) {
        match self {
            Self::Key => record.key = value,
            Self::Value => record.value = value,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use kconnect_api::Schema;

    #[test]
    fn take_and_set_touch_only_the_targeted_part() {
        let mut record = ConnectRecord::new("t", Some(Schema::string()), Value::from("v"));
        record.key = Value::from("k");
        let (schema, value) = Target::Value.take(&mut record);
        assert_eq!(value, Value::from("v"));
        assert!(schema.is_some());
        assert!(record.value.is_null() && record.value_schema.is_none());
        assert_eq!(Target::Key.value(&record), &Value::from("k"));
        Target::Key.set(&mut record, Some(Schema::int32()), Value::Int32(1));
        assert_eq!(record.key, Value::Int32(1));
        assert_eq!(Target::Key.schema(&record), Some(&Schema::int32()));
        Target::Value.set_value(&mut record, Value::from("w"));
        assert_eq!(record.value, Value::from("w"));
        assert_eq!(Target::Key.class_suffix(), "$Key");
    }
}
