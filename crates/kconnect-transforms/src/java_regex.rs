//! Java regular expressions (`java.util.regex.Pattern`) on top of the `regex` crate.
//!
//! Users write Java syntax in `regex` (RegexRouter) and `pattern` (TopicNameMatches). Most of
//! it means the same in Rust; this module rewrites the parts that differ: `\d`, `\w`, `\s`
//! (and `\b` word rules) are ASCII-only in Java, `\p{Alpha}`-style POSIX classes, `\Q...\E`
//! quoting, `\uXXXX`, `\0oct`, `\cX`, `\e`, `\h`, `\v`, `\R`, escaped punctuation, and inline
//! flags Rust lacks. Constructs the `regex` crate cannot run at all (backreferences,
//! lookaround, atomic groups, possessive quantifiers, `\G`) are rejected with an error, so a
//! pattern never silently changes meaning. Java's `Matcher.matches()` (the whole input must
//! match) is provided by a second, anchored compilation.

use regex::{Captures, Regex};

use crate::java_regex_syntax::translate;

/// A compiled Java regular expression.
#[derive(Debug, Clone)]
pub struct JavaRegex {
    pattern: String,
    find: Regex,
    full: Regex,
}

impl JavaRegex {
    /// Compiles a Java pattern; the error explains what is wrong or unsupported.
    pub fn new(pattern: &str) -> Result<Self, String> {
        let translated = translate(pattern)?;
        let find = Regex::new(&translated.text).map_err(|e| e.to_string())?;
        // In extended mode a trailing comment would swallow the closing parenthesis, so end
        // the wrapped pattern on a new line (ignored as whitespace in that mode).
        let end = if translated.extended { "\n)" } else { ")" };
        let full =
            Regex::new(&format!("\\A(?:{}{end}\\z", translated.text)).map_err(|e| e.to_string())?;
        Ok(Self {
            pattern: pattern.to_string(),
            find,
            full,
        })
    }

    /// The pattern as the user wrote it.
    pub fn pattern(&self) -> &str {
        &self.pattern
    }

    /// Whether the whole text matches (Java `Matcher.matches()`).
    pub fn matches(&self, text: &str) -> bool {
        self.full.is_match(text)
    }

    /// The first match anywhere in the text, with its groups (Java `Matcher.find()`).
    pub fn captures<'t>(&self, text: &'t str) -> Option<Captures<'t>> {
        self.find.captures(text)
    }

    /// Number of capturing groups (Java `Matcher.groupCount()`).
    pub fn group_count(&self) -> usize {
        self.find.captures_len() - 1
    }

    /// The number of the group with this name.
    pub fn group_index(&self, name: &str) -> Option<usize> {
        self.find.capture_names().position(|n| n == Some(name))
    }
}

#[cfg(test)]
#[path = "java_regex_tests.rs"]
mod tests;
