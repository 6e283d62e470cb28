//! Claims as AWS hands them to `$context.authorizer.claims` and the proxy event's
//! `requestContext.authorizer.claims`: a map of strings. What AWS does, from captured REST API
//! events (reference §12; the array and date forms are observed, not documented):
//!
//! * strings are kept; numbers and booleans become their JSON text (`"auth_time":
//!   "1587038744"`, `"email_verified": "true"`);
//! * `exp` and `iat` (and, by the same rule, `nbf`) become Java `Date` text in UTC:
//!   `"Sun Apr 19 08:06:14 UTC 2020"`;
//! * arrays become their elements joined with `,` (`"cognito:groups": "admins,users"`, one
//!   group bare), each non-string element as its JSON text;
//! * objects (and `null`) become their JSON text.

use serde_json::{Map, Value};

/// The claims rendered as strings, in their original order (see the module text for the
/// rules).
pub fn claims_as_strings(claims: &Map<String, Value>) -> Map<String, Value> {
    claims
        .iter()
        .map(|(name, value)| (name.clone(), Value::String(render(name, value))))
        .collect()
}

fn render(name: &str, value: &Value) -> String {
    match value {
        Value::String(text) => text.clone(),
        Value::Number(number) if matches!(name, "exp" | "iat" | "nbf") => number
            .as_f64()
            .and_then(java_date)
            .unwrap_or_else(|| number.to_string()),
        Value::Array(items) => {
            let rendered: Vec<String> = items
                .iter()
                .map(|item| match item {
                    Value::String(text) => text.clone(),
                    other => other.to_string(),
                })
                .collect();
            rendered.join(",")
        }
        other => other.to_string(),
    }
}

/// `java.util.Date#toString` in UTC (`EEE MMM dd HH:mm:ss zzz yyyy`) for epoch seconds between
/// 1970 and 9999; `None` outside that range.
fn java_date(seconds: f64) -> Option<String> {
    const LAST: f64 = 253_402_300_799.0; // 9999-12-31T23:59:59Z
    if !(0.0..=LAST).contains(&seconds) {
        return None;
    }
    // In range and non-negative, so the truncation is the floor and fits.
    let seconds = seconds as i64;
    let (days, second_of_day) = (seconds / 86_400, seconds % 86_400);
    let (year, month, day) = civil_from_days(days);
    const WEEKDAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let weekday = WEEKDAYS.get(usize::try_from(days % 7).ok()?)?;
    let month = MONTHS.get(usize::try_from(month - 1).ok()?)?;
    Some(format!(
        "{weekday} {month} {day:02} {:02}:{:02}:{:02} UTC {year}",
        second_of_day / 3600,
        second_of_day / 60 % 60,
        second_of_day % 60,
    ))
}

/// Days since 1970-01-01 → (year, month 1–12, day 1–31), proleptic Gregorian (Howard
/// Hinnant's `civil_from_days`, for non-negative days).
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let shifted = days + 719_468;
    let era = shifted / 146_097;
    let day_of_era = shifted - era * 146_097;
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_index = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * month_index + 2) / 5 + 1;
    let month = if month_index < 10 {
        month_index + 3
    } else {
        month_index - 9
    };
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use super::claims_as_strings;

    fn check(claims: &Value, expected: &Value) {
        let claims = claims.as_object().expect("claims are an object");
        assert_eq!(&Value::Object(claims_as_strings(claims)), expected);
    }

    #[test]
    fn strings_numbers_and_booleans_become_strings() {
        check(
            &json!({"sub": "abc", "auth_time": 1587038744, "email_verified": true, "ratio": 0.5}),
            &json!({"sub": "abc", "auth_time": "1587038744", "email_verified": "true", "ratio": "0.5"}),
        );
    }

    #[test]
    fn exp_and_iat_become_java_dates_in_utc() {
        // Pairs seen in real events: auth_time 1469814773 with iat "Fri Jul 29 17:52:53 UTC 2016".
        check(
            &json!({"iat": 1469814773, "exp": 1701883372, "nbf": 0, "auth_time": 1469814773}),
            &json!({
                "iat": "Fri Jul 29 17:52:53 UTC 2016",
                "exp": "Wed Dec 06 17:22:52 UTC 2023",
                "nbf": "Thu Jan 01 00:00:00 UTC 1970",
                "auth_time": "1469814773",
            }),
        );
        check(
            &json!({"exp": 951782400.9, "iat": 4107542399_i64}),
            &json!({"exp": "Tue Feb 29 00:00:00 UTC 2000", "iat": "Sun Feb 28 23:59:59 UTC 2100"}),
        );
    }

    #[test]
    fn dates_out_of_range_stay_numbers() {
        check(
            &json!({"exp": -1, "iat": 1e20}),
            &json!({"exp": "-1", "iat": "1e+20"}),
        );
    }

    #[test]
    fn arrays_join_with_commas_and_objects_become_json_text() {
        check(
            &json!({
                "cognito:groups": ["admins", "users"],
                "one": ["admins"],
                "none": [],
                "identities": [{"userId": "1", "primary": "true"}],
                "address": {"country": "FR"},
                "gone": null,
            }),
            &json!({
                "cognito:groups": "admins,users",
                "one": "admins",
                "none": "",
                "identities": r#"{"userId":"1","primary":"true"}"#,
                "address": r#"{"country":"FR"}"#,
                "gone": "null",
            }),
        );
    }
}
