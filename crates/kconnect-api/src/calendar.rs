//! Calendar arithmetic as Java's default `GregorianCalendar` does it in UTC: the Gregorian
//! calendar from 1582-10-15 on, the Julian calendar before, weeks starting on Sunday with the
//! week containing January 1st as week 1 (the US locale rules).

pub use crate::schema::logical::MILLIS_PER_DAY;
/// Epoch day of 1582-10-15, the first Gregorian day in Java's default calendar.
const GREGORIAN_CUTOVER_DAY: i64 = -141_427;
/// Julian day number of 1970-01-01.
const EPOCH_JULIAN_DAY: i64 = 2_440_588;

fn gregorian_epoch_day(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = if month > 2 { month - 3 } else { month + 9 };
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn gregorian_date(epoch_day: i64) -> (i64, i64, i64) {
    let z = epoch_day + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

fn julian_epoch_day(year: i64, month: i64, day: i64) -> i64 {
    let a = (14 - month) / 12;
    let y = year + 4800 - a;
    let m = month + 12 * a - 3;
    let jdn = day + (153 * m + 2) / 5 + 365 * y + y.div_euclid(4) - 32_083;
    jdn - EPOCH_JULIAN_DAY
}

fn julian_date(epoch_day: i64) -> (i64, i64, i64) {
    let c = epoch_day + EPOCH_JULIAN_DAY + 32_082;
    let d = (4 * c + 3).div_euclid(1461);
    let e = c - (1461 * d).div_euclid(4);
    let m = (5 * e + 2) / 153;
    let day = e - (153 * m + 2) / 5 + 1;
    let month = m + 3 - 12 * (m / 10);
    let year = d - 4800 + m / 10;
    (year, month, day)
}

/// The (proleptic, astronomical) year, month (1-12) and day of an epoch day.
pub fn date_of(epoch_day: i64) -> (i64, i64, i64) {
    if epoch_day >= GREGORIAN_CUTOVER_DAY {
        gregorian_date(epoch_day)
    } else {
        julian_date(epoch_day)
    }
}

/// The epoch day of a date, leniently: months outside 1-12 roll into other years and days
/// outside the month roll into other months (Java's lenient calendar).
pub fn epoch_day_of(year: i64, month: i64, day: i64) -> i64 {
    let year = year + (month - 1).div_euclid(12);
    let month = (month - 1).rem_euclid(12) + 1;
    let gregorian = gregorian_epoch_day(year, month, 1) + day - 1;
    if gregorian >= GREGORIAN_CUTOVER_DAY {
        gregorian
    } else {
        julian_epoch_day(year, month, 1) + day - 1
    }
}

/// Day of week, 0 = Sunday.
fn weekday(epoch_day: i64) -> i64 {
    (epoch_day + 4).rem_euclid(7)
}

/// Everything a date pattern can show about one instant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DateFields {
    /// Astronomical year (0 = 1 BC).
    pub year: i64,
    /// Month, 1-12.
    pub month: i64,
    /// Day of month, 1-31.
    pub day: i64,
    /// Day of year, 1-366.
    pub day_of_year: i64,
    /// Day of week, 1 = Sunday ... 7 = Saturday (Java `Calendar.DAY_OF_WEEK`).
    pub day_of_week: i64,
    /// Week of year (week 1 contains January 1st).
    pub week_of_year: i64,
    /// The year the week of year belongs to.
    pub week_year: i64,
    /// Week of month.
    pub week_of_month: i64,
    /// Hour of day, 0-23.
    pub hour: i64,
    /// Minute, 0-59.
    pub minute: i64,
    /// Second, 0-59.
    pub second: i64,
    /// Millisecond, 0-999.
    pub millis: i64,
}

impl DateFields {
    /// The fields of an instant (epoch milliseconds), in UTC.
    pub fn of(epoch_millis: i64) -> Self {
        let epoch_day = epoch_millis.div_euclid(MILLIS_PER_DAY);
        let ms_of_day = epoch_millis.rem_euclid(MILLIS_PER_DAY);
        let (year, month, day) = date_of(epoch_day);
        let jan1 = epoch_day_of(year, 1, 1);
        let day_of_year = epoch_day - jan1 + 1;
        let next_jan1 = epoch_day_of(year + 1, 1, 1);
        let (week_of_year, week_year) = if epoch_day >= next_jan1 - weekday(next_jan1) {
            (1, year + 1)
        } else {
            ((day_of_year - 1 + weekday(jan1)) / 7 + 1, year)
        };
        let first_of_month = epoch_day - (day - 1);
        Self {
            year,
            month,
            day,
            day_of_year,
            day_of_week: weekday(epoch_day) + 1,
            week_of_year,
            week_year,
            week_of_month: (day - 1 + weekday(first_of_month)) / 7 + 1,
            hour: ms_of_day / 3_600_000,
            minute: ms_of_day / 60_000 % 60,
            second: ms_of_day / 1000 % 60,
            millis: ms_of_day % 1000,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gregorian_dates() {
        assert_eq!(date_of(0), (1970, 1, 1));
        assert_eq!(date_of(19_675), (2023, 11, 14));
        assert_eq!(epoch_day_of(2024, 2, 29), 19_782);
        assert_eq!(epoch_day_of(2023, 13, 1), epoch_day_of(2024, 1, 1));
        assert_eq!(epoch_day_of(2024, 3, 0), epoch_day_of(2024, 2, 29));
        assert_eq!(date_of(GREGORIAN_CUTOVER_DAY), (1582, 10, 15));
    }

    #[test]
    fn julian_before_the_cutover() {
        assert_eq!(date_of(GREGORIAN_CUTOVER_DAY - 1), (1582, 10, 4));
        assert_eq!(epoch_day_of(1582, 10, 4), GREGORIAN_CUTOVER_DAY - 1);
        // 0001-01-01 (proleptic Gregorian) is 0001-01-03 in the Julian calendar.
        assert_eq!(date_of(-719_162), (1, 1, 3));
        assert_eq!(epoch_day_of(1, 1, 3), -719_162);
        assert_eq!(date_of(epoch_day_of(0, 12, 31)), (0, 12, 31));
    }

    #[test]
    fn fields_of_an_instant() {
        let f = DateFields::of(1_700_000_000_123);
        assert_eq!((f.year, f.month, f.day), (2023, 11, 14));
        assert_eq!((f.hour, f.minute, f.second, f.millis), (22, 13, 20, 123));
        assert_eq!(f.day_of_week, 3); // Tuesday
        assert_eq!(f.day_of_year, 318);
        assert_eq!(f.week_of_year, 46);
        assert_eq!(f.week_of_month, 3);
        // 2024-12-29 (Sunday) starts the week holding 2025-01-01: week 1 of 2025.
        let f = DateFields::of(epoch_day_of(2024, 12, 29) * MILLIS_PER_DAY);
        assert_eq!((f.week_of_year, f.week_year), (1, 2025));
        let f = DateFields::of(-1);
        assert_eq!(
            (f.year, f.month, f.day, f.hour, f.millis),
            (1969, 12, 31, 23, 999)
        );
    }
}
