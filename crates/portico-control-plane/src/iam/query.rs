//! The AWS Query protocol's request side: a form-encoded body of `Name=value` pairs, lists as
//! `Name.member.N` and structures in lists as `Name.member.N.Field`.

use std::collections::BTreeMap;

use portico_model::iam::{self, IamError, Tag};

use crate::wire::QueryParams;

/// The decoded parameters of one IAM request.
#[derive(Debug, Default)]
pub(crate) struct Params {
    values: BTreeMap<String, String>,
}

// === impl Params ===

impl Params {
    /// Parses an `application/x-www-form-urlencoded` body; a repeated name keeps its first value.
    pub(crate) fn parse(body: &[u8]) -> Params {
        let text = String::from_utf8_lossy(body);
        let mut values = BTreeMap::new();
        for (name, value) in QueryParams::parse(Some(&text)).pairs() {
            values
                .entry(name.to_owned())
                .or_insert_with(|| value.to_owned());
        }
        Params { values }
    }

    /// The value of `name`, if given.
    pub(crate) fn get(&self, name: &str) -> Option<&str> {
        self.values.get(name).map(String::as_str)
    }

    /// The value of `name`, or IAM's "must not be null" naming `field`.
    pub(crate) fn required(&self, name: &str, field: &str) -> Result<&str, IamError> {
        self.get(name).ok_or_else(|| iam::missing(field))
    }

    /// A list of strings, `Name.member.1`, `Name.member.2`…, in index order.
    pub(crate) fn list(&self, name: &str) -> Vec<String> {
        self.members(name)
            .into_iter()
            .filter(|(_, field, _)| field.is_empty())
            .map(|(_, _, value)| value.to_owned())
            .collect()
    }

    /// `Tags.member.N.Key` / `Tags.member.N.Value`, in index order. A tag without a key is a
    /// validation error; one without a value has the empty value.
    pub(crate) fn tags(&self, name: &str) -> Result<Vec<Tag>, IamError> {
        let mut by_index: BTreeMap<u32, (Option<String>, Option<String>)> = BTreeMap::new();
        for (index, field, value) in self.members(name) {
            let entry = by_index.entry(index).or_default();
            match field {
                "Key" => entry.0 = Some(value.to_owned()),
                "Value" => entry.1 = Some(value.to_owned()),
                _ => {}
            }
        }
        by_index
            .into_iter()
            .map(|(index, (key, value))| {
                let key = key.ok_or_else(|| iam::missing(&format!("tags.{index}.member.key")))?;
                Ok(Tag {
                    key,
                    value: value.unwrap_or_default(),
                })
            })
            .collect()
    }

    /// `MaxItems` (default 100) and `Marker` of a list operation.
    pub(crate) fn paging(&self) -> Result<(usize, Option<&str>), IamError> {
        let max_items = match self.get("MaxItems") {
            Some(value) => iam::check_max_items("maxItems", value)?,
            None => iam::DEFAULT_MAX_ITEMS,
        };
        Ok((max_items, self.get("Marker")))
    }

    /// `(index, field after the index, value)` of every `Name.member.N[.Field]` parameter,
    /// sorted by index.
    fn members(&self, name: &str) -> Vec<(u32, &str, &str)> {
        let prefix = format!("{name}.member.");
        let mut members: Vec<(u32, &str, &str)> = self
            .values
            .iter()
            .filter_map(|(key, value)| {
                let rest = key.strip_prefix(&prefix)?;
                let (index, field) = rest.split_once('.').unwrap_or((rest, ""));
                Some((index.parse().ok()?, field, value.as_str()))
            })
            .collect();
        members.sort_by_key(|(index, _, _)| *index);
        members
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_and_lists_come_in_index_order() {
        let params = Params::parse(
            b"Action=TagUser&UserName=bob&Tags.member.10.Key=k10&Tags.member.10.Value=v%2010\
              &Tags.member.2.Key=k2&Tags.member.2.Value=a+b&TagKeys.member.2=y&TagKeys.member.1=x",
        );
        assert_eq!(params.get("UserName"), Some("bob"));
        let tags = params.tags("Tags").unwrap();
        assert_eq!(
            tags,
            [
                Tag {
                    key: "k2".into(),
                    value: "a b".into()
                },
                Tag {
                    key: "k10".into(),
                    value: "v 10".into()
                },
            ]
        );
        assert_eq!(params.list("TagKeys"), ["x", "y"]);
    }

    #[test]
    fn a_tag_without_a_key_is_refused() {
        let params = Params::parse(b"Tags.member.1.Value=v");
        assert_eq!(params.tags("Tags").unwrap_err().code(), "ValidationError");
    }

    #[test]
    fn missing_required_parameters_are_named() {
        let params = Params::parse(b"Action=GetUserPolicy");
        assert_eq!(
            params
                .required("UserName", "userName")
                .unwrap_err()
                .to_string(),
            "1 validation error detected: Value null at 'userName' failed to satisfy \
             constraint: Member must not be null"
        );
    }

    #[test]
    fn paging_defaults_to_100_items() {
        assert_eq!(Params::parse(b"").paging().unwrap(), (100, None));
        assert_eq!(
            Params::parse(b"MaxItems=2&Marker=bob").paging().unwrap(),
            (2, Some("bob"))
        );
        assert!(Params::parse(b"MaxItems=0").paging().is_err());
    }
}
