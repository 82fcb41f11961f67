//! Java `toString` renderings: numbers as `Double.toString` writes them, and values as
//! `String.valueOf` shows them (what FileStreamSink writes and error messages quote).

use std::fmt;

use super::Value;

/// A stack buffer for Rust's `{:e}` rendering of a float (never more than 30 bytes), so
/// that rendering a number allocates nothing.
struct Scientific {
    buf: [u8; 48],
    len: usize,
}

impl Scientific {
    /// Rust's shortest round-trip scientific form of `v` (`1.5e0`).
    fn of(v: impl fmt::LowerExp) -> Result<Self, fmt::Error> {
        let mut s = Self {
            buf: [0; 48],
            len: 0,
        };
        fmt::write(&mut s, format_args!("{v:e}"))?;
        Ok(s)
    }

    fn as_str(&self) -> &str {
        std::str::from_utf8(&self.buf[..self.len]).unwrap_or("0e0")
    }
}

impl fmt::Write for Scientific {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        let end = self.len + s.len();
        let slot = self.buf.get_mut(self.len..end).ok_or(fmt::Error)?;
        slot.copy_from_slice(s.as_bytes());
        self.len = end;
        Ok(())
    }
}

/// Writes a finite number Java's way, given Rust's shortest `{:e}` form of its magnitude.
fn write_java_float(
    out: &mut impl fmt::Write,
    negative: bool,
    sci: &str,
    is_zero: bool,
) -> fmt::Result {
    if negative {
        out.write_char('-')?;
    }
    if is_zero {
        return out.write_str("0.0");
    }
    let (mantissa, exp) = sci.split_once('e').unwrap_or((sci, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let mut buf = [0u8; 40];
    let mut n = 0;
    for b in mantissa.bytes().filter(u8::is_ascii_digit) {
        if n < buf.len() {
            buf[n] = b;
            n += 1;
        }
    }
    while n > 1 && buf[n - 1] == b'0' {
        n -= 1;
    }
    let digits = std::str::from_utf8(&buf[..n.max(1)]).unwrap_or("0");
    let digits = if n == 0 { "0" } else { digits };
    if (-3..7).contains(&exp) {
        // Plain notation with at least one digit on each side of the point.
        let point = exp + 1;
        if point <= 0 {
            out.write_str("0.")?;
            for _ in 0..(-point) {
                out.write_char('0')?;
            }
            out.write_str(digits)
        } else if (point as usize) >= digits.len() {
            out.write_str(digits)?;
            for _ in 0..(point as usize - digits.len()) {
                out.write_char('0')?;
            }
            out.write_str(".0")
        } else {
            let (int, frac) = digits.split_at(point as usize);
            out.write_str(int)?;
            out.write_char('.')?;
            out.write_str(frac)
        }
    } else {
        let (first, rest) = digits.split_at(1);
        let rest = if rest.is_empty() { "0" } else { rest };
        write!(out, "{first}.{rest}E{exp}")
    }
}

/// Writes a double as Java's `Double.toString` does, without allocating.
fn write_f64(out: &mut impl fmt::Write, v: f64) -> fmt::Result {
    if v.is_nan() {
        return out.write_str("NaN");
    }
    if v.is_infinite() {
        return out.write_str(if v > 0.0 { "Infinity" } else { "-Infinity" });
    }
    let sci = Scientific::of(v.abs())?;
    write_java_float(out, v.is_sign_negative(), sci.as_str(), v == 0.0)
}

/// Writes a float as Java's `Float.toString` does, without allocating.
fn write_f32(out: &mut impl fmt::Write, v: f32) -> fmt::Result {
    if v.is_nan() {
        return out.write_str("NaN");
    }
    if v.is_infinite() {
        return out.write_str(if v > 0.0 { "Infinity" } else { "-Infinity" });
    }
    let sci = Scientific::of(v.abs())?;
    write_java_float(out, v.is_sign_negative(), sci.as_str(), v == 0.0)
}

/// Renders a double the way Java's `Double.toString` does (`2.0`, `1.0E20`, `1.0E-5`, `NaN`).
pub fn java_f64_to_string(v: f64) -> String {
    let mut text = String::new();
    // Writing into a String cannot fail.
    let _ = write_f64(&mut text, v);
    text
}

/// Renders a float the way Java's `Float.toString` does.
pub fn java_f32_to_string(v: f32) -> String {
    let mut text = String::new();
    let _ = write_f32(&mut text, v);
    text
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
            Value::Float32(v) => write_f32(f, *v),
            Value::Float64(v) => write_f64(f, *v),
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
            Value::Instant(ms) => write_java_date(f, *ms),
        }
    }
}

/// Java's `java.util.Date.toString` in UTC: `Fri Nov 29 14:33:32 UTC 2024` (Java's default
/// calendar: Julian before 1582-10-15).
///
/// Java renders in the JVM's default time zone; kconnect always in UTC (the two agree on
/// a machine set to UTC, as servers usually are).
fn write_java_date(out: &mut impl fmt::Write, epoch_ms: i64) -> fmt::Result {
    const DAYS: [&str; 7] = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let f = crate::calendar::DateFields::of(epoch_ms);
    let weekday = DAYS[usize::try_from(f.day_of_week - 1).unwrap_or(0) % 7];
    let month = MONTHS[usize::try_from(f.month - 1).unwrap_or(0) % 12];
    write!(
        out,
        "{weekday} {month} {:02} {:02}:{:02}:{:02} UTC {}",
        f.day, f.hour, f.minute, f.second, f.year
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_print_like_java_util_date_in_utc() {
        // Java 17 in UTC: new java.util.Date(ms).toString()
        let cases = [
            (1_732_890_812_170, "Fri Nov 29 14:33:32 UTC 2024"),
            (0, "Thu Jan 01 00:00:00 UTC 1970"),
            (-1, "Wed Dec 31 23:59:59 UTC 1969"),
            (951_782_400_000, "Tue Feb 29 00:00:00 UTC 2000"),
            (4_102_444_799_000, "Thu Dec 31 23:59:59 UTC 2099"),
            // The last Julian day before Java's Gregorian cutover.
            (-12_219_292_800_001, "Thu Oct 04 23:59:59 UTC 1582"),
        ];
        for (ms, java) in cases {
            assert_eq!(Value::Instant(ms).to_string(), java, "{ms}");
        }
    }

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
        assert_eq!(java_f32_to_string(-1.0e-10f32), "-1.0E-10");
        assert_eq!(java_f32_to_string(f32::MAX), "3.4028235E38");
        assert_eq!(
            java_f64_to_string(f64::MIN_POSITIVE),
            "2.2250738585072014E-308"
        );
        assert_eq!(java_f64_to_string(f64::NEG_INFINITY), "-Infinity");
        assert_eq!(java_f64_to_string(f64::NAN), "NaN");
        assert_eq!(Value::Float64(-2.5e-3).to_string(), "-0.0025");
        assert_eq!(Value::Float32(0.0).to_string(), "0.0");
    }

    #[test]
    fn renderings_round_trip() {
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        for _ in 0..100_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let d = f64::from_bits(x);
            if d.is_finite() {
                let text = java_f64_to_string(d);
                assert_eq!(text.parse::<f64>().unwrap(), d, "{text}");
                assert!(text.contains('.'), "{text}");
            }
            let f = f32::from_bits(x as u32);
            if f.is_finite() {
                let text = java_f32_to_string(f);
                assert_eq!(text.parse::<f32>().unwrap(), f, "{text}");
            }
        }
    }

    #[test]
    fn values_print_like_java() {
        let list = Value::Array(vec![Value::Int32(1), Value::String("a".into())]);
        assert_eq!(list.to_string(), "[1, a]");
        let map = Value::Map(vec![(Value::from("k"), Value::Float64(1.0))]);
        assert_eq!(map.to_string(), "{k=1.0}");
    }
}
