//! The time fields of the input: a record's `time` (RFC 3339 text or Unix seconds) and the
//! `--window` duration (`neardup stream`, `cluster` and `dedup`).

use neardup::Timestamp;
use serde_json::Value;

use super::error::CliError;

/// The optional `time` of a record: RFC 3339 text or Unix seconds. The CLI takes it from the
/// record's own parse ([`time_of`]); `neardup-dataflow`, which compiles this file too, reads
/// other workers' lines with it.
#[cfg_attr(not(test), allow(dead_code))]
pub fn record_time(line: &str) -> Result<Option<Timestamp>, String> {
    let value: Value = serde_json::from_str(line).map_err(|e| e.to_string())?;
    time_of(value.get("time"))
}

/// A record's `time` field (if any) as a time: RFC 3339 text or Unix seconds.
pub fn time_of(time: Option<&Value>) -> Result<Option<Timestamp>, String> {
    match time {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Number(n)) => n
            .as_i64()
            // A float only within i64's range: a cast would clamp 1e30 to i64::MAX silently,
            // and one such time would then empty a windowed index and stop all later eviction.
            .or_else(|| {
                n.as_f64()
                    .filter(|f| f.is_finite() && *f >= -(2f64.powi(63)) && *f < 2f64.powi(63))
                    .map(|f| f.floor() as i64)
            })
            .map(Some)
            .ok_or_else(|| format!("\"time\" {n} is out of range")),
        Some(Value::String(s)) => parse_rfc3339(s).map(Some).ok_or_else(|| {
            format!("\"time\" {s:?} is not RFC 3339 (2023-09-05T10:00:00Z, or 2023-09-05)")
        }),
        Some(_) => Err("\"time\" must be RFC 3339 text or Unix seconds".into()),
    }
}

/// Seconds since the Unix epoch of an RFC 3339 timestamp (`2023-09-05T10:00:00.5+02:00`), of
/// one without its offset (`2023-09-05T10:00:00`, read as UTC), or of a date alone
/// (`2023-09-05`: its midnight, UTC), as news datasets often give publication times.
pub fn parse_rfc3339(s: &str) -> Option<Timestamp> {
    if !s.is_ascii() {
        return None; // every valid timestamp is ASCII; this also keeps the slicing below safe
    }
    let b = s.as_bytes();
    let num = |r: std::ops::Range<usize>| -> Option<i64> {
        let part = s.get(r)?;
        part.bytes()
            .all(|c| c.is_ascii_digit())
            .then(|| part.parse().ok())?
    };
    if b.len() < 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let (year, month, day) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
    let month_days = [
        31,
        if leap { 29 } else { 28 },
        31,
        30,
        31,
        30,
        31,
        31,
        30,
        31,
        30,
        31,
    ];
    if !(1..=12).contains(&month) || day < 1 || day > month_days[(month - 1) as usize] {
        return None;
    }
    let days = days_from_civil(year, month, day);
    if b.len() == 10 {
        return Some(days * 86_400);
    }
    if b.len() < 19 || !matches!(b[10], b'T' | b't' | b' ') || b[13] != b':' || b[16] != b':' {
        return None;
    }
    let (hour, minute, second) = (num(11..13)?, num(14..16)?, num(17..19)?);
    if hour > 23 || minute > 59 || second > 60 {
        return None;
    }
    let mut rest = &s[19..];
    if let Some(frac) = rest.strip_prefix('.') {
        let digits = frac.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 {
            return None;
        }
        rest = &frac[digits..];
    }
    let offset = match rest {
        "" | "Z" | "z" => 0,
        _ if rest.len() == 6
            && matches!(&rest[..1], "+" | "-")
            && &rest[3..4] == ":"
            && rest[1..3]
                .bytes()
                .chain(rest[4..6].bytes())
                .all(|b| b.is_ascii_digit()) =>
        {
            let h: i64 = rest[1..3].parse().ok().filter(|h| (0..24).contains(h))?;
            let m: i64 = rest[4..6].parse().ok().filter(|m| (0..60).contains(m))?;
            let sign = if rest.starts_with('-') { -1 } else { 1 };
            sign * (h * 3600 + m * 60)
        }
        _ => return None,
    };
    Some(days * 86_400 + hour * 3600 + minute * 60 + second - offset)
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// `--window`: `off` (no window, not even a preset's default) or a duration.
pub fn parse_window(s: &str) -> Result<Option<Timestamp>, CliError> {
    if s == "off" {
        return Ok(None);
    }
    parse_duration(s).map(Some)
}

/// `90`, `90s`, `30m`, `12h`, `3d` → seconds.
pub fn parse_duration(s: &str) -> Result<Timestamp, CliError> {
    let bad = || {
        CliError::Usage(format!(
            "--window {s:?}: expected a duration such as 90s, 30m, 12h or 3d"
        ))
    };
    let (digits, unit) = s.split_at(s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len()));
    let n: i64 = digits.parse().map_err(|_| bad())?;
    let scale = match unit {
        "" | "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86_400,
        "w" => 7 * 86_400,
        _ => return Err(bad()),
    };
    n.checked_mul(scale).ok_or_else(bad)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3339() {
        assert_eq!(parse_rfc3339("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(parse_rfc3339("2023-09-05T10:00:00Z"), Some(1_693_908_000));
        assert_eq!(
            parse_rfc3339("2023-09-05T12:00:00.25+02:00"),
            Some(1_693_908_000)
        );
        assert_eq!(
            parse_rfc3339("2000-02-29T00:00:00-00:30"),
            Some(951_784_200)
        );
        assert_eq!(parse_rfc3339("2023-13-05T10:00:00Z"), None);
        // A date alone is its midnight, a time without offset UTC.
        assert_eq!(parse_rfc3339("2023-09-05"), Some(1_693_872_000));
        assert_eq!(parse_rfc3339("2023-09-05T10:00:00"), Some(1_693_908_000));
        assert_eq!(parse_rfc3339("2023-09-05 10:00:00.25"), Some(1_693_908_000));
        assert_eq!(parse_rfc3339("2023-09-5"), None);
        assert_eq!(parse_rfc3339("2023-09-05T10:00"), None);
        assert_eq!(parse_rfc3339("2023-09-05T"), None);
        assert_eq!(parse_rfc3339("2023-02-29"), None);
        assert_eq!(parse_rfc3339("2024-02-29"), Some(1_709_164_800));
        assert_eq!(parse_rfc3339("yesterday at noon!!"), None);
        assert_eq!(parse_rfc3339("2023-09-05T10:00:00é0:00"), None);
        assert_eq!(parse_rfc3339("2023-02-29T10:00:00Z"), None);
        assert_eq!(parse_rfc3339("2023-09-05T10:00:00+25:00"), None);
        assert_eq!(parse_rfc3339("2024-02-29T00:00:00Z"), Some(1_709_164_800));
        assert_eq!(parse_rfc3339("2023-09-05T10:00:00++1:00"), None);
        assert_eq!(parse_rfc3339("2023-09-05T10:00:00+1:-0"), None);
    }

    #[test]
    fn numeric_times_out_of_range_are_errors() {
        assert_eq!(record_time(r#"{"time": 12.7}"#), Ok(Some(12)));
        assert_eq!(record_time(r#"{"time": -1.5}"#), Ok(Some(-2)));
        assert!(record_time(r#"{"time": 1e30}"#).is_err());
        assert!(record_time(r#"{"time": -1e30}"#).is_err());
        assert!(record_time(r#"{"time": 18446744073709551615}"#).is_err());
    }

    #[test]
    fn durations() {
        assert_eq!(parse_duration("90").unwrap(), 90);
        assert_eq!(parse_duration("30m").unwrap(), 1800);
        assert_eq!(parse_duration("3d").unwrap(), 259_200);
        assert!(parse_duration("3 days").is_err());
        assert!(parse_duration("").is_err());
    }
}
