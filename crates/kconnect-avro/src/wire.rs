//! Confluent's wire format: magic byte 0, the schema id (4 bytes, big-endian), the payload.

use crate::AvroError;

/// The first byte of every framed payload.
pub const MAGIC: u8 = 0;

/// `payload` framed with `schema_id`.
pub fn frame(schema_id: i32, payload: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(5 + payload.len());
    out.push(MAGIC);
    out.extend_from_slice(&schema_id.to_be_bytes());
    out.extend_from_slice(payload);
    out
}

/// The schema id and payload of framed bytes.
pub fn unframe(bytes: &[u8]) -> Result<(i32, &[u8]), AvroError> {
    match bytes {
        [MAGIC, a, b, c, d, payload @ ..] => Ok((i32::from_be_bytes([*a, *b, *c, *d]), payload)),
        [] => Err(AvroError::Wire("empty bytes: expected Confluent's magic byte 0".into())),
        [first, ..] if *first != MAGIC => Err(AvroError::Wire(format!(
            "unknown magic byte {first}: these bytes were not written with a Schema Registry serializer"
        ))),
        _ => Err(AvroError::Wire(format!(
            "{} bytes are too short for Confluent's wire format (5 bytes of header)",
            bytes.len()
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_round_trip_and_bad_bytes_say_why() {
        let framed = frame(258, b"x");
        assert_eq!(framed, [0, 0, 0, 1, 2, b'x']);
        assert_eq!(unframe(&framed).unwrap(), (258, &b"x"[..]));
        assert!(unframe(b"{\"a\":1}")
            .unwrap_err()
            .to_string()
            .contains("magic byte 123"));
        assert!(unframe(&[0, 1])
            .unwrap_err()
            .to_string()
            .contains("too short"));
    }
}
