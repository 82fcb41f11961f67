//! Numbers in text: Java's `BigDecimal` syntax, and the rules `Values.parseString` uses to pick
//! a number's type (smallest exact integer type, else float, else double, else Decimal).

use std::sync::Arc;

use kconnect_api::schema::logical;
use kconnect_api::value::SchemaAndValue;
use kconnect_api::{Decimal, Schema, Value};
use num_bigint::BigInt;
use num_traits::{Signed, ToPrimitive};

/// A number as written: sign, significant digits (no leading zeros; empty for zero) and the
/// scale that places the decimal point (`value = digits × 10^-scale`).
struct NumberText {
    negative: bool,
    digits: String,
    scale: i32,
}

impl NumberText {
    /// Parses Java `new BigDecimal(String)` syntax: an optional sign, digits with at most one
    /// decimal point (at least one digit overall), and an optional exponent.
    fn parse(text: &str) -> Option<Self> {
        let (negative, body) = match text.as_bytes().first()? {
            b'-' => (true, &text[1..]),
            b'+' => (false, &text[1..]),
            _ => (false, text),
        };
        let (mantissa, exponent) = match body.find(['e', 'E']) {
            Some(i) => (&body[..i], Some(&body[i + 1..])),
            None => (body, None),
        };
        let (int, frac) = mantissa.split_once('.').unwrap_or((mantissa, ""));
        let all_digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
        if (int.is_empty() && frac.is_empty()) || !all_digits(int) || !all_digits(frac) {
            return None;
        }
        let exponent: i64 = match exponent {
            None => 0,
            Some(exp) => {
                let digits = exp.strip_prefix(['+', '-']).unwrap_or(exp);
                if digits.is_empty() || !all_digits(digits) {
                    return None;
                }
                let magnitude = digits.trim_start_matches('0');
                if magnitude.len() > 10 {
                    return None;
                }
                let value: i64 = if magnitude.is_empty() {
                    0
                } else {
                    magnitude.parse().ok()?
                };
                if exp.starts_with('-') {
                    -value
                } else {
                    value
                }
            }
        };
        let scale = i32::try_from(frac.len() as i64 - exponent).ok()?;
        let digits = format!("{int}{frac}").trim_start_matches('0').to_string();
        Some(Self {
            negative,
            digits,
            scale,
        })
    }

    fn is_zero(&self) -> bool {
        self.digits.is_empty()
    }

    /// The position of the leading digit: `floor(log10(|value|))` (for non-zero values).
    fn magnitude(&self) -> i64 {
        self.digits.len() as i64 - 1 - i64::from(self.scale)
    }

    /// The value as an `i64` if it is a whole number of at most 19 digits that fits.
    fn exact_i64(&self) -> Option<i64> {
        if self.is_zero() {
            return Some(0);
        }
        let significant = self.digits.trim_end_matches('0');
        let stripped_scale = i64::from(self.scale) - (self.digits.len() - significant.len()) as i64;
        if stripped_scale > 0 || self.magnitude() >= 19 {
            return None;
        }
        let zeros = "0".repeat(stripped_scale.unsigned_abs() as usize);
        let sign = if self.negative { "-" } else { "" };
        format!("{sign}{significant}{zeros}").parse().ok()
    }

    /// The text Rust's float parsing reads exactly (correctly rounded).
    fn scientific(&self) -> String {
        let sign = if self.negative { "-" } else { "" };
        let digits = if self.digits.is_empty() {
            "0"
        } else {
            &self.digits
        };
        format!("{sign}{digits}e{}", -i64::from(self.scale))
    }

    fn to_decimal(&self) -> Decimal {
        let digits = if self.digits.is_empty() {
            "0"
        } else {
            &self.digits
        };
        let mut unscaled = BigInt::parse_bytes(digits.as_bytes(), 10).unwrap_or_default();
        if self.negative {
            unscaled = -unscaled;
        }
        Decimal::new(unscaled, self.scale)
    }
}

/// Parses text with Java's `BigDecimal` syntax (`-12.50`, `1E+3`, `.5`, `7.`); `None` where
/// Java would throw `NumberFormatException`.
pub fn parse_decimal(text: &str) -> Option<Decimal> {
    NumberText::parse(text).map(|n| n.to_decimal())
}

/// Java's `BigDecimal.longValue()`: the integral part, truncated toward zero, keeping only
/// its low 64 bits.
pub fn decimal_long_value(decimal: &Decimal) -> i64 {
    let scale = decimal.scale();
    let ten = BigInt::from(10);
    let integral = if scale <= 0 {
        // Multiplying by 2^64 or more clears the low 64 bits, and 10^k has k factors of two.
        if scale < -64 {
            return 0;
        }
        decimal.unscaled() * ten.pow(scale.unsigned_abs())
    } else {
        let digits = decimal.unscaled().abs().to_string().len();
        if scale as usize > digits {
            return 0;
        }
        decimal.unscaled() / ten.pow(scale.unsigned_abs())
    };
    if let Some(v) = integral.to_i64() {
        return v;
    }
    let bytes = integral.to_signed_bytes_le();
    let fill = if integral.is_negative() { 0xFF } else { 0 };
    let mut low = [fill; 8];
    for (slot, byte) in low.iter_mut().zip(bytes) {
        *slot = byte;
    }
    i64::from_le_bytes(low)
}

/// Picks the type of a number token as `Values.parseString` does. Whole numbers with a
/// magnitude from 1 up to 10^19 become the smallest integer type that holds them. Anything
/// else (fractions, numbers below 1 in magnitude, huge numbers) becomes `FLOAT32` if finite
/// as a float, else `FLOAT64` if finite as a double, but only when the written scale is not
/// zero; otherwise a Decimal with the written scale.
pub(crate) fn parse_number(token: &str) -> Option<SchemaAndValue> {
    let number = NumberText::parse(token)?;
    let exact = if number.is_zero() || (0..19).contains(&number.magnitude()) {
        number.exact_i64()
    } else {
        None
    };
    if let Some(int) = exact {
        return Some(smallest_integer(int));
    }
    if number.scale != 0 {
        let text = number.scientific();
        if let Some(f) = text.parse::<f32>().ok().filter(|f| f.is_finite()) {
            return Some(SchemaAndValue::with_schema(
                Schema::float32(),
                Value::Float32(f),
            ));
        }
        if let Some(d) = text.parse::<f64>().ok().filter(|d| d.is_finite()) {
            return Some(SchemaAndValue::with_schema(
                Schema::float64(),
                Value::Float64(d),
            ));
        }
    }
    let decimal = number.to_decimal();
    Some(SchemaAndValue::with_schema(
        logical::decimal_schema(number.scale),
        Value::Decimal(decimal),
    ))
}

fn smallest_integer(v: i64) -> SchemaAndValue {
    let (schema, value): (Arc<Schema>, Value) = if let Ok(b) = i8::try_from(v) {
        (Schema::int8(), Value::Int8(b))
    } else if let Ok(s) = i16::try_from(v) {
        (Schema::int16(), Value::Int16(s))
    } else if let Ok(i) = i32::try_from(v) {
        (Schema::int32(), Value::Int32(i))
    } else {
        (Schema::int64(), Value::Int64(v))
    };
    SchemaAndValue::with_schema(schema, value)
}

#[cfg(test)]
mod tests {
    use super::*;
    use kconnect_api::SchemaType;

    fn kind(token: &str) -> Option<(SchemaType, Value)> {
        parse_number(token).map(|sv| (sv.schema.unwrap().schema_type, sv.value))
    }

    #[test]
    fn java_big_decimal_syntax() {
        assert_eq!(parse_decimal("-12.50"), Some(Decimal::new(-1250, 2)));
        assert_eq!(parse_decimal("1E+3"), Some(Decimal::new(1, -3)));
        assert_eq!(parse_decimal(".5"), Some(Decimal::new(5, 1)));
        assert_eq!(parse_decimal("7."), Some(Decimal::new(7, 0)));
        for bad in [
            "",
            "-",
            ".",
            "1e",
            "1e+-2",
            "1.2.3",
            "0x10",
            " 1",
            "1e99999999999",
        ] {
            assert_eq!(parse_decimal(bad), None, "{bad}");
        }
        assert!(parse_decimal("-0.000").unwrap().is_zero());
    }

    #[test]
    fn integers_take_the_smallest_type() {
        assert_eq!(kind("42"), Some((SchemaType::Int8, Value::Int8(42))));
        assert_eq!(kind("-128"), Some((SchemaType::Int8, Value::Int8(-128))));
        assert_eq!(kind("300"), Some((SchemaType::Int16, Value::Int16(300))));
        assert_eq!(
            kind("70000"),
            Some((SchemaType::Int32, Value::Int32(70000)))
        );
        assert_eq!(
            kind("9223372036854775807"),
            Some((SchemaType::Int64, Value::Int64(i64::MAX)))
        );
        assert_eq!(kind("1.0"), Some((SchemaType::Int8, Value::Int8(1))));
        assert_eq!(kind("1E+3"), Some((SchemaType::Int16, Value::Int16(1000))));
        assert_eq!(kind("-0.0"), Some((SchemaType::Int8, Value::Int8(0))));
    }

    #[test]
    fn fractions_and_huge_numbers() {
        assert_eq!(
            kind("3.5"),
            Some((SchemaType::Float32, Value::Float32(3.5)))
        );
        assert_eq!(
            kind("0.5"),
            Some((SchemaType::Float32, Value::Float32(0.5)))
        );
        assert_eq!(
            kind("1e20"),
            Some((SchemaType::Float32, Value::Float32(1e20)))
        );
        assert_eq!(
            kind("1e-50"),
            Some((SchemaType::Float32, Value::Float32(0.0)))
        );
        assert_eq!(
            kind("1e300"),
            Some((SchemaType::Float64, Value::Float64(1e300)))
        );
        let (t, v) = kind("9223372036854775808").unwrap();
        assert_eq!(t, SchemaType::Bytes);
        assert_eq!(v, Value::Decimal("9223372036854775808".parse().unwrap()));
        let sv = parse_number("1e400").unwrap();
        assert_eq!(sv.schema.unwrap().parameter("scale"), Some("-400"));
        assert_eq!(kind("12abc"), None);
    }

    #[test]
    fn long_value_truncates_and_wraps() {
        assert_eq!(decimal_long_value(&Decimal::new(-129, 1)), -12);
        assert_eq!(decimal_long_value(&Decimal::new(5, -2)), 500);
        assert_eq!(
            decimal_long_value(&"18446744073709551617".parse().unwrap()),
            1
        );
        assert_eq!(decimal_long_value(&Decimal::new(1, -100)), 0);
        assert_eq!(decimal_long_value(&Decimal::new(1, 100)), 0);
    }
}
