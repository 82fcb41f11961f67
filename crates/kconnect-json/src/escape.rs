//! Low-level output: JSON strings escaped exactly as Jackson's UTF-8 generator escapes them,
//! integers, Java-formatted floats and Base64, all appended to a byte buffer.
//!
//! Jackson escapes `"` and `\`, writes `\b \t \n \f \r` in short form and other control
//! characters as `\u00XX` (upper-case hex), leaves every other BMP character as raw UTF-8, and
//! writes characters outside the BMP as two escaped UTF-16 surrogates (`\uD83D\uDE00`).

use std::fmt::Write as _;

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

/// A small stack buffer for `{:e}` formatting.
struct Scratch {
    buf: [u8; 48],
    len: usize,
}

impl std::fmt::Write for Scratch {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        let end = self.len + s.len();
        if end > self.buf.len() {
            return Err(std::fmt::Error);
        }
        self.buf[self.len..end].copy_from_slice(s.as_bytes());
        self.len = end;
        Ok(())
    }
}

/// Lays out shortest round-trip digits the way Java's `Double.toString`/`Float.toString` do:
/// plain notation for 1e-3 <= |v| < 1e7 (at least one digit each side of the point), else
/// `d.dddE±n`. `sci` is Rust's `{:e}` rendering of |v| (`1.2345e-7`).
fn write_java_digits(out: &mut Vec<u8>, negative: bool, sci: &[u8]) {
    let e_pos = sci.iter().position(|&b| b == b'e').unwrap_or(sci.len());
    let mut digits = [0u8; 40];
    let mut n = 0;
    for &b in &sci[..e_pos] {
        if b.is_ascii_digit() && n < digits.len() {
            digits[n] = b;
            n += 1;
        }
    }
    while n > 1 && digits[n - 1] == b'0' {
        n -= 1;
    }
    let digits = &digits[..n];
    let mut exp: i32 = 0;
    let mut exp_negative = false;
    for &b in sci.get(e_pos + 1..).unwrap_or(&[]) {
        match b {
            b'-' => exp_negative = true,
            b'0'..=b'9' => exp = exp * 10 + i32::from(b - b'0'),
            _ => {}
        }
    }
    if exp_negative {
        exp = -exp;
    }
    if negative {
        out.push(b'-');
    }
    if (-3..7).contains(&exp) {
        let point = exp + 1;
        if point <= 0 {
            out.extend_from_slice(b"0.");
            out.extend(std::iter::repeat_n(b'0', (-point) as usize));
            out.extend_from_slice(digits);
        } else if point as usize >= digits.len() {
            out.extend_from_slice(digits);
            out.extend(std::iter::repeat_n(b'0', point as usize - digits.len()));
            out.extend_from_slice(b".0");
        } else {
            let (int, frac) = digits.split_at(point as usize);
            out.extend_from_slice(int);
            out.push(b'.');
            out.extend_from_slice(frac);
        }
    } else {
        out.push(digits[0]);
        out.push(b'.');
        if digits.len() > 1 {
            out.extend_from_slice(&digits[1..]);
        } else {
            out.push(b'0');
        }
        out.push(b'E');
        write_i64(out, i64::from(exp));
    }
}

/// Jackson writes non-finite numbers as quoted strings (`QUOTE_NON_NUMERIC_NUMBERS`).
fn write_non_finite(out: &mut Vec<u8>, nan: bool, negative: bool) {
    out.extend_from_slice(match (nan, negative) {
        (true, _) => b"\"NaN\"".as_slice(),
        (false, false) => b"\"Infinity\"",
        (false, true) => b"\"-Infinity\"",
    });
}

/// Appends a double as Jackson writes it (Java `Double.toString`).
pub(crate) fn write_f64(out: &mut Vec<u8>, v: f64) {
    if !v.is_finite() {
        return write_non_finite(out, v.is_nan(), v < 0.0);
    }
    if v == 0.0 {
        out.extend_from_slice(if v.is_sign_negative() {
            b"-0.0"
        } else {
            b"0.0"
        });
        return;
    }
    let mut s = Scratch {
        buf: [0; 48],
        len: 0,
    };
    if write!(s, "{:e}", v.abs()).is_err() {
        out.extend_from_slice(kconnect_api::value::java_f64_to_string(v).as_bytes());
        return;
    }
    write_java_digits(out, v.is_sign_negative(), &s.buf[..s.len]);
}

/// Appends a float as Jackson writes it (Java `Float.toString`).
pub(crate) fn write_f32(out: &mut Vec<u8>, v: f32) {
    if !v.is_finite() {
        return write_non_finite(out, v.is_nan(), v < 0.0);
    }
    if v == 0.0 {
        out.extend_from_slice(if v.is_sign_negative() {
            b"-0.0"
        } else {
            b"0.0"
        });
        return;
    }
    let mut s = Scratch {
        buf: [0; 48],
        len: 0,
    };
    if write!(s, "{:e}", v.abs()).is_err() {
        out.extend_from_slice(kconnect_api::value::java_f32_to_string(v).as_bytes());
        return;
    }
    write_java_digits(out, v.is_sign_negative(), &s.buf[..s.len]);
}

#[cfg(test)]
mod tests {
    use super::*;
    use kconnect_api::value::{java_f32_to_string, java_f64_to_string};

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

    #[test]
    fn floats_match_java_to_string() {
        for v in [
            1.5,
            2.0,
            std::f64::consts::PI,
            1e7,
            9999999.0,
            1e-3,
            0.001234,
            1e-4,
            1e21,
            1.0e-300,
            f64::MAX,
            f64::MIN_POSITIVE,
            5e-324,
            -123.456,
            100.0,
            0.1,
        ] {
            assert_eq!(s(|o| write_f64(o, v)), java_f64_to_string(v), "{v}");
            if v.abs() < f64::from(f32::MAX) {
                assert_eq!(s(|o| write_f32(o, v as f32)), java_f32_to_string(v as f32));
            }
        }
        assert_eq!(s(|o| write_f64(o, -0.0)), "-0.0");
        assert_eq!(s(|o| write_f64(o, f64::NAN)), "\"NaN\"");
        assert_eq!(s(|o| write_f32(o, f32::NEG_INFINITY)), "\"-Infinity\"");
    }
}
