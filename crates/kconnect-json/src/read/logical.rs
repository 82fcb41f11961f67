//! The logical types on the way in: Decimal (a JSON number or Base64 text, whatever
//! `decimal.format` says), Date and Time (JSON ints), Timestamp (JSON integral numbers).

use base64::alphabet::STANDARD;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use base64::Engine as _;
use kconnect_api::schema::logical;
use kconnect_api::{Decimal, Schema, Value};

use super::numbers::{exact_i32, wrapping_integer};
use super::ValueReader;
use crate::failure::{Failure, Res};
use crate::lexer::Lexer;

/// Jackson's Base64 reading: padding required, stray trailing bits tolerated.
const BASE64: GeneralPurpose = GeneralPurpose::new(
    &STANDARD,
    GeneralPurposeConfig::new()
        .with_decode_allow_trailing_bits(true)
        .with_decode_padding_mode(DecodePaddingMode::RequireCanonical),
);

/// Decodes Base64 text as Jackson's default variant does (which also skips whitespace).
pub(crate) fn decode_base64(text: &str) -> Result<Vec<u8>, String> {
    match BASE64.decode(text) {
        Ok(bytes) => Ok(bytes),
        Err(e) if text.bytes().any(|b| b <= b' ') => {
            let compact: Vec<u8> = text.bytes().filter(|&b| b > b' ').collect();
            BASE64.decode(compact).map_err(|_| e.to_string())
        }
        Err(e) => Err(e.to_string()),
    }
}

impl ValueReader<'_> {
    /// Decimal, Date, Time and Timestamp; `None` if `name` is not a logical type.
    pub(super) fn read_logical(&mut self, schema: &Schema, name: &str) -> Res<Option<Value>> {
        let kind = match name {
            logical::DECIMAL_NAME => return self.read_decimal(schema).map(Some),
            logical::DATE_NAME => "Date",
            logical::TIME_NAME => "Time",
            logical::TIMESTAMP_NAME => "Timestamp",
            _ => return Ok(None),
        };
        let wrong = |lx: &mut Lexer<'_>, repr: &str| {
            Failure::new(format!(
                "Invalid type for {kind}, underlying representation should be {repr} but was {}",
                lx.node_type()
            ))
        };
        if !matches!(self.lx.peek(), Some(b'-' | b'0'..=b'9')) {
            let repr = if kind == "Timestamp" {
                "integral"
            } else {
                "integer"
            };
            return Err(wrong(&mut self.lx, repr));
        }
        let num = self.lx.number()?;
        let value = match kind {
            "Timestamp" if num.integral => Value::Instant(wrapping_integer(num.text)),
            "Timestamp" => return Err(Failure::new(wrong_number(kind, "integral"))),
            _ => {
                let int =
                    exact_i32(num).ok_or_else(|| Failure::new(wrong_number(kind, "integer")))?;
                if kind == "Date" {
                    Value::Instant(logical::date_to_logical(int))
                } else {
                    Value::Instant(logical::time_to_logical(int)?)
                }
            }
        };
        Ok(Some(value))
    }

    /// A Decimal is a JSON number (any scale; rescaled to the schema's when exact) or
    /// Base64 text of the unscaled bytes, whatever `decimal.format` says.
    fn read_decimal(&mut self, schema: &Schema) -> Res<Value> {
        match self.lx.peek() {
            Some(b'-' | b'0'..=b'9') => {
                let num = self.lx.number()?;
                let decimal: Decimal = num
                    .text
                    .parse()
                    .map_err(|e| Failure::new(format!("Invalid Decimal value: {e}")))?;
                // Rescaling multiplies by 10^|difference|: bound it against hostile input.
                let rescaled = logical::decimal_scale(schema)
                    .ok()
                    .filter(|scale| (i64::from(*scale) - i64::from(decimal.scale())).abs() <= 1000)
                    .and_then(|scale| decimal.with_scale(scale));
                Ok(Value::Decimal(rescaled.unwrap_or(decimal)))
            }
            Some(b'"') => {
                let text = self.lx.string()?;
                let bytes = decode_base64(&text)
                    .map_err(|e| Failure::new(format!("Invalid bytes field: {e}")))?;
                Ok(Value::Decimal(logical::decimal_to_logical(schema, &bytes)?))
            }
            _ => Err(Failure::new(format!(
                "Invalid type for Decimal, underlying representation should be numeric or \
                 bytes but was {}",
                self.lx.node_type()
            ))),
        }
    }
}

fn wrong_number(kind: &str, repr: &str) -> String {
    format!("Invalid type for {kind}, underlying representation should be {repr} but was NUMBER")
}

#[cfg(test)]
mod tests {
    use super::decode_base64;

    #[test]
    fn base64_like_jackson() {
        assert_eq!(decode_base64("AAEC/w==").unwrap(), vec![0, 1, 2, 255]);
        assert_eq!(decode_base64(" AAEC\n/w== ").unwrap(), vec![0, 1, 2, 255]);
        // Stray bits in the last character are tolerated; missing padding is not.
        assert_eq!(decode_base64("QR==").unwrap(), vec![0x41]);
        assert!(decode_base64("QQ").is_err());
        assert!(decode_base64("Q!==").is_err());
    }
}
