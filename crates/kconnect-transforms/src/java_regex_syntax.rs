//! Rewriting Java regular expression syntax into the syntax of the `regex` crate (see
//! [`crate::java_regex`] for what is rewritten and what is rejected).

/// A pattern rewritten for the `regex` crate.
pub(crate) struct Translated {
    /// The rewritten pattern.
    pub(crate) text: String,
    /// Whether extended mode (`(?x)`, comments and ignored whitespace) is switched on.
    pub(crate) extended: bool,
}

/// Rewrites a Java pattern; the error says what is malformed or unsupported.
pub(crate) fn translate(pattern: &str) -> Result<Translated, String> {
    Translator::new(pattern).translate()
}

struct Translator {
    chars: Vec<char>,
    pos: usize,
    out: String,
    class_depth: usize,
    extended: bool,
}

const ASCII_DIGIT: &str = "[0-9]";
const ASCII_WORD: &str = "[a-zA-Z_0-9]";
const ASCII_SPACE: &str = "[\\t\\n\\x0B\\f\\r ]";
const HORIZONTAL_SPACE: &str =
    "[ \\t\\xA0\\x{1680}\\x{180e}\\x{2000}-\\x{200a}\\x{202f}\\x{205f}\\x{3000}]";
const VERTICAL_SPACE: &str = "[\\n\\x0B\\f\\r\\x{85}\\x{2028}\\x{2029}]";

fn negate(class: &str) -> String {
    format!("[^{}", &class[1..])
}

fn posix_class(name: &str) -> Option<&'static str> {
    Some(match name {
        "Lower" => "[[:lower:]]",
        "Upper" => "[[:upper:]]",
        "ASCII" => "[[:ascii:]]",
        "Alpha" => "[[:alpha:]]",
        "Digit" => "[[:digit:]]",
        "Alnum" => "[[:alnum:]]",
        "Punct" => "[[:punct:]]",
        "Graph" => "[[:graph:]]",
        "Print" => "[[:print:]]",
        "Blank" => "[[:blank:]]",
        "Cntrl" => "[[:cntrl:]]",
        "XDigit" => "[[:xdigit:]]",
        "Space" => "[[:space:]]",
        "javaLowerCase" => "[\\p{Lowercase}]",
        "javaUpperCase" => "[\\p{Uppercase}]",
        "javaWhitespace" => "[\\p{White_Space}]",
        "javaLetter" => "[\\p{L}]",
        "javaDigit" => "[\\p{Nd}]",
        "javaLetterOrDigit" => "[\\p{L}\\p{Nd}]",
        _ => return None,
    })
}

impl Translator {
    fn new(pattern: &str) -> Self {
        Self {
            chars: pattern.chars().collect(),
            pos: 0,
            out: String::with_capacity(pattern.len() + 16),
            class_depth: 0,
            extended: false,
        }
    }

    fn peek(&self) -> Option<char> {
        self.chars.get(self.pos).copied()
    }

    fn next(&mut self) -> Option<char> {
        let c = self.peek()?;
        self.pos += 1;
        Some(c)
    }

    fn push_literal(&mut self, c: char) {
        self.out
            .push_str(&regex::escape(c.encode_utf8(&mut [0; 4])));
    }

    fn translate(mut self) -> Result<Translated, String> {
        while let Some(c) = self.next() {
            match c {
                '\\' => self.escape()?,
                '[' => self.open_class(),
                ']' if self.class_depth > 0 => {
                    self.class_depth -= 1;
                    self.out.push(']');
                }
                '~' if self.class_depth > 0 => self.out.push_str("\\~"),
                _ if self.class_depth > 0 => self.out.push(c),
                '(' => self.group()?,
                '*' | '+' | '?' => {
                    self.out.push(c);
                    self.quantifier_suffix()?;
                }
                '{' => self.repetition()?,
                '}' | ']' => self.push_literal(c),
                _ => self.out.push(c),
            }
        }
        if self.class_depth > 0 {
            return Err("Unclosed character class".into());
        }
        Ok(Translated {
            text: self.out,
            extended: self.extended,
        })
    }

    fn open_class(&mut self) {
        self.class_depth += 1;
        self.out.push('[');
        if self.peek() == Some('^') {
            self.pos += 1;
            self.out.push('^');
        }
        // `[:` would read as a POSIX bracket class in Rust; in Java it is a plain colon.
        if self.peek() == Some(':') {
            self.pos += 1;
            self.out.push_str("\\:");
        }
    }

    fn quantifier_suffix(&mut self) -> Result<(), String> {
        match self.peek() {
            Some('+') => Err("possessive quantifiers are not supported".into()),
            Some('?') => {
                self.pos += 1;
                self.out.push('?');
                Ok(())
            }
            _ => Ok(()),
        }
    }

    fn repetition(&mut self) -> Result<(), String> {
        let start = self.pos;
        let mut body = String::new();
        while let Some(c) = self.next() {
            if c == '}' {
                let valid = {
                    let mut parts = body.splitn(2, ',');
                    let low = parts.next().unwrap_or("");
                    let high = parts.next();
                    !low.is_empty()
                        && low.chars().all(|c| c.is_ascii_digit())
                        && high.is_none_or(|h| h.chars().all(|c| c.is_ascii_digit()))
                };
                if valid {
                    self.out.push('{');
                    self.out.push_str(&body);
                    self.out.push('}');
                    return self.quantifier_suffix();
                }
                break;
            }
            body.push(c);
        }
        Err(format!(
            "Illegal repetition near index {}",
            start.saturating_sub(1)
        ))
    }

    fn group(&mut self) -> Result<(), String> {
        if self.peek() != Some('?') {
            self.out.push('(');
            return Ok(());
        }
        self.pos += 1;
        match self.peek() {
            Some(':') => {
                self.pos += 1;
                self.out.push_str("(?:");
            }
            Some('<')
                if self
                    .chars
                    .get(self.pos + 1)
                    .is_some_and(|c| c.is_ascii_alphabetic()) =>
            {
                self.pos += 1;
                self.out.push_str("(?P<");
            }
            Some('=' | '!' | '<') => return Err("lookaround groups are not supported".into()),
            Some('>') => return Err("atomic groups are not supported".into()),
            _ => self.flags()?,
        }
        Ok(())
    }

    fn flags(&mut self) -> Result<(), String> {
        let (mut on, mut off) = (String::new(), String::new());
        let mut negative = false;
        loop {
            match self.next() {
                Some('-') => negative = true,
                Some(c @ ('i' | 'm' | 's' | 'x')) => {
                    if c == 'x' && !negative {
                        self.extended = true;
                    }
                    if negative {
                        off.push(c)
                    } else {
                        on.push(c)
                    }
                }
                // UNICODE_CASE, UNIX_LINES and UNICODE_CHARACTER_CLASS have no Rust flag.
                Some('u' | 'd' | 'U') => {}
                Some(end @ (')' | ':')) => {
                    let flags = if off.is_empty() {
                        on
                    } else {
                        format!("{on}-{off}")
                    };
                    match (end, flags.is_empty()) {
                        (')', true) => {}
                        (')', false) => self.out.push_str(&format!("(?{flags})")),
                        (_, true) => self.out.push_str("(?:"),
                        (_, false) => self.out.push_str(&format!("(?{flags}:")),
                    }
                    return Ok(());
                }
                other => {
                    return Err(format!(
                        "Unknown inline modifier near index {}: {}",
                        self.pos.saturating_sub(1),
                        other.map(String::from).unwrap_or_default()
                    ))
                }
            }
        }
    }

    fn hex_digits(&mut self, count: usize) -> Result<u32, String> {
        let mut value = 0u32;
        for _ in 0..count {
            let digit = self
                .next()
                .and_then(|c| c.to_digit(16))
                .ok_or_else(|| "Illegal Unicode escape sequence".to_string())?;
            value = value * 16 + digit;
        }
        Ok(value)
    }

    fn push_code_point(&mut self, code: u32) {
        self.out.push_str(&format!("\\x{{{code:X}}}"));
    }

    fn escape(&mut self) -> Result<(), String> {
        let c = self
            .next()
            .ok_or("Unexpected internal error: trailing backslash")?;
        let in_class = self.class_depth > 0;
        match c {
            'Q' => {
                while let Some(q) = self.next() {
                    if q == '\\' && self.peek() == Some('E') {
                        self.pos += 1;
                        break;
                    }
                    self.push_literal(q);
                }
            }
            'E' => {}
            'd' => self.out.push_str(ASCII_DIGIT),
            'D' => self.out.push_str(&negate(ASCII_DIGIT)),
            'w' => self.out.push_str(ASCII_WORD),
            'W' => self.out.push_str(&negate(ASCII_WORD)),
            's' => self.out.push_str(ASCII_SPACE),
            'S' => self.out.push_str(&negate(ASCII_SPACE)),
            'h' => self.out.push_str(HORIZONTAL_SPACE),
            'H' => self.out.push_str(&negate(HORIZONTAL_SPACE)),
            'v' => self.out.push_str(VERTICAL_SPACE),
            'V' => self.out.push_str(&negate(VERTICAL_SPACE)),
            'R' if !in_class => self.out.push_str(&format!("(?:\\r\\n|{VERTICAL_SPACE})")),
            'p' | 'P' => self.property(c == 'P')?,
            't' | 'n' | 'r' | 'f' => {
                self.out.push('\\');
                self.out.push(c);
            }
            'a' => self.push_code_point(0x07),
            'e' => self.push_code_point(0x1B),
            'c' => {
                let ctl = self.next().ok_or("Illegal control escape sequence")?;
                self.push_code_point(ctl as u32 ^ 64);
            }
            '0' => {
                let mut value = 0u32;
                let mut digits = 0;
                while let Some(d) = self.peek().and_then(|d| d.to_digit(8)) {
                    if digits == 3 || (digits == 2 && value > 0o37) {
                        break;
                    }
                    value = value * 8 + d;
                    digits += 1;
                    self.pos += 1;
                }
                if digits == 0 {
                    return Err("Illegal octal escape sequence".into());
                }
                self.push_code_point(value);
            }
            'x' => {
                let code = if self.peek() == Some('{') {
                    self.pos += 1;
                    let mut value = 0u32;
                    loop {
                        match self.next() {
                            Some('}') => break,
                            Some(h) if h.is_ascii_hexdigit() => {
                                value = value.saturating_mul(16) + h.to_digit(16).unwrap_or(0)
                            }
                            _ => return Err("Unclosed hexadecimal escape sequence".into()),
                        }
                    }
                    value
                } else {
                    self.hex_digits(2)?
                };
                self.push_code_point(code);
            }
            'u' => {
                let mut code = self.hex_digits(4)?;
                let low_follows = self.chars.get(self.pos) == Some(&'\\')
                    && self.chars.get(self.pos + 1) == Some(&'u');
                if (0xD800..0xDC00).contains(&code) && low_follows {
                    let save = self.pos;
                    self.pos += 2;
                    let low = self.hex_digits(4)?;
                    if (0xDC00..0xE000).contains(&low) {
                        code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00);
                    } else {
                        self.pos = save;
                    }
                }
                self.push_code_point(code);
            }
            'b' | 'B' | 'A' | 'z' if !in_class => {
                self.out.push('\\');
                self.out.push(c);
            }
            // End of input (Java also allows a final line terminator; topics have none).
            'Z' if !in_class => self.out.push_str("\\z"),
            '1'..='9' | 'k' => return Err("backreferences are not supported".into()),
            'G' => return Err("\\G is not supported".into()),
            _ if c.is_ascii_alphanumeric() => {
                return Err(format!("Illegal/unsupported escape sequence \\{c}"))
            }
            _ => self.push_literal(c),
        }
        Ok(())
    }

    fn property(&mut self, negated: bool) -> Result<(), String> {
        let name: String = if self.peek() == Some('{') {
            self.pos += 1;
            let mut name = String::new();
            loop {
                match self.next() {
                    Some('}') => break name,
                    Some(c) => name.push(c),
                    None => return Err("Unclosed character family".into()),
                }
            }
        } else {
            self.next()
                .map(String::from)
                .ok_or("Illegal character family")?
        };
        if let Some(class) = posix_class(&name) {
            let class = if negated {
                negate(class)
            } else {
                class.to_string()
            };
            self.out.push_str(&class);
            return Ok(());
        }
        if name.starts_with("In") || name.starts_with("blk=") || name.starts_with("block=") {
            return Err(format!("Unicode blocks are not supported: {name}"));
        }
        let name = name.strip_prefix("Is").unwrap_or(&name);
        self.out.push_str(if negated { "\\P{" } else { "\\p{" });
        self.out.push_str(name);
        self.out.push('}');
        Ok(())
    }
}
