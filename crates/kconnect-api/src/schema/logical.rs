//! The logical types Decimal, Date, Time and Timestamp, under their Kafka names, with the
//! conversions between their logical values and the underlying primitive encodings.

use super::{Schema, SchemaBuilder, SchemaRef, SchemaType};
use crate::decimal::Decimal;
use crate::error::{ConnectError, ConnectResult};

/// Name of the Decimal logical type (BYTES, parameter `scale`).
pub const DECIMAL_NAME: &str = "org.apache.kafka.connect.data.Decimal";
/// Name of the Decimal `scale` parameter.
pub const DECIMAL_SCALE_PARAM: &str = "scale";
/// Name of the Date logical type (INT32 days since the epoch).
pub const DATE_NAME: &str = "org.apache.kafka.connect.data.Date";
/// Name of the Time logical type (INT32 milliseconds since midnight).
pub const TIME_NAME: &str = "org.apache.kafka.connect.data.Time";
/// Name of the Timestamp logical type (INT64 milliseconds since the epoch).
pub const TIMESTAMP_NAME: &str = "org.apache.kafka.connect.data.Timestamp";

/// Milliseconds in a day.
pub const MILLIS_PER_DAY: i64 = 24 * 60 * 60 * 1000;

/// A builder for a Decimal schema of the given scale.
pub fn decimal_builder(scale: i32) -> SchemaBuilder {
    SchemaBuilder::new(SchemaType::Bytes)
        .name(DECIMAL_NAME)
        .parameter(DECIMAL_SCALE_PARAM, scale.to_string())
        .version(1)
}

/// A required Decimal schema of the given scale.
pub fn decimal_schema(scale: i32) -> SchemaRef {
    std::sync::Arc::new(decimal_builder(scale).into_schema())
}

/// A builder for the Date schema.
pub fn date_builder() -> SchemaBuilder {
    SchemaBuilder::new(SchemaType::Int32)
        .name(DATE_NAME)
        .version(1)
}

/// A builder for the Time schema.
pub fn time_builder() -> SchemaBuilder {
    SchemaBuilder::new(SchemaType::Int32)
        .name(TIME_NAME)
        .version(1)
}

/// A builder for the Timestamp schema.
pub fn timestamp_builder() -> SchemaBuilder {
    SchemaBuilder::new(SchemaType::Int64)
        .name(TIMESTAMP_NAME)
        .version(1)
}

/// Whether a schema is one of the four logical types.
pub fn is_logical(schema: &Schema) -> bool {
    matches!(
        schema.name.as_deref(),
        Some(DECIMAL_NAME | DATE_NAME | TIME_NAME | TIMESTAMP_NAME)
    )
}

/// The scale a Decimal schema declares.
pub fn decimal_scale(schema: &Schema) -> ConnectResult<i32> {
    let raw = schema
        .parameter(DECIMAL_SCALE_PARAM)
        .ok_or_else(|| ConnectError::data("Invalid Decimal schema: scale parameter not found."))?;
    raw.parse().map_err(|_| {
        ConnectError::data(format!(
            "Invalid scale parameter found in Decimal schema: {raw}"
        ))
    })
}

/// Encodes a decimal for a Decimal schema: its unscaled two's-complement bytes. The decimal's
/// scale must equal the schema's.
pub fn decimal_from_logical(schema: &Schema, value: &Decimal) -> ConnectResult<Vec<u8>> {
    if value.scale() != decimal_scale(schema)? {
        return Err(ConnectError::data(
            "BigDecimal has mismatching scale value for given Decimal schema",
        ));
    }
    Ok(value.unscaled_bytes())
}

/// Decodes Decimal bytes with the schema's scale.
pub fn decimal_to_logical(schema: &Schema, bytes: &[u8]) -> ConnectResult<Decimal> {
    Ok(Decimal::from_unscaled_bytes(bytes, decimal_scale(schema)?))
}

/// Encodes a Date (epoch millis at midnight UTC) as days since the epoch.
pub fn date_from_logical(millis: i64) -> ConnectResult<i32> {
    if millis.rem_euclid(MILLIS_PER_DAY) != 0 {
        return Err(ConnectError::data(
            "Kafka Connect Date type should not have any time fields set to non-zero values.",
        ));
    }
    i32::try_from(millis.div_euclid(MILLIS_PER_DAY))
        .map_err(|_| ConnectError::data("Date is out of range for the Kafka Connect Date type"))
}

/// Decodes days since the epoch into epoch millis.
pub fn date_to_logical(days: i32) -> i64 {
    i64::from(days) * MILLIS_PER_DAY
}

/// Encodes a Time (epoch millis within the first day) as milliseconds since midnight.
pub fn time_from_logical(millis: i64) -> ConnectResult<i32> {
    if !(0..MILLIS_PER_DAY).contains(&millis) {
        return Err(ConnectError::data(
            "Kafka Connect Time type should not have any date fields set to non-zero values.",
        ));
    }
    Ok(millis as i32)
}

/// Decodes milliseconds since midnight; must lie within one day.
pub fn time_to_logical(millis: i32) -> ConnectResult<i64> {
    if !(0..MILLIS_PER_DAY).contains(&i64::from(millis)) {
        return Err(ConnectError::data(
            "Time values must use number of milliseconds greater than 0 and less than 86400000",
        ));
    }
    Ok(i64::from(millis))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn date_must_be_midnight() {
        assert_eq!(date_from_logical(19000 * MILLIS_PER_DAY).unwrap(), 19000);
        assert!(date_from_logical(19000 * MILLIS_PER_DAY + 1).is_err());
        assert_eq!(date_to_logical(-1), -MILLIS_PER_DAY);
    }

    #[test]
    fn time_within_a_day() {
        assert_eq!(time_from_logical(3_723_000).unwrap(), 3_723_000);
        assert!(time_from_logical(MILLIS_PER_DAY).is_err());
        assert!(time_to_logical(-1).is_err());
    }

    #[test]
    fn decimal_scale_checked() {
        let schema = decimal_schema(2);
        assert_eq!(
            decimal_from_logical(&schema, &Decimal::new(12345, 2)).unwrap(),
            vec![0x30, 0x39]
        );
        assert!(decimal_from_logical(&schema, &Decimal::new(12345, 3)).is_err());
        assert_eq!(
            decimal_to_logical(&schema, &[0x30, 0x39]).unwrap(),
            Decimal::new(12345, 2)
        );
    }
}
