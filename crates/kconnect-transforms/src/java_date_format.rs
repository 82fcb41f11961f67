//! Java `SimpleDateFormat` patterns (`yyyy-MM-dd HH:mm:ss.SSS`, `yyyyMMdd`, `'T'` quoted
//! literals, `X`/`Z`/`z` zones), formatting and parsing in UTC with English names, as
//! TimestampConverter and TimestampRouter use them.
//!
//! Parsing follows Java's lenient mode: fields may overflow (month 13, minute 75), leading
//! spaces before a field are skipped, a numeric field directly followed by another numeric
//! field reads exactly as many digits as it has letters (`yyyyMMdd`), two-digit `yy` years
//! land within 80 years before and 20 after now, and text after the pattern is ignored.
//! Day-of-week, week and day-in-month fields are accepted but do not move the date; zone
//! names other than UTC/GMT/UT are not recognised.

use crate::java_date_parse::parse_items;
use kconnect_api::calendar::{DateFields, MILLIS_PER_DAY};

const LETTERS: &str = "GyMdkHmsSEDFwWahKzZYuXL";
pub(crate) const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];
pub(crate) const WEEKDAYS: [&str; 7] = [
    "Sunday",
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
];
pub(crate) const UTC_NAMES: [&str; 5] = [
    "Coordinated Universal Time",
    "Greenwich Mean Time",
    "UTC",
    "GMT",
    "UT",
];

/// One piece of a compiled pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Item {
    /// A character that must appear as is.
    Literal(char),
    /// A pattern letter repeated `count` times.
    Field {
        /// The pattern letter.
        letter: char,
        /// How many times it is repeated.
        count: usize,
    },
}

/// A compiled `SimpleDateFormat` pattern, always in UTC.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JavaDateFormat {
    pattern: String,
    items: Vec<Item>,
}

/// Why a text could not be parsed (Java `ParseException`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DateParseError {
    /// Position in the text where parsing failed.
    pub error_index: usize,
}

impl JavaDateFormat {
    /// Compiles a pattern; errors use Java's messages (`Illegal pattern character 'b'`,
    /// `Unterminated quote`).
    pub fn new(pattern: &str) -> Result<Self, String> {
        let chars: Vec<char> = pattern.chars().collect();
        let mut items = Vec::new();
        let mut i = 0;
        while i < chars.len() {
            let c = chars[i];
            if c == '\'' {
                if chars.get(i + 1) == Some(&'\'') {
                    items.push(Item::Literal('\''));
                    i += 2;
                    continue;
                }
                i += 1;
                loop {
                    match chars.get(i) {
                        None => return Err("Unterminated quote".into()),
                        Some('\'') if chars.get(i + 1) == Some(&'\'') => {
                            items.push(Item::Literal('\''));
                            i += 2;
                        }
                        Some('\'') => {
                            i += 1;
                            break;
                        }
                        Some(q) => {
                            items.push(Item::Literal(*q));
                            i += 1;
                        }
                    }
                }
            } else if c.is_ascii_alphabetic() {
                if !LETTERS.contains(c) {
                    return Err(format!("Illegal pattern character '{c}'"));
                }
                let count = chars[i..].iter().take_while(|&&x| x == c).count();
                if c == 'X' && count > 3 {
                    return Err(format!("invalid ISO 8601 format: length={count}"));
                }
                items.push(Item::Field { letter: c, count });
                i += count;
            } else {
                items.push(Item::Literal(c));
                i += 1;
            }
        }
        Ok(Self {
            pattern: pattern.to_string(),
            items,
        })
    }

    /// The pattern as written (Java `toPattern()`).
    pub fn pattern(&self) -> &str {
        &self.pattern
    }

    /// Formats an instant (epoch milliseconds).
    pub fn format(&self, epoch_millis: i64) -> String {
        let f = DateFields::of(epoch_millis);
        let mut out = String::with_capacity(self.pattern.len() + 8);
        for item in &self.items {
            match *item {
                Item::Literal(c) => out.push(c),
                Item::Field { letter, count } => format_field(&mut out, &f, letter, count),
            }
        }
        out
    }

    /// Parses text into an instant (Java `DateFormat.parse(String)`; trailing text ignored).
    pub fn parse(&self, text: &str) -> Result<i64, DateParseError> {
        parse_items(&self.items, text)
    }
}

fn pad(out: &mut String, value: i64, width: usize) {
    out.push_str(&format!("{value:0width$}"));
}

fn format_field(out: &mut String, f: &DateFields, letter: char, count: usize) {
    let year_of_era = if f.year > 0 { f.year } else { 1 - f.year };
    match letter {
        'G' => out.push_str(if f.year > 0 { "AD" } else { "BC" }),
        'y' | 'Y' => {
            let year = if letter == 'y' {
                year_of_era
            } else {
                f.week_year
            };
            if count == 2 {
                pad(out, year.rem_euclid(100), 2)
            } else {
                pad(out, year, count)
            }
        }
        'M' | 'L' => match count {
            1 | 2 => pad(out, f.month, count),
            3 => out.push_str(&MONTHS[(f.month - 1) as usize][..3]),
            _ => out.push_str(MONTHS[(f.month - 1) as usize]),
        },
        'd' => pad(out, f.day, count),
        'k' => pad(out, if f.hour == 0 { 24 } else { f.hour }, count),
        'H' => pad(out, f.hour, count),
        'K' => pad(out, f.hour % 12, count),
        'h' => pad(out, if f.hour % 12 == 0 { 12 } else { f.hour % 12 }, count),
        'm' => pad(out, f.minute, count),
        's' => pad(out, f.second, count),
        'S' => pad(out, f.millis, count),
        'E' => {
            let name = WEEKDAYS[(f.day_of_week - 1) as usize];
            out.push_str(if count >= 4 { name } else { &name[..3] });
        }
        'u' => pad(out, (f.day_of_week + 5) % 7 + 1, count),
        'D' => pad(out, f.day_of_year, count),
        'F' => pad(out, (f.day - 1) / 7 + 1, count),
        'w' => pad(out, f.week_of_year, count),
        'W' => pad(out, f.week_of_month, count),
        'a' => out.push_str(if f.hour < 12 { "AM" } else { "PM" }),
        'z' => out.push_str(if count >= 4 { UTC_NAMES[0] } else { "UTC" }),
        'Z' => out.push_str("+0000"),
        _ => out.push('Z'), // 'X': ISO 8601 zone, "Z" for UTC
    }
}

/// Formats a `java.util.Date` as Connect's `Values.dateFormatFor` does: a time of day
/// (`HH:mm:ss.SSS'Z'`) within the first day, a date (`yyyy-MM-dd`) at exact midnights,
/// otherwise a timestamp (`yyyy-MM-dd'T'HH:mm:ss.SSS'Z'`). Always UTC.
pub fn format_iso(epoch_millis: i64) -> String {
    let f = DateFields::of(epoch_millis);
    let time = format!(
        "{:02}:{:02}:{:02}.{:03}Z",
        f.hour, f.minute, f.second, f.millis
    );
    let year = if f.year > 0 { f.year } else { 1 - f.year };
    let date = format!("{year:04}-{:02}-{:02}", f.month, f.day);
    if epoch_millis < MILLIS_PER_DAY {
        time
    } else if epoch_millis % MILLIS_PER_DAY == 0 {
        date
    } else {
        format!("{date}T{time}")
    }
}

#[cfg(test)]
#[path = "java_date_format_tests.rs"]
mod tests;
