//! Wire-format helpers: string enums, timestamps and request-body parsing with AWS's messages.

use serde::de::DeserializeOwned;

use crate::ModelError;

/// Epoch seconds, the form in which AWS's JSON carries timestamps.
pub type Timestamp = i64;

/// Marks a serde error raised by a [`wire_enum!`] type, so that [`parse_input`] can turn it
/// into AWS's enum-violation message with the path of the offending member.
const ENUM_ERROR_MARKER: &str = "\u{0}enum\u{0}";

/// Builds the serde error message a [`wire_enum!`] type raises for an unknown value.
pub fn enum_error_message(value: &str, allowed: &[&str]) -> String {
    format!("{ENUM_ERROR_MARKER}{value}\u{0}{}", allowed.join(", "))
}

/// Defines a closed set of AWS string values as a Rust enum that (de)serialises as those
/// strings and reports unknown values with AWS's enum-violation message.
#[macro_export]
macro_rules! wire_enum {
    ($(#[$doc:meta])* $name:ident { $($(#[$vdoc:meta])* $variant:ident => $wire:literal),+ $(,)? }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name {
            $($(#[$vdoc])* $variant),+
        }

        impl $name {
            /// Every wire value, in AWS's order.
            pub const ALL: &'static [&'static str] = &[$($wire),+];

            /// The wire value.
            pub fn as_str(self) -> &'static str {
                match self {
                    $(Self::$variant => $wire),+
                }
            }

            /// Parses a wire value exactly (AWS enums are case-sensitive).
            pub fn parse(value: &str) -> Option<Self> {
                match value {
                    $($wire => Some(Self::$variant),)+
                    _ => None,
                }
            }

            /// Parses a wire value or reports AWS's enum violation for `field`.
            pub fn parse_field(field: &str, value: &str) -> Result<Self, $crate::ModelError> {
                Self::parse(value).ok_or_else(|| $crate::ModelError::enum_violation(field, value, Self::ALL))
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl ::serde::Serialize for $name {
            fn serialize<S: ::serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> ::serde::Deserialize<'de> for $name {
            fn deserialize<D: ::serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let value = <String as ::serde::Deserialize>::deserialize(deserializer)?;
                Self::parse(&value).ok_or_else(|| {
                    <D::Error as ::serde::de::Error>::custom($crate::wire::enum_error_message(&value, Self::ALL))
                })
            }
        }
    };
}

/// Parses a JSON request body into an operation's input type. `input_name` is AWS's name of
/// the input shape in camelCase (`createRestApiInput`), used to name fields in messages.
/// An empty body means "no members".
pub fn parse_input<T: DeserializeOwned>(input_name: &str, body: &[u8]) -> Result<T, ModelError> {
    let body: &[u8] = if body.iter().all(u8::is_ascii_whitespace) {
        b"{}"
    } else {
        body
    };
    let mut deserializer = serde_json::Deserializer::from_slice(body);
    let parsed: Result<T, _> = serde_path_to_error::deserialize(&mut deserializer);
    let value = parsed.map_err(|err| {
        let path = err.path().to_string();
        let inner = err.into_inner();
        let message = inner.to_string();
        match message.strip_prefix(ENUM_ERROR_MARKER) {
            Some(rest) => {
                let rest = strip_position(rest);
                let (value, allowed) = rest.split_once('\u{0}').unwrap_or((rest, ""));
                let value = value.to_owned();
                let allowed: Vec<&str> = allowed.split(", ").collect();
                ModelError::enum_violation(&format!("{input_name}.{path}"), &value, &allowed)
            }
            None if inner.is_data() && path != "." => ModelError::bad_request(format!(
                "Could not parse request body into json: invalid value at '{path}': {}",
                strip_position(&message)
            )),
            None => ModelError::bad_request(format!(
                "Could not parse request body into json: {}",
                strip_position(&message)
            )),
        }
    })?;
    deserializer.end().map_err(|err| {
        ModelError::bad_request(format!("Could not parse request body into json: {err}"))
    })?;
    Ok(value)
}

/// serde_json appends " at line L column C" to data errors; the path says more to a user.
fn strip_position(message: &str) -> &str {
    match message.rfind(" at line ") {
        Some(index) => &message[..index],
        None => message,
    }
}

/// A header name with the first letter of each dash-separated word upper case
/// (`content-type` → `Content-Type`), the rest as given: how CloudFront hands names to EDGE
/// APIs, and how AWS shows them in test invocations.
pub fn capitalised_header_name(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut word_start = true;
    for ch in name.chars() {
        out.push(if word_start {
            ch.to_ascii_uppercase()
        } else {
            ch
        });
        word_start = ch == '-';
    }
    out
}

/// Returns the value of a required input member or AWS's "must not be null" violation.
pub fn required<T>(field: &str, value: Option<T>) -> Result<T, ModelError> {
    value.ok_or_else(|| {
        ModelError::bad_request(format!(
            "1 validation error detected: Value null at '{field}' failed to satisfy constraint: \
             Member must not be null"
        ))
    })
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;

    use super::*;

    #[test]
    fn header_names_are_capitalised_word_by_word() {
        assert_eq!(capitalised_header_name("content-type"), "Content-Type");
        assert_eq!(
            capitalised_header_name("x-amzn-trace-id"),
            "X-Amzn-Trace-Id"
        );
        assert_eq!(capitalised_header_name("X-API-Key"), "X-API-Key");
        assert_eq!(capitalised_header_name("host"), "Host");
        assert_eq!(capitalised_header_name("a--b"), "A--B");
    }

    wire_enum!(Color { Red => "RED", Blue => "BLUE" });

    #[derive(Debug, Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Input {
        #[allow(dead_code)]
        name: Option<String>,
        #[allow(dead_code)]
        color: Option<Color>,
        #[allow(dead_code)]
        enabled: Option<bool>,
    }

    #[test]
    fn unknown_enum_value_names_the_member_like_aws() {
        let err = parse_input::<Input>("paintInput", br#"{"color":"GREEN"}"#).unwrap_err();
        assert_eq!(
            err,
            ModelError::BadRequest(
                "1 validation error detected: Value 'GREEN' at 'paintInput.color' failed to \
                 satisfy constraint: Member must satisfy enum value set: [RED, BLUE]"
                    .into()
            )
        );
    }

    #[test]
    fn parse_field_reports_the_field() {
        assert_eq!(Color::parse_field("x", "RED").unwrap(), Color::Red);
        assert!(
            Color::parse_field("x.color", "red")
                .unwrap_err()
                .to_string()
                .contains("'x.color'")
        );
    }

    #[test]
    fn wrong_type_names_the_member() {
        let err = parse_input::<Input>("paintInput", br#"{"enabled":"yes"}"#).unwrap_err();
        let ModelError::BadRequest(message) = err else {
            panic!()
        };
        assert!(message.contains("'enabled'"), "{message}");
        assert!(!message.contains("line"), "{message}");
    }

    #[test]
    fn malformed_json_is_a_bad_request() {
        let err = parse_input::<Input>("paintInput", b"{\"name\":").unwrap_err();
        assert!(
            matches!(err, ModelError::BadRequest(m) if m.starts_with("Could not parse request body"))
        );
    }

    #[test]
    fn empty_body_means_no_members() {
        let input = parse_input::<Input>("paintInput", b"").unwrap();
        assert!(input.name.is_none());
    }

    #[test]
    fn trailing_garbage_is_rejected() {
        assert!(parse_input::<Input>("paintInput", b"{} x").is_err());
    }
}
