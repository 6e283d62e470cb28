//! The AWS Query protocol's response side: `<ActionResponse>` documents with a result
//! element and `ResponseMetadata`, `<ErrorResponse>` documents, and the IAM shapes
//! (`User`, `AccessKey`, `Policy`…) in the member order of botocore's `iam` model.

use std::collections::BTreeMap;

use axum::body::Body;
use axum::response::Response;
use http::{HeaderValue, StatusCode, header};
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use portico_model::iam::{AccessKey, ManagedPolicy, User};

use super::error::IamApiError;
use crate::wire::iso8601;

/// The namespace of every IAM response document.
pub const NAMESPACE: &str = "https://iam.amazonaws.com/doc/2010-05-08/";

/// Characters a policy document keeps unencoded (URL encoding, as IAM returns documents).
const DOCUMENT_ENCODE: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

/// An XML fragment under construction; text is escaped as it is added.
#[derive(Debug, Default)]
pub struct Xml {
    out: String,
}

// === impl Xml ===

impl Xml {
    /// `<tag>value</tag>`, with `value` escaped.
    pub fn text(&mut self, tag: &str, value: &str) -> &mut Xml {
        self.open(tag);
        escape_into(&mut self.out, value);
        self.close(tag)
    }

    /// `<tag>` and whatever `body` writes, then `</tag>`.
    pub fn element(&mut self, tag: &str, body: impl FnOnce(&mut Xml)) -> &mut Xml {
        self.open(tag);
        body(self);
        self.close(tag)
    }

    /// `<tag><member>…</member>…</tag>`: a list, each item written by `each`.
    pub fn members<T>(
        &mut self,
        tag: &str,
        items: impl IntoIterator<Item = T>,
        mut each: impl FnMut(&mut Xml, T),
    ) -> &mut Xml {
        self.element(tag, |xml| {
            for item in items {
                xml.element("member", |xml| each(xml, item));
            }
        })
    }

    /// `IsTruncated` and, when truncated, `Marker`: the end of every list result.
    pub fn page_end(&mut self, marker: Option<&str>) -> &mut Xml {
        self.text(
            "IsTruncated",
            if marker.is_some() { "true" } else { "false" },
        );
        if let Some(marker) = marker {
            self.text("Marker", marker);
        }
        self
    }

    /// The fragment written so far.
    pub fn into_string(self) -> String {
        self.out
    }

    fn open(&mut self, tag: &str) {
        self.out.push('<');
        self.out.push_str(tag);
        self.out.push('>');
    }

    fn close(&mut self, tag: &str) -> &mut Xml {
        self.out.push_str("</");
        self.out.push_str(tag);
        self.out.push('>');
        self
    }
}

/// The fields of the `User` shape; tags only where IAM returns them (CreateUser, GetUser).
pub fn user_fields(xml: &mut Xml, user: &User, with_tags: bool) {
    xml.text("Path", &user.path)
        .text("UserName", &user.user_name)
        .text("UserId", &user.user_id)
        .text("Arn", &user.arn)
        .text("CreateDate", &iso8601(user.create_date));
    if with_tags && !user.tags.is_empty() {
        tags(xml, &user.tags);
    }
}

/// `<Tags>` with one member per tag.
pub fn tags(xml: &mut Xml, tags: &BTreeMap<String, String>) {
    xml.members("Tags", tags, |xml, (key, value)| {
        xml.text("Key", key).text("Value", value);
    });
}

/// The `AccessKey` shape, secret included: only CreateAccessKey returns it.
pub fn new_access_key(xml: &mut Xml, user_name: &str, key: &AccessKey) {
    xml.element("AccessKey", |xml| {
        xml.text("UserName", user_name)
            .text("AccessKeyId", &key.access_key_id)
            .text("Status", key.status.as_str())
            .text("SecretAccessKey", &key.secret_access_key)
            .text("CreateDate", &iso8601(key.create_date));
    });
}

/// The fields of the `AccessKeyMetadata` shape (no secret); `user_name` is `None` for root.
pub fn access_key_metadata(
    xml: &mut Xml,
    user_name: Option<&str>,
    access_key_id: &str,
    status: &str,
    create_date: Option<i64>,
) {
    if let Some(user_name) = user_name {
        xml.text("UserName", user_name);
    }
    xml.text("AccessKeyId", access_key_id)
        .text("Status", status);
    if let Some(create_date) = create_date {
        xml.text("CreateDate", &iso8601(create_date));
    }
}

/// The fields of the `Policy` shape.
pub fn policy_fields(xml: &mut Xml, policy: &ManagedPolicy, attachment_count: usize) {
    xml.text("PolicyName", &policy.policy_name)
        .text("PolicyId", &policy.policy_id)
        .text("Arn", &policy.arn)
        .text("Path", &policy.path)
        .text("DefaultVersionId", &policy.default_version_id)
        .text("AttachmentCount", &attachment_count.to_string())
        .text("PermissionsBoundaryUsageCount", "0")
        .text("IsAttachable", "true");
    if let Some(description) = &policy.description {
        xml.text("Description", description);
    }
    xml.text("CreateDate", &iso8601(policy.create_date))
        .text("UpdateDate", &iso8601(policy.update_date));
    if !policy.tags.is_empty() {
        tags(xml, &policy.tags);
    }
}

/// A policy document as IAM returns it: URL-encoded (botocore decodes it back).
pub fn encode_document(document: &str) -> String {
    utf8_percent_encode(document, DOCUMENT_ENCODE).to_string()
}

/// `<ActionResponse>` with `<ActionResult>` (when the operation has output) and the request id.
pub fn response(action: &str, result: Option<&str>, request_id: &str) -> Response {
    let mut xml = Xml::default();
    xml.out
        .push_str(&format!(r#"<{action}Response xmlns="{NAMESPACE}">"#));
    if let Some(result) = result {
        xml.open(&format!("{action}Result"));
        xml.out.push_str(result);
        xml.close(&format!("{action}Result"));
    }
    xml.element("ResponseMetadata", |xml| {
        xml.text("RequestId", request_id);
    });
    xml.close(&format!("{action}Response"));
    xml_response(StatusCode::OK, xml.into_string())
}

/// `<ErrorResponse>` for `err`, with its status.
pub fn error_response(err: &IamApiError, request_id: &str) -> Response {
    let message = match err {
        IamApiError::ServiceFailure(source) => {
            tracing::error!(error = %source, cause = ?source, "IAM operation failed");
            "An internal error occurred. Please retry your request.".to_owned()
        }
        other => other.to_string(),
    };
    let mut xml = Xml::default();
    xml.out
        .push_str(&format!(r#"<ErrorResponse xmlns="{NAMESPACE}">"#));
    xml.element("Error", |xml| {
        xml.text("Type", err.fault())
            .text("Code", err.code())
            .text("Message", &message);
    });
    xml.text("RequestId", request_id);
    xml.close("ErrorResponse");
    xml_response(err.status(), xml.into_string())
}

fn xml_response(status: StatusCode, body: String) -> Response {
    let mut response = Response::new(Body::from(body));
    *response.status_mut() = status;
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static("text/xml"));
    response
}

/// Escapes XML text. Characters XML 1.0 cannot carry at all become U+FFFD; carriage returns
/// are written as a reference so parsers do not normalise them away.
fn escape_into(out: &mut String, text: &str) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\r' => out.push_str("&#xD;"),
            '\t' | '\n' => out.push(c),
            c if c < ' ' || c == '\u{FFFE}' || c == '\u{FFFF}' => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use portico_model::iam::IamError;

    async fn body(response: Response) -> String {
        let bytes = axum::body::to_bytes(response.into_body(), 1 << 20)
            .await
            .unwrap();
        String::from_utf8(bytes.to_vec()).unwrap()
    }

    #[test]
    fn text_is_escaped() {
        let mut xml = Xml::default();
        xml.text("Message", "a<b & \"c\" 'd'>\r\u{1}");
        assert_eq!(
            xml.into_string(),
            "<Message>a&lt;b &amp; &quot;c&quot; &apos;d&apos;&gt;&#xD;\u{FFFD}</Message>"
        );
    }

    #[tokio::test]
    async fn responses_wrap_the_result_and_name_the_request() {
        let user = User {
            user_name: "bob".into(),
            user_id: "AIDAEXAMPLE".into(),
            arn: "arn:aws:iam::000000000000:user/bob".into(),
            path: "/".into(),
            create_date: 0,
            tags: BTreeMap::from([("team".to_owned(), "a&b".to_owned())]),
        };
        let mut result = Xml::default();
        result.element("User", |xml| user_fields(xml, &user, true));
        let response = response("CreateUser", Some(&result.into_string()), "req-1");
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(response.headers()[header::CONTENT_TYPE], "text/xml");
        assert_eq!(
            body(response).await,
            "<CreateUserResponse xmlns=\"https://iam.amazonaws.com/doc/2010-05-08/\">\
             <CreateUserResult><User><Path>/</Path><UserName>bob</UserName>\
             <UserId>AIDAEXAMPLE</UserId><Arn>arn:aws:iam::000000000000:user/bob</Arn>\
             <CreateDate>1970-01-01T00:00:00Z</CreateDate><Tags><member><Key>team</Key>\
             <Value>a&amp;b</Value></member></Tags></User></CreateUserResult>\
             <ResponseMetadata><RequestId>req-1</RequestId></ResponseMetadata>\
             </CreateUserResponse>"
        );
    }

    #[tokio::test]
    async fn operations_without_output_have_only_metadata() {
        let response = response("DeleteUser", None, "r");
        assert_eq!(
            body(response).await,
            "<DeleteUserResponse xmlns=\"https://iam.amazonaws.com/doc/2010-05-08/\">\
             <ResponseMetadata><RequestId>r</RequestId></ResponseMetadata></DeleteUserResponse>"
        );
    }

    #[tokio::test]
    async fn errors_carry_type_code_message_and_status() {
        let err = IamApiError::from(IamError::no_such_user("bob<1>"));
        let response = error_response(&err, "r");
        assert_eq!(response.status(), StatusCode::NOT_FOUND);
        assert_eq!(
            body(response).await,
            "<ErrorResponse xmlns=\"https://iam.amazonaws.com/doc/2010-05-08/\"><Error>\
             <Type>Sender</Type><Code>NoSuchEntity</Code>\
             <Message>The user with name bob&lt;1&gt; cannot be found.</Message></Error>\
             <RequestId>r</RequestId></ErrorResponse>"
        );
        let failure = IamApiError::ServiceFailure("disk on fire".into());
        let response = error_response(&failure, "r");
        assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
        let text = body(response).await;
        assert!(text.contains("<Type>Receiver</Type>"));
        assert!(!text.contains("disk on fire"));
    }

    #[test]
    fn documents_are_url_encoded() {
        assert_eq!(
            encode_document(r#"{"a": "b/c*"}"#),
            "%7B%22a%22%3A%20%22b%2Fc%2A%22%7D"
        );
    }
}
