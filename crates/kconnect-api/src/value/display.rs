//! Java `toString` renderings: numbers as `Double.toString` writes them, and values as
//! `String.valueOf` shows them (what FileStreamSink writes and error messages quote).

use std::fmt;

use super::Value;

/// Splits Rust's shortest round-trip scientific form (`1.5e0`) into digits and exponent.
fn shortest_digits(sci: &str) -> (String, i32) {
    let (mantissa, exp) = sci.split_once('e').unwrap_or((sci, "0"));
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    (digits, exp.parse().unwrap_or(0))
}

fn java_float_text(negative: bool, sci: &str, is_zero: bool) -> String {
    let sign = if negative { "-" } else { "" };
    if is_zero {
        return format!("{sign}0.0");
    }
    let (digits, exp) = shortest_digits(sci);
    let digits = digits.trim_end_matches('0');
    let digits = if digits.is_empty() { "0" } else { digits };
    if (-3..7).contains(&exp) {
        // Plain notation with at least one digit on each side of the point.
        let point = exp + 1;
        if point <= 0 {
            format!("{sign}0.{}{digits}", "0".repeat((-point) as usize))
        } else if (point as usize) >= digits.len() {
            format!(
                "{sign}{digits}{}.0",
                "0".repeat(point as usize - digits.len())
            )
        } else {
            let (int, frac) = digits.split_at(point as usize);
            format!("{sign}{int}.{frac}")
        }
    } else {
        let (first, rest) = digits.split_at(1);
        let rest = if rest.is_empty() { "0" } else { rest };
        format!("{sign}{first}.{rest}E{exp}")
    }
}

/// Renders a double the way Java's `Double.toString` does (`2.0`, `1.0E20`, `1.0E-5`, `NaN`).
pub fn java_f64_to_string(v: f64) -> String {
    if v.is_nan() {
        return "NaN".into();
    }
    if v.is_infinite() {
        return if v > 0.0 {
            "Infinity".into()
        } else {
            "-Infinity".into()
        };
    }
    java_float_text(v.is_sign_negative(), &format!("{:e}", v.abs()), v == 0.0)
}

/// Renders a float the way Java's `Float.toString` does.
pub fn java_f32_to_string(v: f32) -> String {
    if v.is_nan() {
        return "NaN".into();
    }
    if v.is_infinite() {
        return if v > 0.0 {
            "Infinity".into()
        } else {
            "-Infinity".into()
        };
    }
    java_float_text(v.is_sign_negative(), &format!("{:e}", v.abs()), v == 0.0)
}

impl fmt::Display for Value {
    /// Java `String.valueOf(value)`: `null`, numbers as Java prints them, strings raw, lists
    /// `[a, b]`, maps `{k=v, k2=v2}`, structs `Struct{f=v,g=w}` (null fields omitted).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Null => f.write_str("null"),
            Value::Int8(v) => write!(f, "{v}"),
            Value::Int16(v) => write!(f, "{v}"),
            Value::Int32(v) => write!(f, "{v}"),
            Value::Int64(v) => write!(f, "{v}"),
            Value::Float32(v) => f.write_str(&java_f32_to_string(*v)),
            Value::Float64(v) => f.write_str(&java_f64_to_string(*v)),
            Value::Boolean(v) => write!(f, "{v}"),
            Value::String(v) => f.write_str(v),
            Value::Bytes(v) => {
                f.write_str("[")?;
                for (i, b) in v.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{}", *b as i8)?;
                }
                f.write_str("]")
            }
            Value::Array(items) => {
                f.write_str("[")?;
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{item}")?;
                }
                f.write_str("]")
            }
            Value::Map(entries) => {
                f.write_str("{")?;
                for (i, (k, v)) in entries.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{k}={v}")?;
                }
                f.write_str("}")
            }
            Value::Struct(s) => {
                f.write_str("Struct{")?;
                let mut first = true;
                for (field, value) in s.schema().fields.iter().zip(s.values()) {
                    if value.is_null() {
                        continue;
                    }
                    if !first {
                        f.write_str(",")?;
                    }
                    first = false;
                    write!(f, "{}={value}", field.name)?;
                }
                f.write_str("}")
            }
            Value::Decimal(d) => write!(f, "{d}"),
            Value::Instant(ms) => write!(f, "{ms}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn doubles_print_like_java() {
        let cases = [
            (2.0, "2.0"),
            (1.5, "1.5"),
            (std::f64::consts::PI, "3.141592653589793"),
            (0.1, "0.1"),
            (0.001, "0.001"),
            (0.0001, "1.0E-4"),
            (1e7, "1.0E7"),
            (1234567.0, "1234567.0"),
            (1.0e20, "1.0E20"),
            (-0.0, "-0.0"),
            (123.456e10, "1.23456E12"),
        ];
        for (v, s) in cases {
            assert_eq!(java_f64_to_string(v), s, "{v}");
        }
        assert_eq!(java_f32_to_string(1.1f32), "1.1");
        assert_eq!(java_f32_to_string(9.5f32), "9.5");
    }

    #[test]
    fn values_print_like_java() {
        let list = Value::Array(vec![Value::Int32(1), Value::String("a".into())]);
        assert_eq!(list.to_string(), "[1, a]");
        let map = Value::Map(vec![(Value::from("k"), Value::Float64(1.0))]);
        assert_eq!(map.to_string(), "{k=1.0}");
    }
}
