//! String tokens: a word-at-a-time scan for the common unescaped case, then escapes
//! (`\\uXXXX` with surrogate pairs) on the slow path.

use std::borrow::Cow;

use super::{describe, Lexer};
use crate::failure::{Failure, Res};

/// Bytes that end the fast path of string scanning: `"`, `\` and control characters.
static STR_STOP: [bool; 256] = {
    let mut table = [false; 256];
    let mut i = 0;
    while i < 0x20 {
        table[i] = true;
        i += 1;
    }
    table[b'"' as usize] = true;
    table[b'\\' as usize] = true;
    table
};

const LO: u64 = 0x0101_0101_0101_0101;
const HI: u64 = 0x8080_8080_8080_8080;

/// Whether any byte of the word is `"`, `\` or below 0x20 (exact as a yes/no answer).
#[inline]
fn has_string_stop(word: u64) -> bool {
    let has_zero = |v: u64| v.wrapping_sub(LO) & !v & HI;
    let quote = has_zero(word ^ (LO * u64::from(b'"')));
    let backslash = has_zero(word ^ (LO * u64::from(b'\\')));
    let control = word.wrapping_sub(LO * 0x20) & !word & HI;
    (quote | backslash | control) != 0
}

impl<'a> Lexer<'a> {
    /// Reads the string starting at the current `"`; borrows when it has no escapes.
    pub(crate) fn string(&mut self) -> Res<Cow<'a, str>> {
        self.pos += 1;
        let start = self.pos;
        let src = self.src;
        let mut i = start;
        // Eight bytes at a time while none of them ends the fast path.
        while let Some(chunk) = src[i..].first_chunk::<8>() {
            if has_string_stop(u64::from_le_bytes(*chunk)) {
                break;
            }
            i += 8;
        }
        while i < src.len() && !STR_STOP[src[i] as usize] {
            i += 1;
        }
        match src.get(i) {
            Some(b'"') => {
                self.pos = i;
                let base = self.text_base;
                let known = self.text.filter(|_| start >= base);
                let s = match known.and_then(|text| text.get(start - base..i - base)) {
                    Some(s) => s,
                    None => std::str::from_utf8(&src[start..i]).map_err(|_| self.bad_utf8())?,
                };
                self.pos = i + 1;
                Ok(Cow::Borrowed(s))
            }
            _ => {
                self.pos = i;
                let mut buf = src[start..i].to_vec();
                self.string_slow(&mut buf)?;
                String::from_utf8(buf)
                    .map(Cow::Owned)
                    .map_err(|_| self.bad_utf8())
            }
        }
    }

    pub(super) fn bad_utf8(&self) -> Failure {
        self.error("Invalid UTF-8 in string")
    }

    /// Continues a string with escapes, appending its raw bytes to `buf`.
    fn string_slow(&mut self, buf: &mut Vec<u8>) -> Res<()> {
        loop {
            let Some(&b) = self.src.get(self.pos) else {
                return Err(self.error("Unexpected end-of-input in a string"));
            };
            self.pos += 1;
            match b {
                b'"' => return Ok(()),
                b'\\' => self.escape(buf)?,
                0..=0x1F => {
                    self.pos -= 1;
                    return Err(self.error(&format!(
                        "Illegal unquoted character ((CTRL-CHAR, code {b})): has to be escaped \
                         using backslash to be included in string value"
                    )));
                }
                _ => buf.push(b),
            }
        }
    }

    fn escape(&mut self, buf: &mut Vec<u8>) -> Res<()> {
        let Some(&e) = self.src.get(self.pos) else {
            return Err(self.error("Unexpected end-of-input in character escape sequence"));
        };
        self.pos += 1;
        let simple = match e {
            b'"' => b'"',
            b'\\' => b'\\',
            b'/' => b'/',
            b'b' => 0x08,
            b'f' => 0x0C,
            b'n' => b'\n',
            b'r' => b'\r',
            b't' => b'\t',
            b'u' => {
                let unit = self.hex4()?;
                let c = match unit {
                    0xD800..=0xDBFF if self.src[self.pos..].starts_with(b"\\u") => {
                        let save = self.pos;
                        self.pos += 2;
                        let low = self.hex4()?;
                        if (0xDC00..=0xDFFF).contains(&low) {
                            let cp = 0x1_0000 + ((unit - 0xD800) << 10) + (low - 0xDC00);
                            char::from_u32(cp).unwrap_or(char::REPLACEMENT_CHARACTER)
                        } else {
                            // A lone high surrogate: Java keeps it, Rust strings cannot.
                            self.pos = save;
                            char::REPLACEMENT_CHARACTER
                        }
                    }
                    _ => char::from_u32(unit).unwrap_or(char::REPLACEMENT_CHARACTER),
                };
                let mut utf8 = [0u8; 4];
                buf.extend_from_slice(c.encode_utf8(&mut utf8).as_bytes());
                return Ok(());
            }
            other => {
                self.pos -= 1;
                return Err(self.error(&format!(
                    "Unrecognized character escape {} ",
                    describe(Some(other))
                )));
            }
        };
        buf.push(simple);
        Ok(())
    }

    fn hex4(&mut self) -> Res<u32> {
        let mut v = 0u32;
        for _ in 0..4 {
            let digit = self
                .src
                .get(self.pos)
                .and_then(|&b| (b as char).to_digit(16))
                .ok_or_else(|| {
                    self.error("Unexpected character in \\u escape: expected a hex-digit")
                })?;
            v = v * 16 + digit;
            self.pos += 1;
        }
        Ok(v)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn word_scan_agrees_with_table() {
        for b in 0..=255u8 {
            for pos in 0..8 {
                let mut bytes = [b'a'; 8];
                bytes[pos] = b;
                let word = u64::from_le_bytes(bytes);
                assert_eq!(has_string_stop(word), STR_STOP[b as usize], "{b} at {pos}");
            }
        }
    }

    #[test]
    fn strings_long_and_short() {
        let long = format!("\"{}\\n{}\u{e9}\"", "x".repeat(37), "y".repeat(9));
        let mut lx = Lexer::new(long.as_bytes());
        let s = lx.string().unwrap();
        assert_eq!(s, format!("{}\n{}\u{e9}", "x".repeat(37), "y".repeat(9)));
        assert_eq!(lx.pos(), long.len());
        let mut lx = Lexer::new(b"\"abcdefghijklmnop\"");
        assert!(matches!(
            lx.string().unwrap(),
            Cow::Borrowed("abcdefghijklmnop")
        ));
        let mut lx = Lexer::new(b"\"abcdefghij\x01klm\"");
        assert!(lx.string().is_err());
    }
}
