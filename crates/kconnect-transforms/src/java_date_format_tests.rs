use super::*;

const TS: i64 = 1_700_000_000_123; // 2023-11-14T22:13:20.123Z, a Tuesday

fn fmt(pattern: &str, ms: i64) -> String {
    JavaDateFormat::new(pattern).unwrap().format(ms)
}

fn parse(pattern: &str, text: &str) -> Result<i64, DateParseError> {
    JavaDateFormat::new(pattern).unwrap().parse(text)
}

#[test]
fn formats_numeric_fields() {
    assert_eq!(
        fmt("yyyy-MM-dd HH:mm:ss.SSS", TS),
        "2023-11-14 22:13:20.123"
    );
    assert_eq!(fmt("yyyyMMdd", TS), "20231114");
    assert_eq!(fmt("yyyy-MM", TS), "2023-11");
    assert_eq!(fmt("yy/M/d H:m:s.S", TS), "23/11/14 22:13:20.123");
    assert_eq!(fmt("y D w W F u", TS), "2023 318 46 3 2 2");
    assert_eq!(fmt("hh:mm a K k", TS), "10:13 PM 10 22");
    assert_eq!(fmt("k h", 0), "24 12");
    assert_eq!(fmt("S SSSS", 5), "5 0005");
}

#[test]
fn formats_text_and_zones() {
    assert_eq!(fmt("EEE, d MMM yyyy", TS), "Tue, 14 Nov 2023");
    assert_eq!(fmt("EEEE MMMM G", TS), "Tuesday November AD");
    assert_eq!(
        fmt("z zzzz Z X XX XXX", TS),
        "UTC Coordinated Universal Time +0000 Z Z Z"
    );
    assert_eq!(fmt("yyyy-MM-dd'T'HH:mm:ss'Z'", TS), "2023-11-14T22:13:20Z");
    assert_eq!(fmt("h 'o''clock' ''", TS), "10 o'clock '");
    // Before 1582-10-15 Java switches to the Julian calendar.
    assert_eq!(fmt("yyyy-MM-dd G", -62_135_596_800_000), "0001-01-03 AD");
    assert_eq!(fmt("y G", -62_167_219_200_000), "1 BC");
}

#[test]
fn rejects_bad_patterns() {
    assert_eq!(
        JavaDateFormat::new("yyyy-bb").unwrap_err(),
        "Illegal pattern character 'b'"
    );
    assert_eq!(
        JavaDateFormat::new("yyyy'T").unwrap_err(),
        "Unterminated quote"
    );
    assert!(JavaDateFormat::new("XXXX").is_err());
    assert_eq!(JavaDateFormat::new("yyyy").unwrap().pattern(), "yyyy");
}

#[test]
fn parses_iso_like_text() {
    assert_eq!(
        parse("yyyy-MM-dd'T'HH:mm:ssX", "2024-02-29T12:34:56Z"),
        Ok(1_709_210_096_000)
    );
    assert_eq!(
        parse("yyyy-MM-dd HH:mm:ss.SSS", "2023-11-14 22:13:20.123"),
        Ok(TS)
    );
    assert_eq!(parse("yyyyMMdd", "20231114"), Ok(19_675 * MILLIS_PER_DAY));
    assert_eq!(parse("yyyyMMddHHmm", "202311142213"), Ok(TS - 20_123));
    assert_eq!(
        parse("yyyy-MM-dd", "2023-11-14 trailing"),
        Ok(19_675 * MILLIS_PER_DAY)
    );
}

#[test]
fn parses_zones() {
    let midnight = 19_675 * MILLIS_PER_DAY;
    assert_eq!(
        parse("yyyy-MM-dd HH:mm Z", "2023-11-14 01:00 +0100"),
        Ok(midnight)
    );
    assert_eq!(
        parse("yyyy-MM-dd HH:mmXXX", "2023-11-14 05:30+05:30"),
        Ok(midnight)
    );
    assert_eq!(
        parse("yyyy-MM-dd HH:mmX", "2023-11-13 23:00-01"),
        Ok(midnight)
    );
    assert_eq!(
        parse("yyyy-MM-dd HH:mm z", "2023-11-14 00:00 UTC"),
        Ok(midnight)
    );
    assert_eq!(
        parse("yyyy-MM-dd HH:mm z", "2023-11-14 02:00 GMT+02:00"),
        Ok(midnight)
    );
    assert!(parse("yyyy-MM-dd HH:mmXX", "2023-11-14 05:30+05:30").is_err());
    assert!(parse("yyyy-MM-dd HH:mm z", "2023-11-14 00:00 Mars").is_err());
}

#[test]
fn parses_leniently() {
    assert_eq!(
        parse("yyyy-MM-dd", "2023-13-01"),
        parse("yyyy-MM-dd", "2024-01-01")
    );
    assert_eq!(
        parse("yyyy-MM-dd HH:mm", "2023-11-14 00:75"),
        parse("yyyy-MM-dd HH:mm", "2023-11-14 01:15")
    );
    assert_eq!(
        parse("dd MMM yyyy", "14 nov 2023"),
        Ok(19_675 * MILLIS_PER_DAY)
    );
    assert_eq!(
        parse("dd MMMM yyyy", "14 November 2023"),
        Ok(19_675 * MILLIS_PER_DAY)
    );
    assert_eq!(
        parse("EEE, d MMM yyyy", "Tue, 14 Nov 2023"),
        Ok(19_675 * MILLIS_PER_DAY)
    );
    assert_eq!(
        parse("yyyy-MM-dd hh:mm a", "2023-11-14 10:13 PM"),
        Ok(TS - 20_123)
    );
    assert_eq!(
        parse("yyyy-MM-dd hh:mm a", "2023-11-14 12:13 AM"),
        Ok(19_675 * MILLIS_PER_DAY + 13 * 60_000)
    );
    assert_eq!(parse("yyyy D", "2023 318"), Ok(19_675 * MILLIS_PER_DAY));
    assert_eq!(
        parse("yyyy-MM-dd", "2023-11- 14"),
        Ok(19_675 * MILLIS_PER_DAY)
    );
}

#[test]
fn reports_where_parsing_failed() {
    assert_eq!(
        parse("yyyy-MM-dd", "2023/11/14"),
        Err(DateParseError { error_index: 4 })
    );
    assert!(parse("yyyy-MM-dd", "").is_err());
    assert!(parse("yyyy", "abc").is_err());
}

#[test]
fn two_digit_years_land_near_now() {
    let year = |ms| DateFields::of(ms).year;
    let parsed = parse("yy-MM-dd", "23-11-14").unwrap();
    assert_eq!(year(parsed), 2023);
    // Four digits with `yy` are taken literally.
    assert_eq!(year(parse("yy-MM-dd", "1923-11-14").unwrap()), 1923);
}

#[test]
fn iso_formats_like_values() {
    assert_eq!(format_iso(0), "00:00:00.000Z");
    assert_eq!(format_iso(3_723_004), "01:02:03.004Z");
    assert_eq!(format_iso(MILLIS_PER_DAY), "1970-01-02");
    assert_eq!(format_iso(TS), "2023-11-14T22:13:20.123Z");
}

mod properties {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// From year 1 to 9999, formatting then parsing a full pattern gives the instant back
        /// (across the Julian/Gregorian switch).
        #[test]
        fn format_then_parse_round_trips(ms in -62_135_596_800_000i64..253_402_300_799_999) {
            let format = JavaDateFormat::new("yyyy-MM-dd'T'HH:mm:ss.SSSZ").unwrap();
            prop_assert_eq!(format.parse(&format.format(ms)), Ok(ms));
        }

        /// Abutting numeric fields read exactly their width.
        #[test]
        fn compact_patterns_round_trip(days in 0i64..2_932_896) {
            let format = JavaDateFormat::new("yyyyMMddHHmmss").unwrap();
            let ms = days * MILLIS_PER_DAY + 45_296_000;
            prop_assert_eq!(format.parse(&format.format(ms)), Ok(ms));
        }
    }
}
