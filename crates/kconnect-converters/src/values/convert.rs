//! Converting a value to another schema's type (Java `Values.convertTo`), as far as the
//! converters and the parser need it: every primitive type, the logical types, and checks
//! (without element conversion) for arrays, maps and structs.

use kconnect_api::schema::logical::{
    self, DATE_NAME, DECIMAL_NAME, MILLIS_PER_DAY, TIMESTAMP_NAME, TIME_NAME,
};
use kconnect_api::value::java_f64_to_string;
use kconnect_api::{ConnectError, ConnectResult, Decimal, Schema, SchemaType, Value};

use super::format::convert_to_string;
use super::number::{decimal_long_value, parse_decimal};
use super::parse::parse_string;

/// Converts `value` (described by `from`, if known) to the type of `to`, as Java's
/// `Values.convertTo` does: numbers convert between each other with Java's narrowing casts,
/// strings are parsed, anything converts to a string, and the Date, Time and Timestamp types
/// convert between each other and from numbers. Null converts only to an optional schema.
pub fn convert_to(to: &Schema, from: Option<&Schema>, value: &Value) -> ConnectResult<Value> {
    if value.is_null() {
        return if to.optional {
            Ok(Value::Null)
        } else {
            Err(ConnectError::data(
                "Unable to convert a null value to a schema that requires a value",
            ))
        };
    }
    let name = to.name.as_deref();
    Ok(match (to.schema_type, value) {
        (SchemaType::Bytes, _) if name == Some(DECIMAL_NAME) => to_decimal(to, value)?,
        (SchemaType::Bytes, Value::Bytes(_)) => value.clone(),
        (SchemaType::Bytes, Value::Decimal(d)) => {
            Value::Bytes(logical::decimal_from_logical(to, d)?)
        }
        (SchemaType::String, _) => {
            Value::String(convert_to_string(from, value).unwrap_or_default())
        }
        (SchemaType::Boolean, _) => to_boolean(from, value)?,
        (SchemaType::Int8, Value::Int8(_))
        | (SchemaType::Int16, Value::Int16(_))
        | (SchemaType::Float32, Value::Float32(_))
        | (SchemaType::Float64, Value::Float64(_)) => value.clone(),
        (SchemaType::Int8, _) => Value::Int8(as_long(value, from)? as i8),
        (SchemaType::Int16, _) => Value::Int16(as_long(value, from)? as i16),
        (SchemaType::Int32, _) if name == Some(DATE_NAME) => to_date(from, value)?,
        (SchemaType::Int32, _) if name == Some(TIME_NAME) => to_time(from, value)?,
        (SchemaType::Int32, Value::Int32(_)) => value.clone(),
        (SchemaType::Int32, _) => Value::Int32(as_long(value, from)? as i32),
        (SchemaType::Int64, _) if name == Some(TIMESTAMP_NAME) => to_timestamp(from, value)?,
        (SchemaType::Int64, Value::Int64(_)) => value.clone(),
        (SchemaType::Int64, _) => Value::Int64(as_long(value, from)?),
        (SchemaType::Float32, _) => Value::Float32(as_double(value, from)? as f32),
        (SchemaType::Float64, _) => Value::Float64(as_double(value, from)?),
        (SchemaType::Array, Value::String(s)) => expect_parsed(to, s, SchemaType::Array)?,
        (SchemaType::Map, Value::String(s)) => expect_parsed(to, s, SchemaType::Map)?,
        (SchemaType::Array, Value::Array(_))
        | (SchemaType::Map, Value::Map(_))
        | (SchemaType::Struct, Value::Struct(_)) => value.clone(),
        _ => return Err(unable(value, &to.to_string())),
    })
}

fn unable(value: &Value, target: &str) -> ConnectError {
    ConnectError::data(format!(
        "Unable to convert {value} (class {}) to {target}",
        value.java_class_name()
    ))
}

fn expect_parsed(to: &Schema, text: &str, expected: SchemaType) -> ConnectResult<Value> {
    let parsed = parse_string(text)?.value;
    if parsed.inferred_type() == Some(expected) {
        Ok(parsed)
    } else {
        Err(unable(&Value::from(text), &to.to_string()))
    }
}

/// A string is parsed first; a parsed value of another type goes on to the numeric rules.
fn parsed_if_string(value: &Value) -> ConnectResult<Value> {
    match value {
        Value::String(s) => Ok(parse_string(s)?.value),
        other => Ok(other.clone()),
    }
}

fn to_boolean(from: Option<&Schema>, value: &Value) -> ConnectResult<Value> {
    if let Value::Boolean(_) = value {
        return Ok(value.clone());
    }
    if let Value::String(s) = value {
        if let Value::Boolean(b) = parse_string(s)?.value {
            return Ok(Value::Boolean(b));
        }
    }
    Ok(Value::Boolean(as_long(value, from)? != 0))
}

fn to_decimal(to: &Schema, value: &Value) -> ConnectResult<Value> {
    let from_double = |d: f64| {
        if d.is_finite() {
            parse_decimal(&java_f64_to_string(d))
        } else {
            None
        }
    };
    let decimal: Option<Decimal> = match value {
        Value::Bytes(b) => Some(logical::decimal_to_logical(to, b)?),
        Value::Decimal(d) => Some(d.clone()),
        Value::Int8(_) | Value::Int16(_) | Value::Int32(_) | Value::Int64(_) => {
            from_double(as_long(value, None)? as f64)
        }
        Value::Float32(f) => from_double(f64::from(*f)),
        Value::Float64(d) => from_double(*d),
        Value::String(s) => parse_decimal(s),
        _ => None,
    };
    decimal
        .map(Value::Decimal)
        .ok_or_else(|| unable(value, &to.to_string()))
}

fn to_date(from: Option<&Schema>, value: &Value) -> ConnectResult<Value> {
    let value = parsed_if_string(value)?;
    if let Value::Instant(ms) = value {
        match from.and_then(|s| s.name.as_deref()) {
            None if from.is_none() => return Ok(value),
            Some(DATE_NAME) => return Ok(value),
            Some(TIMESTAMP_NAME) => return Ok(days_to_instant(ms / MILLIS_PER_DAY)),
            _ => {}
        }
    }
    Ok(days_to_instant(as_long(&value, from)?))
}

/// Java's `Date.toLogical(schema, (int) days)`: the day count is cut to 32 bits.
fn days_to_instant(days: i64) -> Value {
    Value::Instant(i64::from(days as i32) * MILLIS_PER_DAY)
}

fn to_time(from: Option<&Schema>, value: &Value) -> ConnectResult<Value> {
    let value = parsed_if_string(value)?;
    if let Value::Instant(ms) = value {
        match from.and_then(|s| s.name.as_deref()) {
            None if from.is_none() => return Ok(value),
            Some(TIME_NAME) => return Ok(value),
            Some(TIMESTAMP_NAME) => return Ok(Value::Instant(ms.rem_euclid(MILLIS_PER_DAY))),
            _ => {}
        }
    }
    let millis = i64::from(as_long(&value, from)? as i32);
    if !(0..=MILLIS_PER_DAY).contains(&millis) {
        return Err(ConnectError::data(
            "Time values must use number of milliseconds greater than 0 and less than 86400000",
        ));
    }
    Ok(Value::Instant(millis))
}

fn to_timestamp(from: Option<&Schema>, value: &Value) -> ConnectResult<Value> {
    let value = parsed_if_string(value)?;
    if let Value::Instant(ms) = value {
        match from.and_then(|s| s.name.as_deref()) {
            None if from.is_none() => return Ok(value),
            Some(TIMESTAMP_NAME) => return Ok(value),
            Some(DATE_NAME) => {
                let days = logical::date_from_logical(ms)?;
                return Ok(Value::Instant(i64::from(days) * MILLIS_PER_DAY));
            }
            Some(TIME_NAME) => return Ok(Value::Instant(time_millis(ms)?)),
            _ => {}
        }
    }
    Ok(Value::Instant(as_long(&value, from)?))
}

/// Java's `Time.fromLogical`: the instant must lie within the first day (its end included).
fn time_millis(ms: i64) -> ConnectResult<i64> {
    if (0..=MILLIS_PER_DAY).contains(&ms) {
        Ok(ms)
    } else {
        Err(ConnectError::data(
            "Kafka Connect Time type should not have any date fields set to non-zero values.",
        ))
    }
}

/// Java's `Values.asLong`: numbers by Java's `longValue()`, strings as `BigDecimal`, and
/// Date/Time/Timestamp values by their logical encoding when the source schema names one.
pub(crate) fn as_long(value: &Value, from: Option<&Schema>) -> ConnectResult<i64> {
    match value {
        Value::Int8(_) | Value::Int16(_) | Value::Int32(_) | Value::Int64(_) => {
            return Ok(value.as_i64().unwrap_or_default())
        }
        Value::Float32(f) => return Ok(*f as i64),
        Value::Float64(d) => return Ok(*d as i64),
        Value::Decimal(d) => return Ok(decimal_long_value(d)),
        Value::String(s) => {
            if let Some(d) = parse_decimal(s) {
                return Ok(decimal_long_value(&d));
            }
        }
        _ => {}
    }
    let Some(from) = from else {
        return Err(unable(value, "a number"));
    };
    if let Value::Instant(ms) = value {
        match from.name.as_deref() {
            Some(DATE_NAME) => return Ok(logical::date_from_logical(*ms)?.into()),
            Some(TIME_NAME) => return time_millis(*ms),
            Some(TIMESTAMP_NAME) => return Ok(*ms),
            _ => {}
        }
    }
    Err(unable(value, &from.to_string()))
}

/// Java's `Values.asDouble`: numbers by `doubleValue()`, strings as `BigDecimal`, otherwise
/// as [`as_long`].
pub(crate) fn as_double(value: &Value, from: Option<&Schema>) -> ConnectResult<f64> {
    Ok(match value {
        Value::Int8(_) | Value::Int16(_) | Value::Int32(_) | Value::Int64(_) => {
            value.as_i64().unwrap_or_default() as f64
        }
        Value::Float32(f) => f64::from(*f),
        Value::Float64(d) => *d,
        Value::Decimal(d) => d.to_f64(),
        Value::String(s) => match parse_decimal(s) {
            Some(d) => d.to_f64(),
            None => as_long(value, from)? as f64,
        },
        other => as_long(other, from)? as f64,
    })
}
