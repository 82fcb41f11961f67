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

/// Appends `s` as a quoted, escaped JSON string.
pub(crate) fn write_str(out: &mut Vec<u8>, s: &str) {
    let bytes = s.as_bytes();
    out.reserve(bytes.len() + 2);
    out.push(b'"');
    let mut start = 0;
    let mut i = 0;
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

    #[test]
    fn integers_and_base64() {
        assert_eq!(s(|o| write_i64(o, i64::MIN)), "-9223372036854775808");
        assert_eq!(s(|o| write_i64(o, 0)), "0");
        assert_eq!(s(|o| write_base64(o, &[0, 1, 2, 255])), "\"AAEC/w==\"");
        assert_eq!(s(|o| write_base64(o, &[])), "\"\"");
    }
}
