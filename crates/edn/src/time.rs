//! RFC 3339 timestamps (`#inst`) to and from milliseconds since the Unix epoch.
//!
//! The civil-calendar arithmetic is Howard Hinnant's `days_from_civil` /
//! `civil_from_days` (proleptic Gregorian calendar), done in i128 so that no
//! input can overflow; results outside the i64 millisecond range are errors.

const MILLIS_PER_DAY: i64 = 86_400_000;

/// Parses an RFC 3339 timestamp into milliseconds since 1970-01-01T00:00:00Z.
///
/// Accepts what Clojure's `#inst` reader accepts: `"2013"`, `"2013-08"`,
/// `"2013-08-02"`, and `"2013-08-02T10:20"`, `"...T10:20:30"`,
/// `"...T10:20:30.123456"` followed by an optional `Z` or `±hh:mm` offset
/// (no offset means UTC). Digits after the milliseconds are truncated. `t`,
/// `z` and a space instead of `T` are accepted too. Years have at least four
/// digits and may carry a sign (`-0044`, `+10000`), which is how
/// [`format_inst_millis`] prints years outside 0000–9999.
pub fn parse_inst(text: &str) -> Result<i64, String> {
    InstParser {
        text,
        bytes: text.as_bytes(),
        i: 0,
    }
    .parse()
    .map_err(|why| format!("invalid #inst \"{text}\": {why}"))
}

/// Formats milliseconds since the epoch as RFC 3339 UTC with millisecond
/// precision: `1970-01-01T00:00:00.000Z`.
///
/// Years outside 0000–9999 are printed with a sign and at least four digits
/// (`-0001-...`, `+10000-...`); [`parse_inst`] reads them back.
pub fn format_inst_millis(millis: i64) -> String {
    let days = millis.div_euclid(MILLIS_PER_DAY);
    let ms_of_day = millis.rem_euclid(MILLIS_PER_DAY);
    let (year, month, day) = civil_from_days(i128::from(days));
    let hour = ms_of_day / 3_600_000;
    let minute = ms_of_day / 60_000 % 60;
    let second = ms_of_day / 1000 % 60;
    let ms = ms_of_day % 1000;
    let year = if (0..=9999).contains(&year) {
        format!("{year:04}")
    } else if year < 0 {
        format!("-{:04}", -year)
    } else {
        format!("+{year:04}")
    };
    format!("{year}-{month:02}-{day:02}T{hour:02}:{minute:02}:{second:02}.{ms:03}Z")
}

/// Days since 1970-01-01 of a proleptic Gregorian date (month 1–12).
fn days_from_civil(year: i128, month: i128, day: i128) -> i128 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400; // [0, 399]
    let mp = (month + 9) % 12; // March = 0, so the leap day ends the year
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The UTC civil time of `millis` since the epoch: (year, month 1–12, day 1–31, hour, minute,
/// second). Shared by printing instants and the query functions `year` … `second`.
pub fn civil_utc(millis: i64) -> (i64, i64, i64, i64, i64, i64) {
    let days = millis.div_euclid(86_400_000);
    let of_day = millis.rem_euclid(86_400_000) / 1000;
    let (year, month, day) = civil_from_days(i128::from(days));
    // An i64 of milliseconds spans under 300 million years: every part fits an i64.
    (
        year as i64,
        month as i64,
        day as i64,
        of_day / 3600,
        of_day / 60 % 60,
        of_day % 60,
    )
}

/// The (year, month, day) of a day number relative to 1970-01-01.
fn civil_from_days(days: i128) -> (i128, i128, i128) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097; // [0, 146096]
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i128::from(month <= 2);
    (year, month, day)
}

fn is_leap(year: i128) -> bool {
    year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
}

fn days_in_month(year: i128, month: i128) -> i128 {
    match month {
        2 if is_leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// A hand-written scanner over the timestamp text.
struct InstParser<'a> {
    text: &'a str,
    bytes: &'a [u8],
    i: usize,
}

impl InstParser<'_> {
    fn parse(mut self) -> Result<i64, String> {
        let year = self.year()?;
        let (mut month, mut day) = (1, 1);
        let (mut hour, mut minute, mut second, mut millis) = (0, 0, 0, 0);
        let mut offset_minutes = 0;
        if self.eat(b'-') {
            month = self.digits(2, "month")?;
            if self.eat(b'-') {
                day = self.digits(2, "day")?;
                if self.eat_any(b"Tt ") {
                    hour = self.digits(2, "hour")?;
                    self.expect(b':')?;
                    minute = self.digits(2, "minute")?;
                    if self.eat(b':') {
                        second = self.digits(2, "second")?;
                        if self.eat(b'.') {
                            millis = self.fraction_millis()?;
                        }
                    }
                    offset_minutes = self.offset()?;
                }
            }
        }
        if self.i != self.bytes.len() {
            return Err(format!("unexpected text '{}'", &self.text[self.i..]));
        }
        if !(1..=12).contains(&month) {
            return Err(format!("month {month} is out of range"));
        }
        if day < 1 || day > days_in_month(year, month) {
            return Err(format!("day {day} is out of range for the month"));
        }
        if hour > 23 || minute > 59 {
            return Err("time of day is out of range".to_owned());
        }
        if second > 59 {
            return Err("seconds are out of range (leap seconds are not supported)".to_owned());
        }
        let days = days_from_civil(year, month, day);
        let millis = days * i128::from(MILLIS_PER_DAY)
            + ((hour * 60 + minute - offset_minutes) * 60 + second) * 1000
            + millis;
        i64::try_from(millis).map_err(|_| "instant is out of range".to_owned())
    }

    /// An optionally signed year of at least four digits.
    fn year(&mut self) -> Result<i128, String> {
        let negative = self.eat(b'-');
        if !negative {
            self.eat(b'+');
        }
        let start = self.i;
        while self.bytes.get(self.i).is_some_and(u8::is_ascii_digit) {
            self.i += 1;
        }
        let len = self.i - start;
        if len < 4 {
            return Err("expected a year of four digits".to_owned());
        }
        // More digits than this cannot fit the i64 millisecond range anyway.
        if len > 12 {
            return Err("instant is out of range".to_owned());
        }
        let year = self.value(start, self.i);
        Ok(if negative { -year } else { year })
    }

    /// Exactly `count` digits.
    fn digits(&mut self, count: usize, what: &str) -> Result<i128, String> {
        let start = self.i;
        let end = start + count;
        match self.bytes.get(start..end) {
            Some(d) if d.iter().all(u8::is_ascii_digit) => {
                self.i = end;
                Ok(self.value(start, end))
            }
            _ => Err(format!("expected {count} digits for the {what}")),
        }
    }

    /// One or more fraction digits, as milliseconds (truncated).
    fn fraction_millis(&mut self) -> Result<i128, String> {
        let start = self.i;
        while self.bytes.get(self.i).is_some_and(u8::is_ascii_digit) {
            self.i += 1;
        }
        if self.i == start {
            return Err("expected digits after '.'".to_owned());
        }
        let mut millis = 0;
        for k in 0..3 {
            let digit = match self.bytes.get(start + k) {
                Some(b) if start + k < self.i => i128::from(b - b'0'),
                _ => 0,
            };
            millis = millis * 10 + digit;
        }
        Ok(millis)
    }

    /// `Z`, `±hh:mm` or nothing (UTC), in minutes east of UTC.
    fn offset(&mut self) -> Result<i128, String> {
        if self.eat_any(b"Zz") || self.i == self.bytes.len() {
            return Ok(0);
        }
        let sign = if self.eat(b'+') {
            1
        } else if self.eat(b'-') {
            -1
        } else {
            return Err("expected 'Z' or a ±hh:mm offset".to_owned());
        };
        let hours = self.digits(2, "offset hours")?;
        self.expect(b':')?;
        let minutes = self.digits(2, "offset minutes")?;
        if hours > 23 || minutes > 59 {
            return Err("offset is out of range".to_owned());
        }
        Ok(sign * (hours * 60 + minutes))
    }

    fn value(&self, start: usize, end: usize) -> i128 {
        self.bytes[start..end]
            .iter()
            .fold(0, |acc, b| acc * 10 + i128::from(b - b'0'))
    }

    fn eat(&mut self, byte: u8) -> bool {
        self.eat_any(&[byte])
    }

    fn eat_any(&mut self, choices: &[u8]) -> bool {
        match self.bytes.get(self.i) {
            Some(b) if choices.contains(b) => {
                self.i += 1;
                true
            }
            _ => false,
        }
    }

    fn expect(&mut self, byte: u8) -> Result<(), String> {
        if self.eat(byte) {
            Ok(())
        } else {
            Err(format!("expected '{}'", char::from(byte)))
        }
    }
}

#[cfg(test)]
mod tests {

    #[test]
    fn civil_parts_in_utc() {
        let ms = parse_inst("1985-04-12T23:20:50.52Z").unwrap();
        assert_eq!(civil_utc(ms), (1985, 4, 12, 23, 20, 50));
        assert_eq!(civil_utc(-1), (1969, 12, 31, 23, 59, 59));
        assert_eq!(
            civil_utc(parse_inst("2000-02-29").unwrap()),
            (2000, 2, 29, 0, 0, 0)
        );
    }

    use super::*;

    #[test]
    fn known_vectors() {
        let cases = [
            ("1970-01-01T00:00:00Z", 0),
            ("1970-01-01", 0),
            ("1970", 0),
            ("1970-02", 31 * MILLIS_PER_DAY),
            ("2013-08-02", 1_375_401_600_000),
            ("1985-04-12T23:20:50.52Z", 482_196_050_520),
            ("1985-04-12t23:20:50.52z", 482_196_050_520),
            ("1985-04-12 23:20:50.52", 482_196_050_520),
            ("2020-01-01T01:00:00+01:00", 1_577_836_800_000),
            ("2019-12-31T19:00:00-05:00", 1_577_836_800_000),
            ("2020-01-01T00:00", 1_577_836_800_000),
            ("1969-12-31T23:59:59.999Z", -1),
            ("1969-12-31T23:59:59.9999999Z", -1),
            ("1900-01-01T00:00:00Z", -2_208_988_800_000),
            ("0000-01-01T00:00:00Z", -62_167_219_200_000),
            ("9999-12-31T23:59:59.999Z", 253_402_300_799_999),
            ("2000-02-29T12:00:00Z", 951_825_600_000),
            ("1600-03-01", -11_670_912_000_000),
        ];
        for (text, millis) in cases {
            assert_eq!(parse_inst(text), Ok(millis), "{text}");
        }
    }

    #[test]
    fn formatting() {
        assert_eq!(format_inst_millis(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(
            format_inst_millis(1_375_401_600_000),
            "2013-08-02T00:00:00.000Z"
        );
        assert_eq!(
            format_inst_millis(482_196_050_520),
            "1985-04-12T23:20:50.520Z"
        );
        assert_eq!(format_inst_millis(-1), "1969-12-31T23:59:59.999Z");
        assert_eq!(
            format_inst_millis(-62_167_219_200_000),
            "0000-01-01T00:00:00.000Z"
        );
        assert_eq!(
            format_inst_millis(-62_167_219_200_001),
            "-0001-12-31T23:59:59.999Z"
        );
        assert_eq!(
            format_inst_millis(253_402_300_800_000),
            "+10000-01-01T00:00:00.000Z"
        );
    }

    #[test]
    fn round_trips_including_extremes() {
        for millis in [
            i64::MIN,
            i64::MIN + 1,
            -62_167_219_200_001,
            -86_400_001,
            -1,
            0,
            1,
            951_825_600_000,
            253_402_300_800_000,
            i64::MAX - 1,
            i64::MAX,
        ] {
            let text = format_inst_millis(millis);
            assert_eq!(parse_inst(&text), Ok(millis), "{text}");
        }
    }

    #[test]
    fn errors() {
        for text in [
            "",
            "85-04-12",
            "2013-13-01",
            "2013-00-01",
            "2013-02-29",
            "2000-02-30",
            "2013-04-31",
            "2013-08-02T",
            "2013-08-02T24:00:00Z",
            "2013-08-02T10:60:00Z",
            "2013-08-02T10:00:60Z",
            "2013-08-02T10:00:00.Z",
            "2013-08-02T10:00:00+1:00",
            "2013-08-02T10:00:00+24:00",
            "2013-08-02T10:00:00+01:60",
            "2013-08-02T10:00:00+0100",
            "2013-08-02T10:00:00Zjunk",
            "2013-08-02junk",
            "2013-8-2",
            "+-2013",
            "1000000000000",
            "292278994-08-17T07:12:55.808Z",
            "-292275055-05-16T16:47:04.191Z",
            "2013-08-02T10:00:00ü",
        ] {
            assert!(parse_inst(text).is_err(), "{text}");
        }
        let e = parse_inst("2013-02-29").unwrap_err();
        assert!(e.contains("2013-02-29") && e.contains("day"), "{e}");
    }

    #[test]
    fn civil_days_agree_everywhere_nearby() {
        // Every day of four centuries around the epoch maps back to itself.
        for days in -150_000..150_000 {
            let (y, m, d) = civil_from_days(days);
            assert!((1..=12).contains(&m) && d >= 1 && d <= days_in_month(y, m));
            assert_eq!(days_from_civil(y, m, d), days);
        }
    }
}
