//! Numbers as Java reads them from Jackson nodes: integers keep their low 64 bits (like
//! `longValue()` and `intValue()` of int, long and big-integer nodes), fractions truncate.

use crate::failure::{Failure, Res};
use crate::lexer::Num;

/// The value of an integer token reduced to its low 64 bits (what Java's `longValue()`,
/// and after a cast `intValue()`, give for int, long and big-integer nodes alike).
pub(crate) fn wrapping_integer(text: &str) -> i64 {
    let (negative, digits) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    let magnitude = digits.bytes().fold(0u64, |acc, b| {
        acc.wrapping_mul(10)
            .wrapping_add(u64::from(b.wrapping_sub(b'0')))
    });
    let v = magnitude as i64;
    if negative {
        v.wrapping_neg()
    } else {
        v
    }
}

/// The integer an integral token denotes, if it fits in an `i32` (Jackson's `isInt`).
pub(super) fn exact_i32(num: Num<'_>) -> Option<i32> {
    if !num.integral {
        return None;
    }
    let digits = num.text.trim_start_matches('-').trim_start_matches('0');
    if digits.len() > 10 {
        return None;
    }
    i32::try_from(wrapping_integer(num.text)).ok()
}

/// Any number token as an integer, Java style: integral tokens wrap to their low 64 bits,
/// fractional ones truncate toward zero.
pub(super) fn integer_of(num: Num<'_>) -> Res<i64> {
    if num.integral {
        return Ok(wrapping_integer(num.text));
    }
    truncate_to_i64(num.text)
        .ok_or_else(|| Failure::new(format!("Numeric value ({}) out of range", num.text)))
}

/// The integer part of a fractional number token, if it fits in an `i64`. Works on the
/// digits directly, so huge exponents cost nothing.
fn truncate_to_i64(text: &str) -> Option<i64> {
    let (negative, body) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    let (mantissa, exponent) = match body.find(['e', 'E']) {
        Some(i) => (&body[..i], &body[i + 1..]),
        None => (body, "0"),
    };
    let exponent = exponent.strip_prefix('+').unwrap_or(exponent);
    let exponent: i64 = exponent.parse().unwrap_or(if exponent.starts_with('-') {
        i64::MIN / 2
    } else {
        i64::MAX / 2
    });
    let (int, frac) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let all: Vec<u8> = int.bytes().chain(frac.bytes()).collect();
    let lead = all.iter().take_while(|&&b| b == b'0').count();
    let significant = &all[lead..];
    // The value is 0.<significant> × 10^point; its integer part is the first `point` digits.
    let point = int.len() as i64 - lead as i64 + exponent;
    if significant.is_empty() || point <= 0 {
        return Some(0);
    }
    // At most 20 digits fit in a u64; `point` may be far larger (a big exponent).
    let width = usize::try_from(point).unwrap_or(usize::MAX).min(21);
    let mut magnitude: u64 = 0;
    for &b in significant
        .iter()
        .chain(std::iter::repeat(&b'0'))
        .take(width)
    {
        magnitude = magnitude
            .checked_mul(10)?
            .checked_add(u64::from(b - b'0'))?;
    }
    if negative {
        0i64.checked_sub_unsigned(magnitude)
    } else {
        i64::try_from(magnitude).ok()
    }
}

/// Whether a number token denotes exactly zero (any sign, scale or exponent).
fn is_exact_zero(text: &str) -> bool {
    let mantissa = text.split(['e', 'E']).next().unwrap_or(text);
    mantissa.bytes().all(|b| matches!(b, b'0' | b'.' | b'-'))
}

/// A number token as a double, as Java's `doubleValue()` of the Jackson node gives it:
/// correctly rounded, and never `-0.0` for an exact zero (a `BigDecimal` has no negative
/// zero), though a negative value that underflows does give `-0.0`.
pub(super) fn parse_f64(text: &str) -> f64 {
    let v: f64 = text.parse().unwrap_or(f64::NAN);
    if v == 0.0 && is_exact_zero(text) {
        0.0
    } else {
        v
    }
}

/// A number token as a float (Java `floatValue()`), rounded once, with the same zero rule.
pub(super) fn parse_f32(text: &str) -> f32 {
    let v: f32 = text.parse().unwrap_or(f32::NAN);
    if v == 0.0 && is_exact_zero(text) {
        0.0
    } else {
        v
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn num(text: &str) -> Num<'_> {
        let integral = !text.contains(['.', 'e', 'E']);
        Num { text, integral }
    }

    #[test]
    fn integers_keep_low_bits() {
        assert_eq!(wrapping_integer("-9223372036854775808"), i64::MIN);
        assert_eq!(wrapping_integer("9223372036854775808"), i64::MIN);
        assert_eq!(wrapping_integer("18446744073709551617"), 1);
        assert_eq!(wrapping_integer("-0"), 0);
        assert_eq!(exact_i32(num("2147483647")), Some(i32::MAX));
        assert_eq!(exact_i32(num("-2147483648")), Some(i32::MIN));
        assert_eq!(exact_i32(num("2147483648")), None);
        assert_eq!(exact_i32(num("00000000000000000012")), Some(12));
        assert_eq!(exact_i32(num("1.0")), None);
    }

    #[test]
    fn zero_has_no_sign_unless_it_underflowed() {
        for text in ["-0", "-0.0", "-0.000e5", "0", "0.0"] {
            assert_eq!(parse_f64(text).to_bits(), 0, "{text}");
            assert_eq!(parse_f32(text).to_bits(), 0, "{text}");
        }
        assert_eq!(parse_f64("-1e-400").to_bits(), (-0.0f64).to_bits());
        assert_eq!(parse_f32("-1e-50").to_bits(), (-0.0f32).to_bits());
        assert_eq!(parse_f64("-1.5"), -1.5);
    }

    #[test]
    fn fractions_truncate_toward_zero() {
        for (text, expected) in [
            ("3.9", Some(3)),
            ("-3.9", Some(-3)),
            ("0.05", Some(0)),
            ("12.5e1", Some(125)),
            ("0012.5E+1", Some(125)),
            ("1e-999999999999999999999", Some(0)),
            ("0e99999999999", Some(0)),
            ("-9.223372036854775808e18", Some(i64::MIN)),
            ("9.223372036854775808e18", None),
            ("1e30", None),
            ("1e999999999999999999999", None),
        ] {
            assert_eq!(truncate_to_i64(text), expected, "{text}");
        }
        assert!(integer_of(num("1e19")).is_err());
        assert_eq!(integer_of(num("-7")).ok(), Some(-7));
    }
}
