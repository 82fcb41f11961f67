//! A strict, allocation-light JSON reader over a byte slice: the token-level half of the
//! deserializer. Accepts what Jackson's default parser accepts (plus leading zeros in
//! numbers, as Connect's deserializer does): no comments, no `NaN` literals, no unescaped
//! control characters in strings, valid UTF-8 only.

use std::borrow::Cow;

use crate::failure::{Failure, Res};
use kconnect_api::CAUSE_SEPARATOR;

mod strings;

/// Deepest nesting of arrays and objects accepted (guards the stack).
pub(crate) const MAX_DEPTH: usize = 500;

/// A number token: its text (valid JSON number syntax) and whether it is integral
/// (no fraction, no exponent).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Num<'a> {
    /// The token text.
    pub text: &'a str,
    /// Whether Jackson would read it as an integer.
    pub integral: bool,
}

/// The reader: input bytes, a position and the current nesting depth.
pub(crate) struct Lexer<'a> {
    src: &'a [u8],
    /// `src[text_base..]` as text, once [`Lexer::validate_rest`] found it valid UTF-8 (the
    /// usual case): strings there are sliced from it without validating each one again.
    text: Option<&'a str>,
    text_base: usize,
    pos: usize,
    depth: usize,
}

fn describe(b: Option<u8>) -> String {
    match b {
        None => "end-of-input".to_string(),
        Some(b) if b.is_ascii_graphic() => format!("character ('{}' (code {b}))", b as char),
        Some(b) => format!("character (code {b})"),
    }
}

impl<'a> Lexer<'a> {
    /// A reader at the start of `src`.
    pub(crate) fn new(src: &'a [u8]) -> Self {
        Self::at(src, 0)
    }

    /// A reader at `pos` within `src`.
    pub(crate) fn at(src: &'a [u8], pos: usize) -> Self {
        Self {
            src,
            text: None,
            text_base: 0,
            pos,
            depth: 0,
        }
    }

    /// Validates the rest of the input as UTF-8 once, so that the strings read from here on
    /// need no validation of their own. If it is not valid (for instance garbage after the
    /// value, which Jackson ignores), each string is validated as it is read.
    pub(crate) fn validate_rest(&mut self) {
        self.text = std::str::from_utf8(&self.src[self.pos..]).ok();
        self.text_base = self.pos;
    }

    /// The whole input.
    pub(crate) fn src(&self) -> &'a [u8] {
        self.src
    }

    /// The current byte offset.
    pub(crate) fn pos(&self) -> usize {
        self.pos
    }

    /// The current position and depth, to come back to with [`Lexer::rewind`].
    pub(crate) fn mark(&self) -> (usize, usize) {
        (self.pos, self.depth)
    }

    /// Returns to a position and depth taken with [`Lexer::mark`].
    pub(crate) fn rewind(&mut self, mark: (usize, usize)) {
        (self.pos, self.depth) = mark;
    }

    /// Moves forward past input already known to hold one complete value.
    pub(crate) fn advance_to(&mut self, pos: usize) {
        self.pos = pos;
    }

    /// A syntax error at the current position, worded like Connect's wrapper of Jackson's:
    /// Java's `DataException` carries only the first sentence; the parser's detail is its
    /// cause, a `SerializationException`.
    pub(crate) fn error(&self, what: &str) -> Failure {
        Failure::new(format!(
            "Converting byte[] to Kafka Connect data failed due to serialization error: \
             {CAUSE_SEPARATOR}org.apache.kafka.common.errors.SerializationException: \
             {what} at byte offset {}",
            self.pos
        ))
    }

    fn unexpected(&self, expected: &str) -> Failure {
        let found = describe(self.src.get(self.pos).copied());
        self.error(&format!("Unexpected {found}: expected {expected}"))
    }

    /// Skips JSON whitespace.
    #[inline]
    pub(crate) fn skip_ws(&mut self) {
        while let Some(b' ' | b'\n' | b'\r' | b'\t') = self.src.get(self.pos) {
            self.pos += 1;
        }
    }

    /// The next non-whitespace byte, not consumed.
    #[inline]
    pub(crate) fn peek(&mut self) -> Option<u8> {
        self.skip_ws();
        self.src.get(self.pos).copied()
    }

    /// Whether only whitespace remains.
    pub(crate) fn at_end(&mut self) -> bool {
        self.peek().is_none()
    }

    /// Consumes `byte` (after whitespace) or fails.
    #[inline]
    pub(crate) fn expect(&mut self, byte: u8, expected: &str) -> Res<()> {
        if self.peek() == Some(byte) {
            self.pos += 1;
            Ok(())
        } else {
            Err(self.unexpected(expected))
        }
    }

    /// Consumes the literal `null`, `true` or `false` that starts here.
    pub(crate) fn literal(&mut self, word: &'static [u8]) -> Res<()> {
        if self.src[self.pos..].starts_with(word) {
            self.pos += word.len();
            Ok(())
        } else {
            Err(self.error("Unrecognized token: expected 'null', 'true' or 'false'"))
        }
    }

    /// Enters an array or object (checks the nesting limit).
    pub(crate) fn enter(&mut self) -> Res<()> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(self.error(&format!(
                "Document nesting depth exceeds the maximum allowed ({MAX_DEPTH})"
            )));
        }
        Ok(())
    }

    /// Leaves an array or object.
    pub(crate) fn leave(&mut self) {
        self.depth = self.depth.saturating_sub(1);
    }

    /// After `{` (or a member): whether another member follows; consumes `,` or `}`.
    #[inline]
    pub(crate) fn next_member(&mut self, first: bool) -> Res<bool> {
        match self.peek() {
            Some(b'}') => {
                self.pos += 1;
                Ok(false)
            }
            Some(b',') if !first => {
                self.pos += 1;
                Ok(true)
            }
            Some(_) if first => Ok(true),
            _ => Err(self.unexpected("',' or '}' in object")),
        }
    }

    /// After `[` (or an element): whether another element follows; consumes `,` or `]`.
    #[inline]
    pub(crate) fn next_element(&mut self, first: bool) -> Res<bool> {
        match self.peek() {
            Some(b']') => {
                self.pos += 1;
                Ok(false)
            }
            Some(b',') if !first => {
                self.pos += 1;
                Ok(true)
            }
            Some(_) if first => Ok(true),
            _ => Err(self.unexpected("',' or ']' in array")),
        }
    }

    /// Reads an object key and the `:` after it.
    #[inline]
    pub(crate) fn key(&mut self) -> Res<Cow<'a, str>> {
        if self.peek() != Some(b'"') {
            return Err(self.unexpected("double-quote to start field name"));
        }
        let key = self.string()?;
        self.expect(b':', "':' after field name")?;
        Ok(key)
    }

    /// Reads the number starting here (`-?digits(.digits)?([eE][+-]?digits)?`; leading zeros
    /// are accepted).
    pub(crate) fn number(&mut self) -> Res<Num<'a>> {
        let src = self.src;
        let start = self.pos;
        let mut i = start;
        if src.get(i) == Some(&b'-') {
            i += 1;
        }
        let digits = |i: &mut usize| {
            let from = *i;
            while src.get(*i).is_some_and(u8::is_ascii_digit) {
                *i += 1;
            }
            *i > from
        };
        let mut integral = true;
        let mut ok = digits(&mut i);
        if ok && src.get(i) == Some(&b'.') {
            i += 1;
            integral = false;
            ok = digits(&mut i);
        }
        if ok && matches!(src.get(i), Some(b'e' | b'E')) {
            i += 1;
            integral = false;
            if matches!(src.get(i), Some(b'+' | b'-')) {
                i += 1;
            }
            ok = digits(&mut i);
        }
        if !ok {
            self.pos = i;
            return Err(self.error("Invalid numeric value: malformed number"));
        }
        self.pos = i;
        // Number tokens are ASCII, so this cannot fail.
        let text = std::str::from_utf8(&src[start..i]).map_err(|_| self.bad_utf8())?;
        Ok(Num { text, integral })
    }

    /// Skips one value, checking its syntax.
    pub(crate) fn skip_value(&mut self) -> Res<()> {
        match self.peek() {
            Some(b'{') => {
                self.pos += 1;
                self.enter()?;
                let mut first = true;
                while self.next_member(first)? {
                    first = false;
                    self.key()?;
                    self.skip_value()?;
                }
                self.leave();
            }
            Some(b'[') => {
                self.pos += 1;
                self.enter()?;
                let mut first = true;
                while self.next_element(first)? {
                    first = false;
                    self.skip_value()?;
                }
                self.leave();
            }
            Some(b'"') => {
                self.string()?;
            }
            Some(b'-' | b'0'..=b'9') => {
                self.number()?;
            }
            Some(b't') => self.literal(b"true")?,
            Some(b'f') => self.literal(b"false")?,
            Some(b'n') => self.literal(b"null")?,
            _ => return Err(self.unexpected_value()),
        }
        Ok(())
    }

    /// The error for a byte that cannot start a value.
    pub(crate) fn unexpected_value(&self) -> Failure {
        self.unexpected(
            "a valid value (JSON String, Number, Array, Object or token 'null', 'true' or \
             'false')",
        )
    }

    /// Jackson's node type name for the value starting here (for error messages).
    pub(crate) fn node_type(&mut self) -> &'static str {
        match self.peek() {
            Some(b'{') => "OBJECT",
            Some(b'[') => "ARRAY",
            Some(b'"') => "STRING",
            Some(b't' | b'f') => "BOOLEAN",
            Some(b'n') => "NULL",
            Some(b'-' | b'0'..=b'9') => "NUMBER",
            _ => "MISSING",
        }
    }
}
