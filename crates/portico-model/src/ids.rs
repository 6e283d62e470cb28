//! Identifier newtypes, so that one kind of id cannot be passed where another belongs.

use std::fmt;

use serde::{Deserialize, Serialize};

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, Default)]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            /// Wraps an identifier string as it appears on the wire.
            pub fn new(value: impl Into<String>) -> Self {
                Self(value.into())
            }

            /// The identifier as it appears on the wire.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl From<&str> for $name {
            fn from(value: &str) -> Self {
                Self(value.to_owned())
            }
        }
    };
}

id_type!(
    /// A RestApi id: 10 lowercase alphanumerics, the first label of the invoke host.
    RestApiId
);
id_type!(
    /// A Resource id: 6 lowercase alphanumerics (the root resource has 10).
    ResourceId
);
id_type!(
    /// A Deployment id: 6 lowercase alphanumerics.
    DeploymentId
);

/// The alphabet of generated ids (AWS uses lowercase letters and digits).
pub const ID_ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";

/// Length of generated RestApi ids and of the root resource's id.
pub const REST_API_ID_LEN: usize = 10;

/// Length of generated child ids (resources, deployments).
pub const CHILD_ID_LEN: usize = 6;

/// Builds an id of `len` characters from random bytes supplied by the caller.
pub fn id_from_random(random: &[u8], len: usize) -> String {
    random
        .iter()
        .take(len)
        .map(|b| char::from(ID_ALPHABET[usize::from(*b) % ID_ALPHABET.len()]))
        .collect()
}
