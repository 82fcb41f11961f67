//! Arbitrary-precision decimals with Java `BigDecimal` semantics where they are visible:
//! unscaled value plus scale, two's-complement byte encoding, and the textual form.

use std::cmp::Ordering;
use std::fmt;
use std::str::FromStr;

use num_bigint::{BigInt, Sign};
use num_traits::{Signed, ToPrimitive, Zero};

/// A decimal number `unscaled × 10^-scale` (Java `BigDecimal`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Decimal {
    unscaled: BigInt,
    scale: i32,
}

impl Decimal {
    /// A decimal from its unscaled value and scale.
    pub fn new(unscaled: impl Into<BigInt>, scale: i32) -> Self {
        Self {
            unscaled: unscaled.into(),
            scale,
        }
    }

    /// The unscaled value.
    pub fn unscaled(&self) -> &BigInt {
        &self.unscaled
    }

    /// The scale (digits after the decimal point; negative for multiples of powers of ten).
    pub fn scale(&self) -> i32 {
        self.scale
    }

    /// Whether the value is zero (at any scale).
    pub fn is_zero(&self) -> bool {
        self.unscaled.is_zero()
    }

    /// The unscaled value as big-endian two's-complement bytes, minimal length
    /// (Java `BigInteger.toByteArray`), as stored by the Decimal logical type.
    pub fn unscaled_bytes(&self) -> Vec<u8> {
        self.unscaled.to_signed_bytes_be()
    }

    /// A decimal from big-endian two's-complement bytes and a scale.
    pub fn from_unscaled_bytes(bytes: &[u8], scale: i32) -> Self {
        Self {
            unscaled: BigInt::from_signed_bytes_be(bytes),
            scale,
        }
    }

    /// The same value with trailing zeros removed from the unscaled value
    /// (Java `stripTrailingZeros`; zero becomes scale 0).
    pub fn strip_trailing_zeros(&self) -> Self {
        if self.unscaled.is_zero() {
            return Self::new(0, 0);
        }
        let ten = BigInt::from(10);
        let mut unscaled = self.unscaled.clone();
        let mut scale = self.scale;
        loop {
            let (q, r) = (&unscaled / &ten, &unscaled % &ten);
            if !r.is_zero() {
                break;
            }
            unscaled = q;
            scale -= 1;
        }
        Self { unscaled, scale }
    }

    /// The value rescaled to `scale`, if that loses no digits.
    pub fn with_scale(&self, scale: i32) -> Option<Self> {
        match scale.cmp(&self.scale) {
            Ordering::Equal => Some(self.clone()),
            Ordering::Greater => {
                let factor = BigInt::from(10).pow((scale - self.scale) as u32);
                Some(Self {
                    unscaled: &self.unscaled * factor,
                    scale,
                })
            }
            Ordering::Less => {
                let factor = BigInt::from(10).pow((self.scale - scale) as u32);
                let (q, r) = (&self.unscaled / &factor, &self.unscaled % &factor);
                r.is_zero().then_some(Self { unscaled: q, scale })
            }
        }
    }

    /// Nearest `f64`.
    pub fn to_f64(&self) -> f64 {
        self.to_string().parse().unwrap_or(f64::NAN)
    }

    /// The integral part, truncated toward zero, if it fits in an `i64`.
    pub fn to_i64_truncated(&self) -> Option<i64> {
        if self.scale <= 0 {
            let factor = BigInt::from(10).pow(self.scale.unsigned_abs());
            (&self.unscaled * factor).to_i64()
        } else {
            let factor = BigInt::from(10).pow(self.scale as u32);
            (&self.unscaled / factor).to_i64()
        }
    }

    /// Java's `BigDecimal.toPlainString`: never uses an exponent.
    pub fn to_plain_string(&self) -> String {
        let digits = self.unscaled.abs().to_string();
        let sign = if self.unscaled.sign() == Sign::Minus {
            "-"
        } else {
            ""
        };
        if self.scale <= 0 {
            let zeros = if self.unscaled.is_zero() {
                0
            } else {
                self.scale.unsigned_abs() as usize
            };
            return format!("{sign}{digits}{}", "0".repeat(zeros));
        }
        let scale = self.scale as usize;
        if digits.len() > scale {
            let (int, frac) = digits.split_at(digits.len() - scale);
            format!("{sign}{int}.{frac}")
        } else {
            format!("{sign}0.{}{digits}", "0".repeat(scale - digits.len()))
        }
    }
}

impl fmt::Display for Decimal {
    /// Java's `BigDecimal.toString`: plain notation when the scale is non-negative and the
    /// adjusted exponent is at least -6, scientific notation (`1.23E+5`) otherwise.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let digits = self.unscaled.abs().to_string();
        let sign = if self.unscaled.sign() == Sign::Minus {
            "-"
        } else {
            ""
        };
        let adjusted = -(self.scale as i64) + (digits.len() as i64 - 1);
        if self.scale >= 0 && adjusted >= -6 {
            return f.write_str(&self.to_plain_string());
        }
        let mantissa = if digits.len() > 1 {
            format!("{}.{}", &digits[..1], &digits[1..])
        } else {
            digits
        };
        let exp_sign = if adjusted >= 0 { "+" } else { "" };
        write!(f, "{sign}{mantissa}E{exp_sign}{adjusted}")
    }
}

/// Error parsing a decimal from text.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid decimal number: {0}")]
pub struct ParseDecimalError(pub String);

impl FromStr for Decimal {
    type Err = ParseDecimalError;

    /// Parses Java `BigDecimal` syntax: optional sign, digits with an optional point, and an
    /// optional exponent (`-12.50`, `1E+3`, `.5`).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let err = || ParseDecimalError(s.to_string());
        let (mantissa, exponent) = match s.find(['e', 'E']) {
            Some(i) => {
                let exp = &s[i + 1..];
                let exp = exp.strip_prefix('+').unwrap_or(exp);
                (&s[..i], exp.parse::<i32>().map_err(|_| err())?)
            }
            None => (s, 0),
        };
        let (negative, body) = match mantissa.as_bytes().first() {
            Some(b'-') => (true, &mantissa[1..]),
            Some(b'+') => (false, &mantissa[1..]),
            _ => (false, mantissa),
        };
        let (int, frac) = match body.find('.') {
            Some(i) => (&body[..i], &body[i + 1..]),
            None => (body, ""),
        };
        if int.is_empty() && frac.is_empty() {
            return Err(err());
        }
        if !int.bytes().chain(frac.bytes()).all(|b| b.is_ascii_digit()) {
            return Err(err());
        }
        let all = format!("{int}{frac}");
        let mut unscaled = BigInt::from_str(&all).map_err(|_| err())?;
        if negative {
            unscaled = -unscaled;
        }
        let scale = (frac.len() as i64 - exponent as i64)
            .try_into()
            .map_err(|_| err())?;
        Ok(Self { unscaled, scale })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Decimal {
        s.parse().unwrap()
    }

    #[test]
    fn java_to_string_forms() {
        assert_eq!(Decimal::new(12345, 2).to_string(), "123.45");
        assert_eq!(Decimal::new(-244, 3).to_string(), "-0.244");
        assert_eq!(Decimal::new(300, 2).strip_trailing_zeros().to_string(), "3");
        assert_eq!(
            Decimal::new(30000, 2).strip_trailing_zeros().to_string(),
            "3E+2"
        );
        assert_eq!(Decimal::new(1, 7).to_string(), "1E-7");
        assert_eq!(Decimal::new(1, 6).to_string(), "0.000001");
        assert_eq!(Decimal::new(0, 2).to_string(), "0.00");
        assert_eq!(Decimal::new(0, 0).to_string(), "0");
        assert_eq!(Decimal::new(123, -2).to_string(), "1.23E+4");
    }

    #[test]
    fn parse_round_trips() {
        for s in ["123.45", "-0.244", "3E+2", "1E-7", "0.00", "7"] {
            assert_eq!(d(s).to_string(), s);
        }
        assert_eq!(d(".5"), Decimal::new(5, 1));
        assert!("abc".parse::<Decimal>().is_err());
        assert!("1.2.3".parse::<Decimal>().is_err());
    }

    #[test]
    fn bytes_are_twos_complement() {
        assert_eq!(Decimal::new(12345, 2).unscaled_bytes(), vec![0x30, 0x39]);
        assert_eq!(Decimal::new(-244, 3).unscaled_bytes(), vec![0xff, 0x0c]);
        assert_eq!(
            Decimal::from_unscaled_bytes(&[0x01, 0x2c], 2),
            Decimal::new(300, 2)
        );
    }

    #[test]
    fn rescale() {
        assert_eq!(d("1.5").with_scale(3), Some(d("1.500")));
        assert_eq!(d("1.500").with_scale(1), Some(d("1.5")));
        assert_eq!(d("1.55").with_scale(1), None);
        assert_eq!(d("-12.9").to_i64_truncated(), Some(-12));
    }
}
