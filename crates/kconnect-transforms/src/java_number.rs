//! Java's number semantics where transformations depend on them: the `parseXxx` string
//! parsers (strict syntax, range-checked integers, `1.5f`/`NaN`/hex floats), and the
//! narrowing conversions of `Number.byteValue()` ... `doubleValue()` (wrap-around for
//! integers, saturation for floating point, truncation for `BigDecimal`).

use kconnect_api::{Decimal, Value};
use num_bigint::BigInt;
use num_traits::{ToPrimitive, Zero};

/// Java `Byte.parseByte`, `Short.parseShort`, `Integer.parseInt`, `Long.parseLong`: an
/// optional sign and decimal digits, within `[min, max]`; `None` where Java throws
/// `NumberFormatException`.
pub(crate) fn parse_integer(text: &str, min: i64, max: i64) -> Option<i64> {
    let digits = text.strip_prefix(['+', '-']).unwrap_or(text);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let value: i64 = if text.starts_with('-') {
        format!("-{digits}").parse().ok()?
    } else {
        digits.parse().ok()?
    };
    (min..=max).contains(&value).then_some(value)
}

/// Checks Java floating-point literal syntax and returns the text Rust can parse, or a
/// hexadecimal value already computed.
enum FloatText {
    Decimal(String),
    Value(f64),
}

fn java_float_text(text: &str) -> Option<FloatText> {
    let trimmed = text.trim_matches(|c: char| c <= ' ');
    let (negative, body) = match trimmed.as_bytes().first() {
        Some(b'-') => (true, &trimmed[1..]),
        Some(b'+') => (false, &trimmed[1..]),
        _ => (false, trimmed),
    };
    let sign = if negative { -1.0 } else { 1.0 };
    match body {
        "NaN" => return Some(FloatText::Value(f64::NAN)),
        "Infinity" => return Some(FloatText::Value(sign * f64::INFINITY)),
        _ => {}
    }
    if let Some(hex) = body.strip_prefix("0x").or_else(|| body.strip_prefix("0X")) {
        return parse_hex_float(hex).map(|v| FloatText::Value(sign * v));
    }
    let body = body.strip_suffix(['f', 'F', 'd', 'D']).unwrap_or(body);
    let (mantissa, exponent) = match body.find(['e', 'E']) {
        Some(i) => (&body[..i], Some(&body[i + 1..])),
        None => (body, None),
    };
    let (int, frac) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let digits_ok = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if (int.is_empty() && frac.is_empty()) || !digits_ok(int) || !digits_ok(frac) {
        return None;
    }
    if let Some(exp) = exponent {
        let exp_digits = exp.strip_prefix(['+', '-']).unwrap_or(exp);
        if exp_digits.is_empty() || !digits_ok(exp_digits) {
            return None;
        }
    }
    let sign = if negative { "-" } else { "" };
    Some(FloatText::Decimal(format!("{sign}{body}")))
}

fn parse_hex_float(hex: &str) -> Option<f64> {
    let hex = hex.strip_suffix(['f', 'F', 'd', 'D']).unwrap_or(hex);
    let (mantissa, exponent) = hex.split_once(['p', 'P'])?;
    let exponent: i32 = exponent.parse().ok()?;
    let (int, frac) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    if int.is_empty() && frac.is_empty() {
        return None;
    }
    let mut value = 0f64;
    for c in int.chars().chain(frac.chars()) {
        value = value * 16.0 + f64::from(c.to_digit(16)?);
    }
    let frac_bits = i32::try_from(frac.len() * 4).ok()?;
    Some(value * 2f64.powi(exponent - frac_bits))
}

/// Java `Double.parseDouble`.
pub(crate) fn parse_double(text: &str) -> Option<f64> {
    match java_float_text(text)? {
        FloatText::Decimal(s) => s.parse().ok(),
        FloatText::Value(v) => Some(v),
    }
}

/// Java `Float.parseFloat` (rounded once, straight from the decimal text).
pub(crate) fn parse_float(text: &str) -> Option<f32> {
    match java_float_text(text)? {
        FloatText::Decimal(s) => s.parse().ok(),
        FloatText::Value(v) => Some(v as f32),
    }
}

/// The integer part of a decimal (Java `BigDecimal.toBigInteger`, truncating).
fn truncate(decimal: &Decimal) -> BigInt {
    let ten = BigInt::from(10);
    let scale = decimal.scale();
    if scale <= 0 {
        decimal.unscaled() * ten.pow(scale.unsigned_abs())
    } else {
        decimal.unscaled() / ten.pow(scale.unsigned_abs())
    }
}

/// The low 64 bits of the decimal's integer part (Java `BigDecimal.longValue`).
pub(crate) fn decimal_long_value(decimal: &Decimal) -> i64 {
    let int = truncate(decimal);
    if int.is_zero() {
        return 0;
    }
    let masked = int & BigInt::from(u64::MAX);
    masked.to_u64().map_or(0, |v| v as i64)
}

/// Java `Number.longValue()` for a numeric value; `None` if the value is not a number.
pub(crate) fn long_value(value: &Value) -> Option<i64> {
    Some(match value {
        Value::Int8(v) => (*v).into(),
        Value::Int16(v) => (*v).into(),
        Value::Int32(v) => (*v).into(),
        Value::Int64(v) => *v,
        Value::Float32(v) => *v as i64,
        Value::Float64(v) => *v as i64,
        Value::Decimal(d) => decimal_long_value(d),
        _ => return None,
    })
}

/// Java `Number.intValue()` (floating point saturates, integers wrap).
pub(crate) fn int_value(value: &Value) -> Option<i32> {
    match value {
        Value::Float32(v) => Some(*v as i32),
        Value::Float64(v) => Some(*v as i32),
        other => long_value(other).map(|v| v as i32),
    }
}

/// Java `Number.shortValue()` (via `intValue()` for floating point).
pub(crate) fn short_value(value: &Value) -> Option<i16> {
    int_value(value).map(|v| v as i16)
}

/// Java `Number.byteValue()` (via `intValue()` for floating point).
pub(crate) fn byte_value(value: &Value) -> Option<i8> {
    int_value(value).map(|v| v as i8)
}

/// Java `Number.doubleValue()`.
pub(crate) fn double_value(value: &Value) -> Option<f64> {
    Some(match value {
        Value::Float32(v) => (*v).into(),
        Value::Float64(v) => *v,
        Value::Decimal(d) => d.to_f64(),
        other => long_value(other)? as f64,
    })
}

/// Java `Number.floatValue()`.
pub(crate) fn float_value(value: &Value) -> Option<f32> {
    Some(match value {
        Value::Float32(v) => *v,
        Value::Float64(v) => *v as f32,
        Value::Decimal(d) => d.to_string().parse().unwrap_or(f32::NAN),
        other => long_value(other)? as f32,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integers_parse_strictly() {
        assert_eq!(parse_integer("127", -128, 127), Some(127));
        assert_eq!(parse_integer("+5", -128, 127), Some(5));
        assert_eq!(parse_integer("-128", -128, 127), Some(-128));
        for bad in ["128", "", "-", " 1", "1.0", "0x1", "1_0"] {
            assert_eq!(parse_integer(bad, -128, 127), None, "{bad}");
        }
        assert_eq!(
            parse_integer("-9223372036854775808", i64::MIN, i64::MAX),
            Some(i64::MIN)
        );
        assert_eq!(
            parse_integer("9223372036854775808", i64::MIN, i64::MAX),
            None
        );
    }

    #[test]
    fn floats_parse_like_java() {
        assert_eq!(parse_double(" 1.5 "), Some(1.5));
        assert_eq!(parse_double("1e3"), Some(1000.0));
        assert_eq!(parse_double(".5d"), Some(0.5));
        assert_eq!(parse_double("2."), Some(2.0));
        assert_eq!(parse_double("-Infinity"), Some(f64::NEG_INFINITY));
        assert!(parse_double("NaN").is_some_and(f64::is_nan));
        assert_eq!(parse_double("0x1.8p1"), Some(3.0));
        assert_eq!(parse_float("1.1f"), Some(1.1f32));
        for bad in ["", "abc", "inf", "nan", "1e", "1.2.3", "e5", "0x1.8"] {
            assert_eq!(parse_double(bad), None, "{bad}");
        }
    }

    #[test]
    fn narrowing_follows_java() {
        assert_eq!(byte_value(&Value::Float64(300.7)), Some(44));
        assert_eq!(byte_value(&Value::Int32(300)), Some(44));
        assert_eq!(int_value(&Value::Float64(1e20)), Some(i32::MAX));
        assert_eq!(short_value(&Value::Float64(1e20)), Some(-1));
        assert_eq!(long_value(&Value::Float64(f64::NAN)), Some(0));
        assert_eq!(int_value(&Value::Int64(1 << 32 | 7)), Some(7));
        assert_eq!(float_value(&Value::Int64(16_777_217)), Some(16_777_216.0));
        assert_eq!(long_value(&Value::String("1".into())), None);
    }

    #[test]
    fn decimals_truncate_to_their_low_bits() {
        let d = |s: &str| Value::Decimal(s.parse().unwrap());
        assert_eq!(long_value(&d("-12.99")), Some(-12));
        assert_eq!(long_value(&d("1E+2")), Some(100));
        assert_eq!(long_value(&d("18446744073709551617")), Some(1));
        assert_eq!(long_value(&d("-18446744073709551617")), Some(-1));
        assert_eq!(double_value(&d("1.25")), Some(1.25));
        assert_eq!(float_value(&d("1.1")), Some(1.1f32));
    }
}
