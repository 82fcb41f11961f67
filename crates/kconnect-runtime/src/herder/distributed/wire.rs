//! Kafka protocol primitives as Java's `org.apache.kafka.common.protocol.types` writes them
//! (big-endian integers, INT16-prefixed strings, INT32-prefixed arrays and bytes), for the
//! Connect group protocol's metadata and assignment blobs.

use thiserror::Error;

/// A Connect protocol blob that cannot be decoded.
#[derive(Debug, Clone, Error, PartialEq, Eq)]
#[error("invalid Connect protocol data: {0}")]
pub struct ProtocolError(pub String);

/// Appends primitives to a byte buffer.
#[derive(Debug, Default)]
pub(crate) struct Writer {
    out: Vec<u8>,
}

impl Writer {
    pub(crate) fn i16(&mut self, v: i16) {
        self.out.extend_from_slice(&v.to_be_bytes());
    }

    pub(crate) fn i32(&mut self, v: i32) {
        self.out.extend_from_slice(&v.to_be_bytes());
    }

    pub(crate) fn i64(&mut self, v: i64) {
        self.out.extend_from_slice(&v.to_be_bytes());
    }

    /// STRING: INT16 length, then UTF-8 bytes. Longer strings are truncated at a character
    /// boundary below 32 767 bytes (Java would refuse to write them at all).
    pub(crate) fn string(&mut self, s: &str) {
        let mut end = s.len().min(i16::MAX as usize);
        while !s.is_char_boundary(end) {
            end -= 1;
        }
        self.i16(end as i16);
        self.out.extend_from_slice(&s.as_bytes()[..end]);
    }

    /// NULLABLE_BYTES: INT32 length (-1 for null), then the bytes.
    pub(crate) fn nullable_bytes(&mut self, bytes: Option<&[u8]>) {
        match bytes {
            None => self.i32(-1),
            Some(b) => {
                self.i32(b.len() as i32);
                self.out.extend_from_slice(b);
            }
        }
    }

    pub(crate) fn finish(self) -> Vec<u8> {
        self.out
    }
}

/// Reads primitives from a byte slice.
pub(crate) struct Reader<'a> {
    data: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    pub(crate) fn new(data: &'a [u8]) -> Self {
        Self { data, pos: 0 }
    }

    /// Whether every byte was consumed: later (optional) fields take their defaults.
    pub(crate) fn at_end(&self) -> bool {
        self.pos >= self.data.len()
    }

    fn take(&mut self, n: usize, what: &str) -> Result<&'a [u8], ProtocolError> {
        let end = self
            .pos
            .checked_add(n)
            .filter(|e| *e <= self.data.len())
            .ok_or_else(|| {
                ProtocolError(format!(
                    "{what} truncated at byte {} of {}",
                    self.pos,
                    self.data.len()
                ))
            })?;
        let slice = &self.data[self.pos..end];
        self.pos = end;
        Ok(slice)
    }

    pub(crate) fn i16(&mut self, what: &str) -> Result<i16, ProtocolError> {
        let b = self.take(2, what)?;
        Ok(i16::from_be_bytes([b[0], b[1]]))
    }

    pub(crate) fn i32(&mut self, what: &str) -> Result<i32, ProtocolError> {
        let b = self.take(4, what)?;
        Ok(i32::from_be_bytes([b[0], b[1], b[2], b[3]]))
    }

    pub(crate) fn i64(&mut self, what: &str) -> Result<i64, ProtocolError> {
        let b = self.take(8, what)?;
        let mut a = [0u8; 8];
        a.copy_from_slice(b);
        Ok(i64::from_be_bytes(a))
    }

    pub(crate) fn string(&mut self, what: &str) -> Result<String, ProtocolError> {
        let len = self.i16(what)?;
        let len = usize::try_from(len)
            .map_err(|_| ProtocolError(format!("{what} has negative length {len}")))?;
        let bytes = self.take(len, what)?;
        String::from_utf8(bytes.to_vec())
            .map_err(|_| ProtocolError(format!("{what} is not valid UTF-8")))
    }

    pub(crate) fn nullable_bytes(&mut self, what: &str) -> Result<Option<&'a [u8]>, ProtocolError> {
        let len = self.i32(what)?;
        if len < 0 {
            return Ok(None);
        }
        self.take(len as usize, what).map(Some)
    }

    /// An array length: `None` for a null array (-1).
    pub(crate) fn array_len(&mut self, what: &str) -> Result<Option<usize>, ProtocolError> {
        let len = self.i32(what)?;
        if len < 0 {
            return Ok(None);
        }
        let len = len as usize;
        // Every element takes at least two bytes; reject counts the data cannot hold.
        if len > self.data.len().saturating_sub(self.pos) {
            return Err(ProtocolError(format!("{what} claims {len} elements")));
        }
        Ok(Some(len))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn primitives_round_trip_big_endian() {
        let mut w = Writer::default();
        w.i16(-2);
        w.i32(0x0102_0304);
        w.i64(-1);
        w.string("hé");
        w.nullable_bytes(None);
        w.nullable_bytes(Some(b"ab"));
        let bytes = w.finish();
        assert_eq!(&bytes[..6], &[0xFF, 0xFE, 1, 2, 3, 4]);
        assert_eq!(&bytes[14..19], &[0, 3, b'h', 0xC3, 0xA9]);
        let mut r = Reader::new(&bytes);
        assert_eq!(r.i16("a").unwrap(), -2);
        assert_eq!(r.i32("b").unwrap(), 0x0102_0304);
        assert_eq!(r.i64("c").unwrap(), -1);
        assert_eq!(r.string("d").unwrap(), "hé");
        assert_eq!(r.nullable_bytes("e").unwrap(), None);
        assert_eq!(r.nullable_bytes("f").unwrap(), Some(&b"ab"[..]));
        assert!(r.at_end());
        assert!(r.i16("g").is_err());
    }

    #[test]
    fn rejects_impossible_lengths() {
        assert!(Reader::new(&[0x7F, 0xFF, b'a']).string("s").is_err());
        assert!(Reader::new(&[0xFF, 0xFF]).string("s").is_err());
        assert!(Reader::new(&[0x10, 0, 0, 0]).array_len("a").is_err());
        assert_eq!(
            Reader::new(&[0xFF, 0xFF, 0xFF, 0xFF])
                .array_len("a")
                .unwrap(),
            None
        );
    }
}
