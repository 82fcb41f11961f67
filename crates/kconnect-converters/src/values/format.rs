//! The text form of Connect values (Java `Values.convertToString`), which
//! `SimpleHeaderConverter` writes and [`parse_string`](super::parse_string) reads back.

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use kconnect_api::value::{java_f32_to_string, java_f64_to_string};
use kconnect_api::{Schema, Value};

use super::temporal::Layout;

/// Renders a value as text the way Java's `Values.convertToString` does; `None` for null.
///
/// * A top-level string is written as is; numbers and booleans as Java prints them; bytes as
///   standard Base64.
/// * Arrays are `[a,b]`, maps `{k:v,k2:v2}` and structs `{"field":v,...}` (field defaults
///   apply to unset fields), with no spaces. Inside them strings and Base64 bytes are
///   double-quoted, with `\` and `"` escaped by a backslash, and null is `null`.
/// * Date, Time and Timestamp values are written, unquoted, as `HH:mm:ss.SSS'Z'` if before
///   the end of the first day since the epoch, as `yyyy-MM-dd` if a whole number of days
///   since the epoch, and as `yyyy-MM-dd'T'HH:mm:ss.SSS'Z'` otherwise. Java formats these in
///   the JVM's default time zone; kconnect always uses UTC (see [`super::temporal`]).
///
/// Like Java, the schema is not consulted: the value alone decides the text.
pub fn convert_to_string(_schema: Option<&Schema>, value: &Value) -> Option<String> {
    if value.is_null() {
        return None;
    }
    let mut out = String::new();
    append(&mut out, value, false);
    Some(out)
}

fn append(out: &mut String, value: &Value, embedded: bool) {
    match value {
        Value::Null => out.push_str("null"),
        Value::Int8(v) => out.push_str(&v.to_string()),
        Value::Int16(v) => out.push_str(&v.to_string()),
        Value::Int32(v) => out.push_str(&v.to_string()),
        Value::Int64(v) => out.push_str(&v.to_string()),
        Value::Float32(v) => out.push_str(&java_f32_to_string(*v)),
        Value::Float64(v) => out.push_str(&java_f64_to_string(*v)),
        Value::Decimal(d) => out.push_str(&d.to_string()),
        Value::Boolean(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::String(s) if embedded => {
            out.push('"');
            out.push_str(&escape(s));
            out.push('"');
        }
        Value::String(s) => out.push_str(s),
        Value::Bytes(b) if embedded => {
            out.push('"');
            out.push_str(&STANDARD.encode(b));
            out.push('"');
        }
        Value::Bytes(b) => out.push_str(&STANDARD.encode(b)),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                append(out, item, true);
            }
            out.push(']');
        }
        Value::Map(entries) => {
            out.push('{');
            for (i, (k, v)) in entries.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                append(out, k, true);
                out.push(':');
                append(out, v, true);
            }
            out.push('}');
        }
        Value::Struct(s) => {
            out.push('{');
            for (i, field) in s.schema().fields.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push('"');
                out.push_str(&escape(&field.name));
                out.push_str("\":");
                append(out, s.get_at(field.index), true);
            }
            out.push('}');
        }
        Value::Instant(ms) => out.push_str(&Layout::for_instant(*ms).format(*ms)),
    }
}

/// Escapes backslashes, then double quotes, with a backslash.
fn escape(text: &str) -> String {
    text.replace('\\', "\\\\").replace('"', "\\\"")
}

#[cfg(test)]
mod tests {
    use super::*;
    use kconnect_api::schema::logical::MILLIS_PER_DAY;
    use kconnect_api::{Decimal, SchemaBuilder, SchemaType, Struct};

    fn text(value: Value) -> String {
        convert_to_string(None, &value).unwrap()
    }

    #[test]
    fn primitives() {
        assert_eq!(convert_to_string(None, &Value::Null), None);
        assert_eq!(text(Value::Int8(-5)), "-5");
        assert_eq!(text(Value::Int64(1 << 40)), "1099511627776");
        assert_eq!(text(Value::Float32(3.5)), "3.5");
        assert_eq!(text(Value::Float64(1e20)), "1.0E20");
        assert_eq!(text(Value::Boolean(true)), "true");
        assert_eq!(
            text(Value::from("a \"quoted\" \\ text")),
            "a \"quoted\" \\ text"
        );
        assert_eq!(text(Value::Bytes(vec![1, 2, 3])), "AQID");
        assert_eq!(text(Value::Decimal(Decimal::new(1, -3))), "1E+3");
    }

    #[test]
    fn containers_quote_and_escape_strings() {
        let list = Value::Array(vec![
            Value::from("a\"b\\c"),
            Value::Null,
            Value::Int32(1),
            Value::Bytes(vec![255]),
        ]);
        assert_eq!(text(list), r#"["a\"b\\c",null,1,"/w=="]"#);
        let map = Value::Map(vec![
            (Value::from("k"), Value::Array(vec![Value::Boolean(false)])),
            (Value::Int8(2), Value::Float64(0.5)),
        ]);
        assert_eq!(text(map), r#"{"k":[false],2:0.5}"#);
    }

    #[test]
    fn structs_use_field_defaults() {
        let with_default = SchemaBuilder::new(SchemaType::Int32)
            .default_value(Value::Int32(7))
            .build()
            .unwrap();
        let schema = SchemaBuilder::struct_()
            .field("name", Schema::optional_string())
            .field("count", with_default)
            .build()
            .unwrap();
        let mut s = Struct::new(schema).unwrap();
        s.put("name", "x").unwrap();
        assert_eq!(text(Value::Struct(s)), r#"{"name":"x","count":7}"#);
    }

    #[test]
    fn dates_pick_their_layout() {
        assert_eq!(text(Value::Instant(45_296_789)), "12:34:56.789Z");
        assert_eq!(text(Value::Instant(19_724 * MILLIS_PER_DAY)), "2024-01-02");
        assert_eq!(
            text(Value::Instant(19_724 * MILLIS_PER_DAY + 1)),
            "2024-01-02T00:00:00.001Z"
        );
        let nested = Value::Array(vec![Value::Instant(MILLIS_PER_DAY)]);
        assert_eq!(text(nested), "[1970-01-02]");
    }
}
