//! Calendar arithmetic and the three ISO-8601 layouts Connect uses for dates in text
//! (`yyyy-MM-dd`, `HH:mm:ss.SSS'Z'`, `yyyy-MM-dd'T'HH:mm:ss.SSS'Z'`), plus Java's
//! `java.util.Date.toString` layout.
//!
//! Java formats and parses these with `SimpleDateFormat` in the JVM's default time zone (while
//! writing a literal `Z`), so the text Java produces depends on where the worker runs. kconnect
//! deliberately always uses UTC, which matches a Java worker running in UTC and makes the `Z`
//! truthful. Like Java's `GregorianCalendar`, dates before 1582-10-15 use the Julian calendar,
//! and parsing is lenient: out-of-range fields roll over (month 13 is January of the next year).

use kconnect_api::schema::logical::MILLIS_PER_DAY;

/// Epoch day of 1582-10-15, the first day of the Gregorian calendar in Java's default cutover.
const GREGORIAN_CUTOVER_DAY: i64 = -141_427;
/// Julian day number of 1970-01-01.
const UNIX_EPOCH_JDN: i64 = 2_440_588;

const WEEKDAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// One of the layouts Connect reads and writes dates with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layout {
    /// `yyyy-MM-dd` (the Date logical type).
    Date,
    /// `HH:mm:ss.SSS'Z'` (the Time logical type).
    Time,
    /// `yyyy-MM-dd'T'HH:mm:ss.SSS'Z'` (the Timestamp logical type).
    Timestamp,
}

/// A piece of a layout: a number field or a literal character.
#[derive(Clone, Copy)]
enum Piece {
    Num,
    Lit(u8),
}

const DATE_PIECES: &[Piece] = &[
    Piece::Num,
    Piece::Lit(b'-'),
    Piece::Num,
    Piece::Lit(b'-'),
    Piece::Num,
];
const TIME_PIECES: &[Piece] = &[
    Piece::Num,
    Piece::Lit(b':'),
    Piece::Num,
    Piece::Lit(b':'),
    Piece::Num,
    Piece::Lit(b'.'),
    Piece::Num,
    Piece::Lit(b'Z'),
];

impl Layout {
    /// The length of text in this layout with every field at its usual width; Connect only
    /// tries a layout on text of exactly this length.
    pub fn text_len(self) -> usize {
        match self {
            Self::Date => 10,
            Self::Time => 13,
            Self::Timestamp => 24,
        }
    }

    /// Parses text in this layout, leniently like `SimpleDateFormat`: fields are runs of
    /// digits (optionally preceded by blanks or a minus sign), out-of-range values roll over,
    /// and text after a complete match is ignored. Returns epoch milliseconds (UTC).
    pub fn parse(self, text: &str) -> Option<i64> {
        let mut fields = Vec::with_capacity(7);
        let mut rest = text.as_bytes();
        let pieces: Vec<Piece> = match self {
            Self::Date => DATE_PIECES.to_vec(),
            Self::Time => TIME_PIECES.to_vec(),
            Self::Timestamp => [DATE_PIECES, &[Piece::Lit(b'T')], TIME_PIECES].concat(),
        };
        for piece in pieces {
            match piece {
                Piece::Lit(c) => rest = rest.strip_prefix(&[c])?,
                Piece::Num => {
                    let (value, tail) = number(rest)?;
                    fields.push(value);
                    rest = tail;
                }
            }
        }
        let (date, time) = match self {
            Self::Date => (&fields[..3], &[][..]),
            Self::Time => (&[][..], &fields[..]),
            Self::Timestamp => fields.split_at(3),
        };
        let days = match date {
            [y, m, d] => epoch_day(*y, *m, *d)?,
            _ => 0,
        };
        let millis = match time {
            [h, min, s, ms] => {
                i128::from(*h) * 3_600_000
                    + i128::from(*min) * 60_000
                    + i128::from(*s) * 1_000
                    + i128::from(*ms)
            }
            _ => 0,
        };
        i64::try_from(i128::from(days) * i128::from(MILLIS_PER_DAY) + millis).ok()
    }

    /// Formats epoch milliseconds (UTC) in this layout.
    pub fn format(self, millis: i64) -> String {
        let days = millis.div_euclid(MILLIS_PER_DAY);
        let ms = millis.rem_euclid(MILLIS_PER_DAY);
        let time = format!(
            "{:02}:{:02}:{:02}.{:03}Z",
            ms / 3_600_000,
            ms / 60_000 % 60,
            ms / 1_000 % 60,
            ms % 1_000
        );
        let (y, m, d) = civil_date(days);
        let date = format!("{:04}-{m:02}-{d:02}", year_of_era(y));
        match self {
            Self::Date => date,
            Self::Time => time,
            Self::Timestamp => format!("{date}T{time}"),
        }
    }

    /// The layout Java's `Values.dateFormatFor` picks for an instant: time of day for anything
    /// before the end of the first day since the epoch (negative instants included), a date
    /// for exact multiples of a day, a timestamp otherwise.
    pub fn for_instant(millis: i64) -> Self {
        if millis < MILLIS_PER_DAY {
            Self::Time
        } else if millis % MILLIS_PER_DAY == 0 {
            Self::Date
        } else {
            Self::Timestamp
        }
    }
}

/// Reads one numeric field: blanks, an optional minus sign, then at least one ASCII digit.
fn number(text: &[u8]) -> Option<(i64, &[u8])> {
    let start = text.iter().position(|&b| b != b' ' && b != b'\t')?;
    let text = &text[start..];
    let (negative, text) = match text.strip_prefix(b"-") {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    let digits = text.iter().take_while(|b| b.is_ascii_digit()).count();
    if digits == 0 {
        return None;
    }
    let mut value: i64 = 0;
    for &b in &text[..digits] {
        value = value.checked_mul(10)?.checked_add(i64::from(b - b'0'))?;
    }
    Some((if negative { -value } else { value }, &text[digits..]))
}

/// Epoch day of a (possibly out-of-range) year, month and day, Gregorian from the cutover
/// on and Julian before it.
pub fn epoch_day(year: i64, month: i64, day: i64) -> Option<i64> {
    // Far beyond any representable instant; also keeps the arithmetic below from overflowing.
    const LIMIT: i64 = 1 << 40;
    if year.abs() > LIMIT || month.abs() > LIMIT || day.abs() > LIMIT {
        return None;
    }
    let months = year * 12 + month - 1;
    let (y, m) = (months.div_euclid(12), months.rem_euclid(12) + 1);
    let offset = day - 1;
    let gregorian = jdn_gregorian(y, m) + offset - UNIX_EPOCH_JDN;
    if gregorian >= GREGORIAN_CUTOVER_DAY {
        Some(gregorian)
    } else {
        Some(jdn_julian(y, m) + offset - UNIX_EPOCH_JDN)
    }
}

/// Julian day number of the first of a month in the proleptic Gregorian calendar.
fn jdn_gregorian(year: i64, month: i64) -> i64 {
    let a = (14 - month) / 12;
    let y = year + 4800 - a;
    let m = month + 12 * a - 3;
    1 + (153 * m + 2) / 5 + 365 * y + y.div_euclid(4) - y.div_euclid(100) + y.div_euclid(400)
        - 32045
}

/// Julian day number of the first of a month in the Julian calendar.
fn jdn_julian(year: i64, month: i64) -> i64 {
    let a = (14 - month) / 12;
    let y = year + 4800 - a;
    let m = month + 12 * a - 3;
    1 + (153 * m + 2) / 5 + 365 * y + y.div_euclid(4) - 32083
}

/// Year (astronomical: 0 is 1 BC), month and day of an epoch day.
pub fn civil_date(epoch_day: i64) -> (i64, i64, i64) {
    let jdn = epoch_day + UNIX_EPOCH_JDN;
    let (century_part, c) = if epoch_day >= GREGORIAN_CUTOVER_DAY {
        let a = jdn + 32044;
        let b = (4 * a + 3).div_euclid(146_097);
        (100 * b, a - (146_097 * b).div_euclid(4))
    } else {
        (0, jdn + 32082)
    };
    let d = (4 * c + 3).div_euclid(1461);
    let e = c - (1461 * d).div_euclid(4);
    let m = (5 * e + 2) / 153;
    let day = e - (153 * m + 2) / 5 + 1;
    let month = m + 3 - 12 * (m / 10);
    let year = century_part + d - 4800 + m / 10;
    (year, month, day)
}

/// The year as Java prints it with `yyyy`: the year of the era, so 1 BC prints as 1.
fn year_of_era(year: i64) -> i64 {
    if year <= 0 {
        1 - year
    } else {
        year
    }
}

/// Java's `java.util.Date.toString` for a JVM in UTC: `Thu Jan 01 00:00:00 UTC 1970`.
pub fn java_date_to_string(millis: i64) -> String {
    let days = millis.div_euclid(MILLIS_PER_DAY);
    let ms = millis.rem_euclid(MILLIS_PER_DAY);
    let (y, m, d) = civil_date(days);
    let weekday = WEEKDAYS[days.rem_euclid(7) as usize];
    let month = MONTHS[(m - 1).clamp(0, 11) as usize];
    format!(
        "{weekday} {month} {d:02} {:02}:{:02}:{:02} UTC {}",
        ms / 3_600_000,
        ms / 60_000 % 60,
        ms / 1_000 % 60,
        year_of_era(y)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    const DAY: i64 = MILLIS_PER_DAY;

    #[test]
    fn cutover_and_epoch_days() {
        assert_eq!(epoch_day(1970, 1, 1), Some(0));
        assert_eq!(epoch_day(2024, 1, 2), Some(19_724));
        assert_eq!(epoch_day(1582, 10, 15), Some(GREGORIAN_CUTOVER_DAY));
        // The day before the cutover is Julian 1582-10-04.
        assert_eq!(epoch_day(1582, 10, 4), Some(GREGORIAN_CUTOVER_DAY - 1));
        assert_eq!(civil_date(GREGORIAN_CUTOVER_DAY - 1), (1582, 10, 4));
        for day in [-800_000, -141_428, -141_427, -1, 0, 19_724, 2_932_896] {
            let (y, m, d) = civil_date(day);
            assert_eq!(epoch_day(y, m, d), Some(day), "{day}");
        }
    }

    #[test]
    fn lenient_fields_roll_over() {
        assert_eq!(epoch_day(2023, 13, 1), epoch_day(2024, 1, 1));
        assert_eq!(epoch_day(2024, 3, 0), epoch_day(2024, 2, 29));
        assert_eq!(Layout::Time.parse("25:00:00.000Z"), Some(DAY + 3_600_000));
    }

    #[test]
    fn parses_each_layout() {
        assert_eq!(Layout::Date.parse("2024-01-02"), Some(19_724 * DAY));
        assert_eq!(Layout::Time.parse("12:34:56.789Z"), Some(45_296_789));
        assert_eq!(
            Layout::Timestamp.parse("2024-01-02T12:34:56.789Z"),
            Some(19_724 * DAY + 45_296_789)
        );
        assert_eq!(Layout::Date.parse("2024-01-0x"), Some(19_722 * DAY));
        assert_eq!(Layout::Date.parse("2024/01/02"), None);
        assert_eq!(Layout::Time.parse("12:34:56.789"), None);
        assert_eq!(Layout::Date.parse("abcd-01-02"), None);
    }

    #[test]
    fn formats_each_layout() {
        let ts = 19_724 * DAY + 45_296_789;
        assert_eq!(Layout::Date.format(19_724 * DAY), "2024-01-02");
        assert_eq!(Layout::Time.format(45_296_789), "12:34:56.789Z");
        assert_eq!(Layout::Timestamp.format(ts), "2024-01-02T12:34:56.789Z");
        assert_eq!(Layout::Time.format(-1_000), "23:59:59.000Z");
        assert_eq!(
            Layout::Date.format(epoch_day(5, 3, 7).unwrap() * DAY),
            "0005-03-07"
        );
    }

    #[test]
    fn picks_layout_like_java() {
        assert_eq!(Layout::for_instant(0), Layout::Time);
        assert_eq!(Layout::for_instant(-DAY), Layout::Time);
        assert_eq!(Layout::for_instant(DAY), Layout::Date);
        assert_eq!(Layout::for_instant(DAY + 1), Layout::Timestamp);
    }

    #[test]
    fn java_date_text() {
        assert_eq!(java_date_to_string(0), "Thu Jan 01 00:00:00 UTC 1970");
        assert_eq!(
            java_date_to_string(19_724 * DAY + 45_296_789),
            "Tue Jan 02 12:34:56 UTC 2024"
        );
        assert_eq!(java_date_to_string(-1_000), "Wed Dec 31 23:59:59 UTC 1969");
    }
}
