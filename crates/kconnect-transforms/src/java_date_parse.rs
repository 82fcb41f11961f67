//! Parsing text with a compiled date pattern, the way Java's lenient `SimpleDateFormat` does
//! (see [`crate::java_date_format`]).

use crate::java_date_format::{DateParseError, Item, MONTHS, UTC_NAMES, WEEKDAYS};
use kconnect_api::calendar::{epoch_day_of, DateFields, MILLIS_PER_DAY};

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

/// Parses text against compiled pattern items (Java `DateFormat.parse(String)`).
pub(crate) fn parse_items(items: &[Item], text: &str) -> Result<i64, DateParseError> {
    let mut parser = Parser {
        text: text.chars().collect(),
        pos: 0,
        fields: Parsed::default(),
    };
    for (index, item) in items.iter().enumerate() {
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
                let obey_count = items.get(index + 1).is_some_and(is_numeric);
                let at = parser.pos;
                parser
                    .field(letter, count, obey_count)
                    .ok_or(DateParseError { error_index: at })?;
            }
        }
    }
    Ok(parser.fields.resolve())
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
