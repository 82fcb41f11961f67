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

use crate::calendar::{epoch_day_of, DateFields, MILLIS_PER_DAY};

const LETTERS: &str = "GyMdkHmsSEDFwWahKzZYuXL";
const MONTHS: [&str; 12] = [
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
const WEEKDAYS: [&str; 7] = [
    "Sunday",
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
];
const UTC_NAMES: [&str; 5] = [
    "Coordinated Universal Time",
    "Greenwich Mean Time",
    "UTC",
    "GMT",
    "UT",
];

#[derive(Debug, Clone, PartialEq, Eq)]
enum Item {
    Literal(char),
    Field { letter: char, count: usize },
}

fn is_numeric(item: &Item) -> bool {
    match item {
        Item::Field {
            letter: 'M' | 'L',
            count,
        } => *count <= 2,
        Item::Field { letter, .. } => "ydkHmsSDFwWKhYu".contains(*letter),
        Item::Literal(_) => false,
    }
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
        let mut parser = Parser {
            text: text.chars().collect(),
            pos: 0,
            fields: Parsed::default(),
        };
        for (index, item) in self.items.iter().enumerate() {
            match *item {
                Item::Literal(c) => {
                    if parser.text.get(parser.pos) != Some(&c) {
                        return Err(DateParseError {
                            error_index: parser.pos,
                        });
                    }
                    parser.pos += 1;
                }
                Item::Field { letter, count } => {
                    let obey_count = self.items.get(index + 1).is_some_and(is_numeric);
                    let at = parser.pos;
                    parser
                        .field(letter, count, obey_count)
                        .ok_or(DateParseError { error_index: at })?;
                }
            }
        }
        Ok(parser.fields.resolve())
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

#[derive(Debug, Default)]
struct Parsed {
    bc: bool,
    year: Option<i64>,
    week_year: Option<i64>,
    month: Option<i64>,
    day: Option<i64>,
    day_of_year: Option<i64>,
    hour_of_day: Option<i64>,
    hour: Option<i64>,
    pm: bool,
    minute: i64,
    second: i64,
    millis: i64,
    offset_minutes: i64,
}

impl Parsed {
    fn resolve(&self) -> i64 {
        let year = self.year.or(self.week_year).unwrap_or(1970);
        let year = if self.bc { 1 - year } else { year };
        let epoch_day = match (self.month, self.day, self.day_of_year) {
            (None, None, Some(doy)) => epoch_day_of(year, 1, 1) + doy - 1,
            (month, day, _) => epoch_day_of(year, month.unwrap_or(1), day.unwrap_or(1)),
        };
        let hour = match (self.hour_of_day, self.hour) {
            (Some(h), _) => h,
            (None, h) => h.unwrap_or(0) + if self.pm { 12 } else { 0 },
        };
        let local = epoch_day * MILLIS_PER_DAY
            + hour * 3_600_000
            + self.minute * 60_000
            + self.second * 1000
            + self.millis;
        local - self.offset_minutes * 60_000
    }
}

struct Parser {
    text: Vec<char>,
    pos: usize,
    fields: Parsed,
}

impl Parser {
    fn field(&mut self, letter: char, count: usize, obey_count: bool) -> Option<()> {
        while matches!(self.text.get(self.pos), Some(' ' | '\t')) {
            self.pos += 1;
        }
        self.text.get(self.pos)?;
        match letter {
            'G' => {
                let era = self.choose(&["BC", "AD"])?;
                self.fields.bc = era == 0;
            }
            'y' | 'Y' => {
                let start = self.pos;
                let mut year = self.number(count, obey_count)?;
                let two_digits = self.pos - start == 2
                    && self.text[start..self.pos].iter().all(char::is_ascii_digit);
                if count <= 2 && two_digits {
                    year = resolve_two_digit_year(year);
                }
                if letter == 'y' {
                    self.fields.year = Some(year);
                } else {
                    self.fields.week_year = Some(year);
                }
            }
            'M' | 'L' if count <= 2 => self.fields.month = Some(self.number(count, obey_count)?),
            'M' | 'L' => {
                let long = self.choose(&MONTHS);
                let index = long.or_else(|| self.choose(&MONTHS.map(|m| &m[..3])))?;
                self.fields.month = Some(index as i64 + 1);
            }
            'd' => self.fields.day = Some(self.number(count, obey_count)?),
            'H' => self.fields.hour_of_day = Some(self.number(count, obey_count)?),
            'k' => {
                let h = self.number(count, obey_count)?;
                self.fields.hour_of_day = Some(if h == 24 { 0 } else { h });
            }
            'K' => self.fields.hour = Some(self.number(count, obey_count)?),
            'h' => {
                let h = self.number(count, obey_count)?;
                self.fields.hour = Some(if h == 12 { 0 } else { h });
            }
            'm' => self.fields.minute = self.number(count, obey_count)?,
            's' => self.fields.second = self.number(count, obey_count)?,
            'S' => self.fields.millis = self.number(count, obey_count)?,
            'D' => self.fields.day_of_year = Some(self.number(count, obey_count)?),
            'F' | 'w' | 'W' | 'u' => {
                self.number(count, obey_count)?;
            }
            'E' => {
                let long = self.choose(&WEEKDAYS);
                long.or_else(|| self.choose(&WEEKDAYS.map(|d| &d[..3])))?;
            }
            'a' => self.fields.pm = self.choose(&["AM", "PM"])? == 1,
            'X' => self.iso_zone(count)?,
            _ => self.general_zone()?, // 'z' and 'Z'
        }
        Some(())
    }

    /// An optionally negative integer; with `obey_count`, at most `count` characters.
    fn number(&mut self, count: usize, obey_count: bool) -> Option<i64> {
        let limit = if obey_count {
            self.pos + count
        } else {
            usize::MAX
        };
        let mut i = self.pos;
        let negative = self.text.get(i) == Some(&'-') && i < limit;
        if negative {
            i += 1;
        }
        let digits_start = i;
        let mut value: i64 = 0;
        while i < limit {
            match self.text.get(i).and_then(|c| c.to_digit(10)) {
                Some(d) => value = value.saturating_mul(10).saturating_add(i64::from(d)),
                None => break,
            }
            i += 1;
        }
        if i == digits_start {
            return None;
        }
        self.pos = i;
        Some(if negative { -value } else { value })
    }

    /// The index of the longest candidate the text continues with (case-insensitive).
    fn choose(&mut self, candidates: &[&str]) -> Option<usize> {
        let mut best: Option<(usize, usize)> = None;
        for (index, candidate) in candidates.iter().enumerate() {
            let len = candidate.chars().count();
            let matches = self.pos + len <= self.text.len()
                && self.text[self.pos..self.pos + len]
                    .iter()
                    .zip(candidate.chars())
                    .all(|(a, b)| a.eq_ignore_ascii_case(&b));
            if matches && best.is_none_or(|(_, l)| len > l) {
                best = Some((index, len));
            }
        }
        let (index, len) = best?;
        self.pos += len;
        Some(index)
    }

    fn digit(&mut self) -> Option<i64> {
        let d = self.text.get(self.pos)?.to_digit(10)?;
        self.pos += 1;
        Some(i64::from(d))
    }

    /// `hh`, `hhmm` or `hh:mm` after a sign (Java `subParseNumericZone`).
    fn numeric_zone(&mut self, sign: i64, count: usize, colon: bool) -> Option<()> {
        let mut hours = self.digit()?;
        match self.digit() {
            Some(d) => hours = hours * 10 + d,
            None if count > 0 || !colon => return None,
            None => {}
        }
        if hours > 23 {
            return None;
        }
        let mut minutes = 0;
        if count != 1 {
            if colon {
                if self.text.get(self.pos) != Some(&':') {
                    return None;
                }
                self.pos += 1;
            }
            minutes = self.digit()? * 10 + self.digit()?;
            if minutes > 59 {
                return None;
            }
        }
        self.fields.offset_minutes = sign * (hours * 60 + minutes);
        Some(())
    }

    fn sign(&mut self) -> Option<i64> {
        let sign = match self.text.get(self.pos)? {
            '+' => 1,
            '-' => -1,
            _ => return None,
        };
        self.pos += 1;
        Some(sign)
    }

    fn iso_zone(&mut self, count: usize) -> Option<()> {
        if self.text.get(self.pos) == Some(&'Z') {
            self.pos += 1;
            self.fields.offset_minutes = 0;
            return Some(());
        }
        let sign = self.sign()?;
        self.numeric_zone(sign, count, count == 3)
    }

    fn general_zone(&mut self) -> Option<()> {
        if let Some(sign) = self.sign() {
            return self.numeric_zone(sign, 0, false);
        }
        let gmt_with_offset = self.choose(&["GMT"]).is_some();
        if gmt_with_offset {
            return match self.sign() {
                Some(sign) => self.numeric_zone(sign, 0, true),
                None => {
                    self.fields.offset_minutes = 0;
                    Some(())
                }
            };
        }
        self.choose(&UTC_NAMES)?;
        self.fields.offset_minutes = 0;
        Some(())
    }
}

/// Java puts a two-digit year in the century window starting 80 years before now.
fn resolve_two_digit_year(two_digits: i64) -> i64 {
    let now_ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64);
    let start_year = DateFields::of(now_ms).year - 80;
    let ambiguous = start_year.rem_euclid(100);
    two_digits + start_year / 100 * 100 + if two_digits < ambiguous { 100 } else { 0 }
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
