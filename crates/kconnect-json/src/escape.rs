//! Low-level output: JSON strings escaped exactly as Jackson's UTF-8 generator escapes them,
//! integers and Base64, all appended to a byte buffer (floats: [`crate::floats`]).
//!
//! Jackson escapes `"` and `\`, writes `\b \t \n \f \r` in short form and other control
//! characters as `\u00XX` (upper-case hex), leaves every other BMP character as raw UTF-8, and
//! writes characters outside the BMP as two escaped UTF-16 surrogates (`\uD83D\uDE00`).

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;

const HEX: &[u8; 16] = b"0123456789ABCDEF";

/// What to do with each byte of a UTF-8 string: 0 copy, 1 escape, 2 start of a 4-byte
/// sequence (a character outside the BMP).
static CLASS: [u8; 256] = {
    let mut table = [0u8; 256];
    let mut i = 0;
    while i < 0x20 {
        table[i] = 1;
        i += 1;
    }
    table[b'"' as usize] = 1;
    table[b'\\' as usize] = 1;
    let mut i = 0xF0;
    while i < 0x100 {
        table[i] = 2;
        i += 1;
    }
    table
};

fn push_u_escape(out: &mut Vec<u8>, unit: u32) {
    out.extend_from_slice(&[
        b'\\',
        b'u',
        HEX[((unit >> 12) & 0xF) as usize],
        HEX[((unit >> 8) & 0xF) as usize],
        HEX[((unit >> 4) & 0xF) as usize],
        HEX[(unit & 0xF) as usize],
    ]);
}

const ONES: u64 = u64::from_ne_bytes([0x01; 8]);
const HIGHS: u64 = u64::from_ne_bytes([0x80; 8]);

/// Whether some byte of `word` is zero (exact: no false positives or negatives).
#[inline]
fn has_zero_byte(word: u64) -> bool {
    word.wrapping_sub(ONES) & !word & HIGHS != 0
}

/// Whether some byte of these eight needs more than a copy (`CLASS` non-zero): a control
/// character, a quote, a backslash or the start of a 4-byte UTF-8 sequence.
#[inline]
fn needs_escape(chunk: &[u8]) -> bool {
    let mut word = [0u8; 8];
    word.copy_from_slice(chunk);
    let w = u64::from_ne_bytes(word);
    // Some byte below 0x20 (the "has less than" word test, exact for bounds up to 0x80).
    let control = w.wrapping_sub(ONES * 0x20) & !w & HIGHS != 0;
    control
        || has_zero_byte(w ^ (ONES * u64::from(b'"')))
        || has_zero_byte(w ^ (ONES * u64::from(b'\\')))
        || has_zero_byte((w & (ONES * 0xF0)) ^ (ONES * 0xF0))
}

/// Appends `s` as a quoted, escaped JSON string.
pub(crate) fn write_str(out: &mut Vec<u8>, s: &str) {
    let bytes = s.as_bytes();
    out.reserve(bytes.len() + 2);
    out.push(b'"');
    // Plain stretches are copied whole: find the first eight bytes that need a look.
    let mut i = 0;
    for chunk in bytes.chunks_exact(8) {
        if needs_escape(chunk) {
            break;
        }
        i += 8;
    }
    let mut start = 0;
    while i < bytes.len() {
        let b = bytes[i];
        let class = CLASS[b as usize];
        if class == 0 {
            i += 1;
            continue;
        }
        out.extend_from_slice(&bytes[start..i]);
        if class == 1 {
            match b {
                b'"' => out.extend_from_slice(b"\\\""),
                b'\\' => out.extend_from_slice(b"\\\\"),
                0x08 => out.extend_from_slice(b"\\b"),
                b'\t' => out.extend_from_slice(b"\\t"),
                b'\n' => out.extend_from_slice(b"\\n"),
                0x0C => out.extend_from_slice(b"\\f"),
                b'\r' => out.extend_from_slice(b"\\r"),
                _ => push_u_escape(out, u32::from(b)),
            }
            i += 1;
        } else {
            // A valid `&str` guarantees three continuation bytes follow.
            let cp = (u32::from(b & 0x07) << 18)
                | (u32::from(bytes[i + 1] & 0x3F) << 12)
                | (u32::from(bytes[i + 2] & 0x3F) << 6)
                | u32::from(bytes[i + 3] & 0x3F);
            let v = cp - 0x1_0000;
            push_u_escape(out, 0xD800 + (v >> 10));
            push_u_escape(out, 0xDC00 + (v & 0x3FF));
            i += 4;
        }
        start = i;
    }
    out.extend_from_slice(&bytes[start..]);
    out.push(b'"');
}

/// Appends a signed integer in decimal.
pub(crate) fn write_i64(out: &mut Vec<u8>, v: i64) {
    let mut digits = [0u8; 20];
    let mut n = v.unsigned_abs();
    let mut pos = digits.len();
    loop {
        pos -= 1;
        digits[pos] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    if v < 0 {
        out.push(b'-');
    }
    out.extend_from_slice(&digits[pos..]);
}

/// Appends bytes as a quoted Base64 string (standard alphabet, padded, no line breaks).
pub(crate) fn write_base64(out: &mut Vec<u8>, bytes: &[u8]) {
    out.push(b'"');
    let start = out.len();
    out.resize(start + bytes.len().div_ceil(3) * 4, 0);
    let written = STANDARD.encode_slice(bytes, &mut out[start..]).unwrap_or(0);
    out.truncate(start + written);
    out.push(b'"');
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(f: impl FnOnce(&mut Vec<u8>)) -> String {
        let mut out = Vec::new();
        f(&mut out);
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn escapes_like_jackson() {
        assert_eq!(
            s(|o| write_str(o, "h\u{e9}llo \"world\"\n\t\u{1}")),
            "\"h\u{e9}llo \\\"world\\\"\\n\\t\\u0001\""
        );
        assert_eq!(
            s(|o| write_str(o, "\u{65e5} \u{1F600}/\\\u{8}\u{c}\r\u{1f}\u{7f}")),
            "\"\u{65e5} \\uD83D\\uDE00/\\\\\\b\\f\\r\\u001F\u{7f}\""
        );
    }

    /// The word-at-a-time test agrees with the byte table for every byte in every position.
    #[test]
    fn the_word_test_matches_the_byte_table() {
        for b in 0..=255u8 {
            for pos in 0..8 {
                let mut chunk = [b'a'; 8];
                chunk[pos] = b;
                assert_eq!(
                    needs_escape(&chunk),
                    CLASS[b as usize] != 0,
                    "{b:#x} at {pos}"
                );
            }
            for fill in [0u8, 0x1F, 0x20, 0x7F, 0x80, 0xEF, 0xF0, 0xFF] {
                let mut chunk = [b; 8];
                chunk[3] = fill;
                let expected = CLASS[b as usize] != 0 || CLASS[fill as usize] != 0;
                assert_eq!(needs_escape(&chunk), expected, "{b:#x} with {fill:#x}");
            }
        }
    }

    #[test]
    fn long_strings_escape_like_short_ones() {
        let text = "plain ascii text, then \"quotes\" \u{e9}t\u{e9} \u{1F600}\n and more text";
        for start in 0..text.len() {
            if !text.is_char_boundary(start) {
                continue;
            }
            let tail = &text[start..];
            let mut expected = String::from("\"");
            for c in tail.chars() {
                let one = s(|o| write_str(o, c.encode_utf8(&mut [0; 4])));
                expected.push_str(&one[1..one.len() - 1]);
            }
            expected.push('"');
            assert_eq!(s(|o| write_str(o, tail)), expected, "{tail}");
        }
    }

    #[test]
    fn integers_and_base64() {
        assert_eq!(s(|o| write_i64(o, i64::MIN)), "-9223372036854775808");
        assert_eq!(s(|o| write_i64(o, 0)), "0");
        assert_eq!(s(|o| write_base64(o, &[0, 1, 2, 255])), "\"AAEC/w==\"");
        assert_eq!(s(|o| write_base64(o, &[])), "\"\"");
    }
}
