//! Java regex replacement strings (`Matcher.replaceFirst` syntax): `$1` and `${name}` refer to
//! groups, `\` escapes the next character. Group numbers are read like Java does: `$12` is
//! group 12 only if the pattern has at least 12 groups, otherwise group 1 followed by `2`.

use regex::Captures;

use crate::java_regex::JavaRegex;

#[derive(Debug, Clone, PartialEq, Eq)]
enum Part {
    Literal(String),
    Group(usize),
}

/// A replacement string parsed against the pattern it will be used with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JavaReplacement {
    parts: Vec<Part>,
}

impl JavaReplacement {
    /// Parses `replacement` for `regex`; errors carry Java's messages (a reference to a group
    /// the pattern does not have, a dangling `$` or `\`).
    pub fn parse(replacement: &str, regex: &JavaRegex) -> Result<Self, String> {
        let chars: Vec<char> = replacement.chars().collect();
        let mut parts = Vec::new();
        let mut literal = String::new();
        let mut i = 0;
        while i < chars.len() {
            let c = chars[i];
            i += 1;
            match c {
                '\\' => {
                    let escaped = chars.get(i).ok_or("character to be escaped is missing")?;
                    literal.push(*escaped);
                    i += 1;
                }
                '$' => {
                    let group = match chars.get(i) {
                        None => {
                            return Err("Illegal group reference: group index is missing".into())
                        }
                        Some('{') => {
                            let (group, next) = named_group(&chars, i + 1, regex)?;
                            i = next;
                            group
                        }
                        Some(d) if d.is_ascii_digit() => {
                            let (group, next) = numbered_group(&chars, i, regex.group_count())?;
                            i = next;
                            group
                        }
                        Some(_) => return Err("Illegal group reference".into()),
                    };
                    if !literal.is_empty() {
                        parts.push(Part::Literal(std::mem::take(&mut literal)));
                    }
                    parts.push(Part::Group(group));
                }
                _ => literal.push(c),
            }
        }
        if !literal.is_empty() {
            parts.push(Part::Literal(literal));
        }
        Ok(Self { parts })
    }

    /// Appends the replacement for one match to `out` (unmatched groups add nothing).
    pub fn expand_into(&self, captures: &Captures<'_>, out: &mut String) {
        for part in &self.parts {
            match part {
                Part::Literal(text) => out.push_str(text),
                Part::Group(n) => {
                    if let Some(m) = captures.get(*n) {
                        out.push_str(m.as_str());
                    }
                }
            }
        }
    }
}

fn numbered_group(
    chars: &[char],
    start: usize,
    group_count: usize,
) -> Result<(usize, usize), String> {
    let mut i = start;
    let mut number = chars[i].to_digit(10).unwrap_or(0) as usize;
    i += 1;
    while let Some(d) = chars.get(i).and_then(|c| c.to_digit(10)) {
        let longer = number * 10 + d as usize;
        if longer > group_count {
            break;
        }
        number = longer;
        i += 1;
    }
    if number > group_count {
        return Err(format!("No group {number}"));
    }
    Ok((number, i))
}

fn named_group(chars: &[char], start: usize, regex: &JavaRegex) -> Result<(usize, usize), String> {
    let mut i = start;
    let mut name = String::new();
    while let Some(c) = chars.get(i).filter(|c| c.is_ascii_alphanumeric()) {
        name.push(*c);
        i += 1;
    }
    if name.is_empty() {
        return Err("named capturing group has 0 length name".into());
    }
    if chars.get(i) != Some(&'}') {
        return Err("named capturing group is missing trailing '}'".into());
    }
    if name.starts_with(|c: char| c.is_ascii_digit()) {
        return Err(format!(
            "capturing group name {{{name}}} starts with digit character"
        ));
    }
    let group = regex
        .group_index(&name)
        .ok_or_else(|| format!("No group with name {{{name}}}"))?;
    Ok((group, i + 1))
}

/// Java `Matcher.replaceFirst`: replaces the first match of `regex` in `text`.
pub fn replace_first(regex: &JavaRegex, text: &str, replacement: &JavaReplacement) -> String {
    match regex.captures(text) {
        Some(captures) => {
            let whole = captures.get(0).map_or(0..0, |m| m.range());
            let mut out = String::with_capacity(text.len() + 16);
            out.push_str(&text[..whole.start]);
            replacement.expand_into(&captures, &mut out);
            out.push_str(&text[whole.end..]);
            out
        }
        None => text.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn replace(pattern: &str, replacement: &str, text: &str) -> Result<String, String> {
        let regex = JavaRegex::new(pattern)?;
        let replacement = JavaReplacement::parse(replacement, &regex)?;
        Ok(replace_first(&regex, text, &replacement))
    }

    #[test]
    fn group_references() {
        assert_eq!(
            replace("(.*)-(\\d+)", "$1_archived", "logs-2024").unwrap(),
            "logs_archived"
        );
        assert_eq!(replace("(a)(b)", "$2$1", "ab").unwrap(), "ba");
        // Only one group: `$12` is group 1 then a literal 2; `$1a` is group 1 then `a`.
        assert_eq!(replace("(a)", "$12", "a").unwrap(), "a2");
        assert_eq!(replace("(a)", "$1a", "a").unwrap(), "aa");
        assert_eq!(
            replace("(?<word>\\w+)", "<${word}>", "hi there").unwrap(),
            "<hi> there"
        );
        assert_eq!(replace("(x)?y", "[$1]", "y").unwrap(), "[]");
        assert_eq!(replace("a", "\\$1\\\\", "a").unwrap(), "$1\\");
        assert_eq!(replace("zz", "q", "abc").unwrap(), "abc");
    }

    #[test]
    fn replaces_only_the_first_match() {
        assert_eq!(replace("o", "0", "foo").unwrap(), "f0o");
    }

    #[test]
    fn bad_references_use_java_messages() {
        assert_eq!(replace("(a)", "$2", "a").unwrap_err(), "No group 2");
        assert_eq!(
            replace("(a)", "$", "a").unwrap_err(),
            "Illegal group reference: group index is missing"
        );
        assert_eq!(
            replace("(a)", "$x", "a").unwrap_err(),
            "Illegal group reference"
        );
        assert_eq!(
            replace("(a)", "\\", "a").unwrap_err(),
            "character to be escaped is missing"
        );
        assert_eq!(
            replace("(a)", "${}", "a").unwrap_err(),
            "named capturing group has 0 length name"
        );
        assert_eq!(
            replace("(a)", "${n", "a").unwrap_err(),
            "named capturing group is missing trailing '}'"
        );
        assert_eq!(
            replace("(a)", "${n}", "a").unwrap_err(),
            "No group with name {n}"
        );
    }
}
