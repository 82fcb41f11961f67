//! Floating-point numbers as Jackson writes them for Connect (Java `Double.toString` and
//! `Float.toString`): plain notation for 1e-3 <= |v| < 1e7 with at least one digit on each
//! side of the point, else `d.dddE±n`; the digits are the shortest that read back to the same
//! number. The shortest digits come from Ryu (as fast as formatting gets, and no allocation).

use std::fmt::Write as _;

use crate::escape::write_i64;

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
    let mut buf = ryu::Buffer::new();
    let text = buf.format_finite(v.abs()).as_bytes();
    if significant_digits(text) < 16 {
        write_ryu(
            out,
            v.is_sign_negative(),
            (1e-3..1e7).contains(&v.abs()),
            text,
        );
        return;
    }
    // With 16 or 17 digits more than one digit string can read back to the same double, and
    // Ryu does not always pick the one the standard library (and so this crate until now)
    // picks: those go through the standard library.
    let mut std_text = Scratch::default();
    if write!(std_text, "{:e}", v.abs()).is_ok() {
        write_java_layout(out, v.is_sign_negative(), std_text.as_bytes());
    } else {
        out.extend_from_slice(kconnect_api::value::java_f64_to_string(v).as_bytes());
    }
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
    let mut buf = ryu::Buffer::new();
    let text = buf.format_finite(v.abs()).as_bytes();
    // Ryu and the standard library pick different digits only when the number lies exactly
    // halfway between the two closest shortest renderings: Ryu then rounds to even, the
    // standard library up (131072.125 gives 131072.12 and 131072.13). Every float was
    // compared (`every_f32_but_exact_ties_...`), so only those go through the standard
    // library.
    if significant_digits(text) < 8 || !may_be_tie(v.abs(), text) {
        write_ryu(
            out,
            v.is_sign_negative(),
            (1e-3..1e7).contains(&v.abs()),
            text,
        );
        return;
    }
    let mut std_text = Scratch::default();
    if write!(std_text, "{:e}", v.abs()).is_ok() {
        write_java_layout(out, v.is_sign_negative(), std_text.as_bytes());
    } else {
        out.extend_from_slice(kconnect_api::value::java_f32_to_string(v).as_bytes());
    }
}

/// Appends a positive number as Ryu printed it, with a sign if `negative`. In Java's plain
/// range (`plain`: 1e-3 <= |v| < 1e7) Ryu's layout is Java's (`0.00125`, `12.5`, `100.0`,
/// `1234567.0`), so the text is copied as it is; elsewhere it is laid out again.
fn write_ryu(out: &mut Vec<u8>, negative: bool, plain: bool, text: &[u8]) {
    if !plain {
        return write_java_layout(out, negative, text);
    }
    if negative {
        out.push(b'-');
    }
    out.extend_from_slice(text);
}

/// Whether the positive float `v`, which Ryu printed as `text`, may lie exactly halfway
/// between `text` and the next rendering with as many digits (`true` when unsure).
fn may_be_tie(v: f32, text: &[u8]) -> bool {
    let mut buf = [0u8; 40];
    let (n, first) = digits_and_exponent(text, &mut buf);
    let digits = buf[..n]
        .iter()
        .fold(0u128, |acc, d| acc * 10 + u128::from(d - b'0'));
    // `text` is digits × 10^k; a tie means v = (digits ± 1/2) × 10^k, that is
    // m × 2^(e + 1) = q × 10^k with q = 2 × digits ± 1 and v = m × 2^e.
    let k = first - (n as i32 - 1);
    let bits = v.to_bits();
    let (m, e) = match bits >> 23 {
        0 => (bits & 0x7F_FFFF, -149),
        biased => ((bits & 0x7F_FFFF) | 0x80_0000, biased as i32 - 150),
    };
    let a = e + 1 - k;
    let shift = |x: Option<u128>, s: u32| x.and_then(|x| (x.leading_zeros() >= s).then(|| x << s));
    let five = |x: Option<u128>, s: u32| {
        x.and_then(|x| 5u128.checked_pow(s).and_then(|p| x.checked_mul(p)))
    };
    [2 * digits + 1, (2 * digits).saturating_sub(1)]
        .into_iter()
        .any(|q| {
            // m × 2^a = q × 5^k, each side's negative powers moved to the other side.
            let (mut left, mut right) = (Some(u128::from(m)), Some(q));
            if a >= 0 {
                left = shift(left, a.unsigned_abs());
            } else {
                right = shift(right, a.unsigned_abs());
            }
            if k >= 0 {
                right = five(right, k.unsigned_abs());
            } else {
                left = five(left, k.unsigned_abs());
            }
            match (left, right) {
                (Some(l), Some(r)) => l == r,
                _ => true,
            }
        })
}

/// Digits of a printed number, leading zeros and the exponent aside.
fn significant_digits(text: &[u8]) -> usize {
    let mantissa = text.split(|&b| b == b'e').next().unwrap_or(text);
    let digits = mantissa.iter().filter(|b| b.is_ascii_digit());
    digits.skip_while(|&&b| b == b'0').count()
}

/// A stack buffer for the standard library's `{:e}` rendering (at most ~25 bytes).
struct Scratch {
    buf: [u8; 48],
    len: usize,
}

impl Default for Scratch {
    fn default() -> Self {
        Self {
            buf: [0; 48],
            len: 0,
        }
    }
}

impl Scratch {
    fn as_bytes(&self) -> &[u8] {
        &self.buf[..self.len]
    }
}

impl std::fmt::Write for Scratch {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        let end = self.len + s.len();
        let slot = self.buf.get_mut(self.len..end).ok_or(std::fmt::Error)?;
        slot.copy_from_slice(s.as_bytes());
        self.len = end;
        Ok(())
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

/// The significant digits (no leading or trailing zeros) and the decimal exponent of the
/// first one, from a positive number as Ryu prints it (`123.45`, `0.001`, `1e20`,
/// `1.5e-7`).
fn digits_and_exponent(text: &[u8], digits: &mut [u8; 40]) -> (usize, i32) {
    let e_pos = text.iter().position(|&b| b == b'e').unwrap_or(text.len());
    let mut exp: i32 = 0;
    let mut exp_negative = false;
    for &b in text.get(e_pos + 1..).unwrap_or(&[]) {
        match b {
            b'-' => exp_negative = true,
            b'0'..=b'9' => exp = exp * 10 + i32::from(b - b'0'),
            _ => {}
        }
    }
    if exp_negative {
        exp = -exp;
    }
    let mantissa = &text[..e_pos];
    let int_len = mantissa
        .iter()
        .position(|&b| b == b'.')
        .unwrap_or(mantissa.len());
    let mut n = 0;
    let mut leading = 0;
    for &b in mantissa.iter().filter(|b| b.is_ascii_digit()) {
        if n == 0 && b == b'0' {
            leading += 1;
            continue;
        }
        if n < digits.len() {
            digits[n] = b;
            n += 1;
        }
    }
    while n > 1 && digits[n - 1] == b'0' {
        n -= 1;
    }
    if n == 0 {
        digits[0] = b'0';
        return (1, 0);
    }
    (n, int_len as i32 - 1 - leading + exp)
}

/// Lays a positive number printed by Ryu out the way Java does, with a sign if `negative`.
fn write_java_layout(out: &mut Vec<u8>, negative: bool, text: &[u8]) {
    let mut buf = [0u8; 40];
    let (n, exp) = digits_and_exponent(text, &mut buf);
    let digits = &buf[..n];
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
            1e16,
            123456789.0,
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

    /// Finite positive `f32`s that Ryu prints with eight digits or more and that are not
    /// exact ties get the standard library's digits from Ryu: one bit pattern in 1021 over
    /// the whole range (every exponent, varied mantissas). With `KCONNECT_EVERY_F32=1` every
    /// one of the 2^31 patterns is checked (minutes in a release build:
    /// `KCONNECT_EVERY_F32=1 cargo test --release -p kconnect-json --lib every_f32`).
    #[test]
    fn every_f32_but_exact_ties_has_the_same_digits_from_ryu_and_the_standard_library() {
        let stride = if std::env::var_os("KCONNECT_EVERY_F32").is_some() {
            1
        } else {
            1021
        };
        let (mut mismatches, mut ties, mut checked) = (Vec::new(), 0u64, 0u64);
        for bits in (1..0x7F80_0000u32).step_by(stride) {
            let v = f32::from_bits(bits);
            let mut ryu_buf = ryu::Buffer::new();
            let ryu_text = ryu_buf.format_finite(v).as_bytes();
            if significant_digits(ryu_text) < 8 {
                continue;
            }
            if may_be_tie(v, ryu_text) {
                ties += 1;
                continue;
            }
            checked += 1;
            let mut std_text = Scratch::default();
            write!(std_text, "{v:e}").unwrap();
            let (mut a, mut b) = ([0u8; 40], [0u8; 40]);
            let (na, ea) = digits_and_exponent(ryu_text, &mut a);
            let (nb, eb) = digits_and_exponent(std_text.as_bytes(), &mut b);
            if (ea, &a[..na]) != (eb, &b[..nb]) && mismatches.len() < 20 {
                mismatches.push(bits);
            }
        }
        assert!(mismatches.is_empty(), "{mismatches:x?}");
        // Most patterns need eight digits or more; the standard library's path stays for
        // the ties only (a few million of 2^31).
        let scale = stride as u64;
        assert!(checked * scale > 1_000_000_000, "{checked} checked");
        assert!(ties * scale < 20_000_000, "{ties}");
    }

    #[test]
    fn ties_are_told_apart() {
        for (v, tie) in [
            (f32::from_bits(0x4800_0008), true),
            (f32::from_bits(0x3B20_0000), true),
            (f32::from_bits(0x3980_0000), true),
            (1.2345678, false),
            (3.3333333, false),
        ] {
            let mut buf = ryu::Buffer::new();
            let text = buf.format_finite(v).as_bytes();
            assert_eq!(may_be_tie(v, text), tie, "{v}");
        }
        // Ties keep the standard library's digits (this is 131072.125).
        assert_eq!(
            s(|o| write_f32(o, f32::from_bits(0x4800_0008))),
            "131072.13"
        );
    }

    /// In Java's plain range Ryu's own layout is the one Java's needs.
    #[test]
    fn ryu_plain_layout_is_java_layout() {
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        let check = |v: f64| {
            let mut buf = ryu::Buffer::new();
            let text = buf.format_finite(v).as_bytes();
            assert_eq!(
                s(|o| write_ryu(o, false, true, text)),
                s(|o| write_java_layout(o, false, text)),
                "{v:e}"
            );
            let f = v as f32;
            let mut buf = ryu::Buffer::new();
            let text = buf.format_finite(f).as_bytes();
            if (1e-3..1e7).contains(&f) {
                assert_eq!(
                    s(|o| write_ryu(o, false, true, text)),
                    s(|o| write_java_layout(o, false, text)),
                    "{f:e}"
                );
            }
        };
        for v in [
            1e-3, 0.00125, 0.5, 1.0, 12.5, 100.0, 1234567.0, 9999999.0, 9999999.5,
        ] {
            check(v);
        }
        for _ in 0..200_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            // Spread over the whole range, by decimal exponent.
            let exponent = (x % 10) as i32 - 3;
            let mantissa = (x >> 11) as f64 / (1u64 << 53) as f64 * 9.0 + 1.0;
            let v = mantissa * 10f64.powi(exponent);
            if (1e-3..1e7).contains(&v) {
                check(v);
                check((v * 100.0).round() / 100.0);
            }
        }
    }

    /// Ryu and the standard library's shortest formatting agree digit for digit; the
    /// display path (`java_*_to_string`) uses the latter.
    #[test]
    fn ryu_layout_matches_the_standard_formatting_path() {
        let mut x: u64 = 0x2545_F491_4F6C_DD1D;
        for _ in 0..200_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let d = f64::from_bits(x);
            if d.is_finite() {
                assert_eq!(s(|o| write_f64(o, d)), java_f64_to_string(d), "{d:e}");
            }
            let f = f32::from_bits((x >> 32) as u32);
            if f.is_finite() {
                assert_eq!(s(|o| write_f32(o, f)), java_f32_to_string(f), "{f:e}");
            }
            // Up to 15 significant digits: the numbers Ryu handles here.
            if d.is_finite() {
                let short: f64 = format!("{:.*e}", (x % 15) as usize, d).parse().unwrap();
                if short.is_finite() {
                    assert_eq!(s(|o| write_f64(o, short)), java_f64_to_string(short));
                }
                let short32: f32 = format!("{:.*e}", (x % 7) as usize, f).parse().unwrap();
                if short32.is_finite() {
                    assert_eq!(s(|o| write_f32(o, short32)), java_f32_to_string(short32));
                }
            }
            // Numbers a connector really produces: a few decimals, moderate magnitudes.
            let cents = (x % 100_000_000) as f64 / 100.0;
            assert_eq!(s(|o| write_f64(o, cents)), java_f64_to_string(cents));
            assert_eq!(
                s(|o| write_f32(o, cents as f32)),
                java_f32_to_string(cents as f32)
            );
        }
    }
}
