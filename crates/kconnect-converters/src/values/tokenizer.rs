//! Splits the text form of a Connect value into tokens the way Java's `Values.Parser` does.
//!
//! A token is either a single delimiter (`:` `,` `{` `}` `[` `]` `"`) or the run of text
//! between delimiters. A backslash makes the following delimiter part of the text; the
//! backslash itself is kept. The tokenizer can be marked and rewound, and it can peek one
//! token ahead, skipping blank tokens, when asked whether a given delimiter comes next.

/// Java's `String.trim`: strips every character up to and including U+0020 from both ends.
pub fn java_trim(text: &str) -> &str {
    text.trim_matches(|c: char| c <= ' ')
}

/// Whether `text` is empty after [`java_trim`].
pub fn is_blank(text: &str) -> bool {
    java_trim(text).is_empty()
}

fn is_delimiter(byte: u8) -> bool {
    matches!(byte, b':' | b',' | b'{' | b'}' | b'[' | b']' | b'"')
}

/// A rewindable token stream over one string.
#[derive(Debug, Clone)]
pub struct Tokenizer<'a> {
    text: &'a str,
    /// Byte offset of the first character not yet read into a token.
    pos: usize,
    /// A token read ahead by [`Tokenizer::can_consume`] and not yet consumed.
    peeked: Option<&'a str>,
}

impl<'a> Tokenizer<'a> {
    /// A tokenizer at the start of `text`.
    pub fn new(text: &'a str) -> Self {
        Self {
            text,
            pos: 0,
            peeked: None,
        }
    }

    /// The whole text being tokenized.
    pub fn original(&self) -> &'a str {
        self.text
    }

    /// Where the next token starts (including a token that was peeked but not consumed).
    pub fn mark(&self) -> usize {
        self.pos - self.peeked.map_or(0, str::len)
    }

    /// Goes back to a position obtained from [`Tokenizer::mark`], forgetting any peeked token.
    pub fn rewind(&mut self, mark: usize) {
        self.pos = mark;
        self.peeked = None;
    }

    /// Whether another token remains.
    pub fn has_next(&self) -> bool {
        self.peeked.is_some() || self.pos < self.text.len()
    }

    /// Consumes and returns the next token (empty when none remain).
    pub fn next_token(&mut self) -> &'a str {
        match self.peeked.take() {
            Some(token) => token,
            None => self.read(),
        }
    }

    /// Consumes the next `n` tokens and returns the text they span, or rewinds and returns
    /// `None` if fewer than `n` remain.
    pub fn next_tokens(&mut self, n: usize) -> Option<&'a str> {
        let start = self.mark();
        for _ in 0..n {
            if !self.has_next() {
                self.rewind(start);
                return None;
            }
            self.next_token();
        }
        Some(&self.text[start..self.pos])
    }

    /// Consumes the next non-blank token if, trimmed, it equals `expected`. Blank tokens in
    /// front of it are dropped either way.
    pub fn can_consume(&mut self, expected: &str) -> bool {
        if self.is_next(expected) {
            self.peeked = None;
            true
        } else {
            false
        }
    }

    fn is_next(&mut self, expected: &str) -> bool {
        let mut token = match self.peeked {
            Some(token) => token,
            None if self.has_next() => self.read(),
            None => return false,
        };
        while is_blank(token) && self.pos < self.text.len() {
            token = self.read();
        }
        self.peeked = Some(token);
        java_trim(token) == expected
    }

    /// Reads one token from the underlying text. Delimiters and backslashes are ASCII, so
    /// every slice boundary falls on a character boundary.
    fn read(&mut self) -> &'a str {
        let bytes = self.text.as_bytes();
        let start = self.pos;
        let mut escaped = false;
        for (offset, &byte) in bytes[start..].iter().enumerate() {
            let i = start + offset;
            if byte == b'\\' {
                escaped = !escaped;
            } else if is_delimiter(byte) && !escaped {
                let end = if i > start { i } else { i + 1 };
                self.pos = end;
                return &self.text[start..end];
            } else {
                escaped = false;
            }
        }
        self.pos = bytes.len();
        &self.text[start..]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tokens(text: &str) -> Vec<&str> {
        let mut t = Tokenizer::new(text);
        let mut out = Vec::new();
        while t.has_next() {
            out.push(t.next_token());
        }
        out
    }

    #[test]
    fn splits_on_delimiters() {
        assert_eq!(
            tokens("{\"a\": [1, 2]}"),
            ["{", "\"", "a", "\"", ":", " ", "[", "1", ",", " 2", "]", "}"]
        );
        assert_eq!(tokens("plain text"), ["plain text"]);
    }

    #[test]
    fn backslash_escapes_a_delimiter_and_is_kept() {
        assert_eq!(tokens(r#"a\"b"#), [r#"a\"b"#]);
        assert_eq!(tokens(r"12\:30"), [r"12\:30"]);
        assert_eq!(tokens(r"a\\:b"), [r"a\\", ":", "b"]);
    }

    #[test]
    fn can_consume_skips_blank_tokens_and_mark_tracks_peeks() {
        let mut t = Tokenizer::new(" [ x]");
        assert!(!t.can_consume("{"));
        assert_eq!(t.mark(), 1);
        assert!(t.can_consume("["));
        assert_eq!(t.next_token(), " x");
        assert!(t.can_consume("]"));
        assert!(!t.has_next());
        t.rewind(0);
        assert_eq!(t.next_token(), " ");
    }

    #[test]
    fn next_tokens_rewinds_when_short() {
        let mut t = Tokenizer::new("12:34:56.789Z");
        assert_eq!(t.next_token(), "12");
        assert_eq!(t.next_tokens(4), Some(":34:56.789Z"));
        let mut t = Tokenizer::new("1,2");
        t.next_token();
        assert_eq!(t.next_tokens(4), None);
        assert_eq!(t.next_token(), ",");
    }

    #[test]
    fn java_trim_strips_control_characters_only() {
        assert_eq!(java_trim("\t a \u{1}"), "a");
        assert_eq!(java_trim("\u{A0}a"), "\u{A0}a");
        assert!(is_blank(" \n"));
    }
}
