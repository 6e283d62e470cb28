//! Table-driven corpus: AWS's documented policy examples, each evaluated against requests, and
//! malformed documents with the message IAM gives.

use portico_policy::{
    ConditionKeys, Decision, Policy, PolicyError, PolicyKind, Principal, RequestContext, evaluate,
};

const ACCOUNT: &str = "123456789012";
const ALICE: &str = "arn:aws:iam::123456789012:user/alice";
const API: &str = "arn:aws:execute-api:us-east-1:123456789012:abc123";

/// One request: action, resource and condition keys as `(key, value)` pairs (a key repeated
/// becomes multivalued).
struct Request<'a> {
    principal: Principal<'a>,
    action: &'a str,
    resource: &'a str,
    keys: &'a [(&'a str, &'a str)],
}

fn req<'a>(action: &'a str, resource: &'a str, keys: &'a [(&'a str, &'a str)]) -> Request<'a> {
    Request {
        principal: Principal::Aws {
            arn: ALICE,
            account: ACCOUNT,
        },
        action,
        resource,
        keys,
    }
}

fn invoke<'a>(keys: &'a [(&'a str, &'a str)]) -> Request<'a> {
    req(
        "execute-api:Invoke",
        "arn:aws:execute-api:us-east-1:123456789012:abc123/prod/GET/pets",
        keys,
    )
}

fn decide(policies: &[&Policy], request: &Request<'_>) -> Decision {
    let mut keys = ConditionKeys::default();
    for (key, value) in request.keys {
        keys.insert(key, *value);
    }
    let ctx = RequestContext {
        principal: request.principal,
        action: request.action,
        resource: request.resource,
        keys: &keys,
    };
    evaluate(policies.iter().copied(), &ctx)
}

/// Identity policy with one statement `statement` (a JSON object body), checked against cases.
fn check_identity(statement: &str, cases: &[(Request<'_>, Decision)]) {
    let json = format!(r#"{{"Version":"2012-10-17","Statement":[{statement}]}}"#);
    let policy =
        Policy::parse(&json, PolicyKind::Identity).unwrap_or_else(|err| panic!("{json}: {err}"));
    for (index, (request, expected)) in cases.iter().enumerate() {
        assert_eq!(
            decide(&[&policy], request),
            *expected,
            "case {index} of {json}"
        );
    }
}

fn allow_if(condition: &str) -> String {
    format!(
        r#"{{"Effect":"Allow","Action":"execute-api:Invoke","Resource":"*","Condition":{condition}}}"#
    )
}

use Decision::{Allow, ExplicitDeny, ImplicitDeny};

#[test]
fn string_operators() {
    check_identity(
        &allow_if(r#"{"StringEquals":{"aws:PrincipalTag/team":["a","b"]}}"#),
        &[
            (invoke(&[("aws:PrincipalTag/team", "b")]), Allow),
            (invoke(&[("aws:principaltag/TEAM", "a")]), Allow),
            (invoke(&[("aws:PrincipalTag/team", "A")]), ImplicitDeny),
            (invoke(&[]), ImplicitDeny),
        ],
    );
    check_identity(
        &allow_if(r#"{"StringNotEquals":{"aws:PrincipalTag/team":["a","b"]}}"#),
        &[
            (invoke(&[("aws:PrincipalTag/team", "c")]), Allow),
            (invoke(&[("aws:PrincipalTag/team", "a")]), ImplicitDeny),
            (invoke(&[]), Allow),
        ],
    );
    check_identity(
        &allow_if(r#"{"StringEqualsIgnoreCase":{"aws:UserAgent":"Curl/8"}}"#),
        &[
            (invoke(&[("aws:UserAgent", "curl/8")]), Allow),
            (invoke(&[("aws:UserAgent", "curl/7")]), ImplicitDeny),
        ],
    );
    check_identity(
        &allow_if(r#"{"StringNotEqualsIgnoreCase":{"aws:UserAgent":"Curl/8"}}"#),
        &[
            (invoke(&[("aws:UserAgent", "CURL/8")]), ImplicitDeny),
            (invoke(&[("aws:UserAgent", "wget")]), Allow),
        ],
    );
    check_identity(
        &allow_if(
            r#"{"StringLike":{"aws:Referer":["https://example.com/*","http://?.example.com"]}}"#,
        ),
        &[
            (
                invoke(&[("aws:Referer", "https://example.com/page")]),
                Allow,
            ),
            (invoke(&[("aws:Referer", "http://a.example.com")]), Allow),
            (
                invoke(&[("aws:Referer", "http://ab.example.com")]),
                ImplicitDeny,
            ),
        ],
    );
    check_identity(
        &allow_if(r#"{"StringNotLike":{"aws:Referer":"https://evil.*"}}"#),
        &[
            (invoke(&[("aws:Referer", "https://evil.com")]), ImplicitDeny),
            (invoke(&[("aws:Referer", "https://good.com")]), Allow),
        ],
    );
    // StringEquals treats `*` literally.
    check_identity(
        &allow_if(r#"{"StringEquals":{"aws:Referer":"a*"}}"#),
        &[
            (invoke(&[("aws:Referer", "abc")]), ImplicitDeny),
            (invoke(&[("aws:Referer", "a*")]), Allow),
        ],
    );
}

#[test]
fn multiple_keys_are_anded_and_operators_too() {
    check_identity(
        &allow_if(
            r#"{"StringEquals":{"aws:username":"alice","aws:PrincipalTag/team":"x"},"Bool":{"aws:SecureTransport":"true"}}"#,
        ),
        &[
            (
                invoke(&[
                    ("aws:username", "alice"),
                    ("aws:PrincipalTag/team", "x"),
                    ("aws:SecureTransport", "true"),
                ]),
                Allow,
            ),
            (
                invoke(&[
                    ("aws:username", "alice"),
                    ("aws:PrincipalTag/team", "x"),
                    ("aws:SecureTransport", "false"),
                ]),
                ImplicitDeny,
            ),
            (
                invoke(&[("aws:username", "alice"), ("aws:SecureTransport", "true")]),
                ImplicitDeny,
            ),
        ],
    );
}

#[test]
fn numeric_operators() {
    let cases: &[(&str, &str, Decision)] = &[
        ("NumericEquals", "10", Allow),
        ("NumericEquals", "10.0", Allow),
        ("NumericEquals", "11", ImplicitDeny),
        ("NumericNotEquals", "11", Allow),
        ("NumericNotEquals", "10", ImplicitDeny),
        ("NumericLessThan", "9", Allow),
        ("NumericLessThan", "10", ImplicitDeny),
        ("NumericLessThanEquals", "10", Allow),
        ("NumericGreaterThan", "11", Allow),
        ("NumericGreaterThan", "10", ImplicitDeny),
        ("NumericGreaterThanEquals", "10", Allow),
        ("NumericGreaterThanEquals", "9.5", ImplicitDeny),
        ("NumericEquals", "not-a-number", ImplicitDeny),
    ];
    for (operator, actual, expected) in cases {
        check_identity(
            &allow_if(&format!(
                r#"{{"{operator}":{{"aws:MultiFactorAuthAge":10}}}}"#
            )),
            &[(invoke(&[("aws:MultiFactorAuthAge", actual)]), *expected)],
        );
    }
}

#[test]
fn date_operators_accept_iso_and_epoch() {
    let cases: &[(&str, &str, &str, Decision)] = &[
        (
            "DateGreaterThan",
            "2020-01-01T00:00:00Z",
            "2020-06-01T00:00:00Z",
            Allow,
        ),
        (
            "DateGreaterThan",
            "2020-01-01T00:00:00Z",
            "2019-06-01T00:00:00Z",
            ImplicitDeny,
        ),
        ("DateLessThan", "2020-01-01T00:00:00Z", "1500000000", Allow),
        (
            "DateLessThanEquals",
            "1577836800",
            "2020-01-01T00:00:00Z",
            Allow,
        ),
        (
            "DateGreaterThanEquals",
            "2020-01-01",
            "2020-01-01T00:00:00Z",
            Allow,
        ),
        (
            "DateEquals",
            "2020-01-01T01:00:00+01:00",
            "2020-01-01T00:00:00Z",
            Allow,
        ),
        (
            "DateNotEquals",
            "2020-01-01T00:00:00Z",
            "2020-01-01T00:00:01Z",
            Allow,
        ),
        (
            "DateNotEquals",
            "2020-01-01T00:00:00Z",
            "2020-01-01T00:00:00Z",
            ImplicitDeny,
        ),
        (
            "DateLessThan",
            "2020-01-01T00:00:00Z",
            "garbage",
            ImplicitDeny,
        ),
    ];
    for (operator, policy, actual, expected) in cases {
        check_identity(
            &allow_if(&format!(
                r#"{{"{operator}":{{"aws:CurrentTime":"{policy}"}}}}"#
            )),
            &[(invoke(&[("aws:CurrentTime", actual)]), *expected)],
        );
    }
}

#[test]
fn bool_and_binary() {
    check_identity(
        &allow_if(r#"{"Bool":{"aws:SecureTransport":"true"}}"#),
        &[
            (invoke(&[("aws:SecureTransport", "true")]), Allow),
            (invoke(&[("aws:SecureTransport", "TRUE")]), Allow),
            (invoke(&[("aws:SecureTransport", "false")]), ImplicitDeny),
            (invoke(&[]), ImplicitDeny),
        ],
    );
    check_identity(
        &allow_if(r#"{"Bool":{"aws:MultiFactorAuthPresent":false}}"#),
        &[(invoke(&[("aws:MultiFactorAuthPresent", "false")]), Allow)],
    );
    check_identity(
        &allow_if(r#"{"BinaryEquals":{"key":"QmluYXJ5VmFsdWU="}}"#),
        &[
            (invoke(&[("key", "QmluYXJ5VmFsdWU=")]), Allow),
            (invoke(&[("key", "QmluYXJ5")]), ImplicitDeny),
        ],
    );
}

#[test]
fn ip_conditions_v4_and_v6() {
    // AWS's example: allow from an IPv4 range and an IPv6 range.
    let statement =
        allow_if(r#"{"IpAddress":{"aws:SourceIp":["203.0.113.0/24","2001:DB8:1234:5678::/64"]}}"#);
    check_identity(
        &statement,
        &[
            (invoke(&[("aws:SourceIp", "203.0.113.10")]), Allow),
            (invoke(&[("aws:SourceIp", "203.0.112.10")]), ImplicitDeny),
            (
                invoke(&[("aws:SourceIp", "2001:db8:1234:5678::abcd")]),
                Allow,
            ),
            (
                invoke(&[("aws:SourceIp", "2001:db8:1234:5679::1")]),
                ImplicitDeny,
            ),
            (invoke(&[("aws:SourceIp", "::ffff:203.0.113.1")]), Allow),
            (invoke(&[]), ImplicitDeny),
        ],
    );
    // API Gateway's documented IP blocklist: deny a range, allow the rest.
    let json = format!(
        r#"{{"Version":"2012-10-17","Statement":[
        {{"Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":"{API}/*"}},
        {{"Effect":"Deny","Principal":"*","Action":"execute-api:Invoke","Resource":"{API}/*",
          "Condition":{{"NotIpAddress":{{"aws:SourceIp":["192.0.2.0/24","198.51.100.0/24"]}}}}}}]}}"#
    );
    let policy = Policy::parse(&json, PolicyKind::Resource).unwrap();
    assert_eq!(
        decide(&[&policy], &invoke(&[("aws:SourceIp", "192.0.2.4")])),
        Allow
    );
    assert_eq!(
        decide(&[&policy], &invoke(&[("aws:SourceIp", "10.0.0.1")])),
        ExplicitDeny
    );
    assert_eq!(decide(&[&policy], &invoke(&[])), ExplicitDeny);
}

#[test]
fn arn_operators_match_part_by_part() {
    let statement =
        allow_if(r#"{"ArnLike":{"aws:SourceArn":"arn:aws:sns:*:123456789012:topic-*"}}"#);
    check_identity(
        &statement,
        &[
            (
                invoke(&[(
                    "aws:SourceArn",
                    "arn:aws:sns:us-east-1:123456789012:topic-a",
                )]),
                Allow,
            ),
            (
                invoke(&[(
                    "aws:SourceArn",
                    "arn:aws:sns:us-east-1:999999999999:topic-a",
                )]),
                ImplicitDeny,
            ),
            // `*` in the region part must not swallow the account.
            (
                invoke(&[(
                    "aws:SourceArn",
                    "arn:aws:sns:us-east-1:x:123456789012:topic-a",
                )]),
                ImplicitDeny,
            ),
            (invoke(&[("aws:SourceArn", "not-an-arn")]), ImplicitDeny),
        ],
    );
    check_identity(
        &allow_if(r#"{"ArnEquals":{"aws:SourceArn":"arn:aws:s3:::bucket/a:b"}}"#),
        &[(
            invoke(&[("aws:SourceArn", "arn:aws:s3:::bucket/a:b")]),
            Allow,
        )],
    );
    check_identity(
        &allow_if(r#"{"ArnNotLike":{"aws:PrincipalArn":"arn:aws:iam::*:role/admin"}}"#),
        &[
            (
                invoke(&[("aws:PrincipalArn", "arn:aws:iam::1:role/admin")]),
                ImplicitDeny,
            ),
            (
                invoke(&[("aws:PrincipalArn", "arn:aws:iam::1:role/dev")]),
                Allow,
            ),
        ],
    );
    check_identity(
        &allow_if(r#"{"ArnNotEquals":{"aws:PrincipalArn":"arn:aws:iam::1:role/admin"}}"#),
        &[(
            invoke(&[("aws:PrincipalArn", "arn:aws:iam::1:role/dev")]),
            Allow,
        )],
    );
}

#[test]
fn null_tests_for_presence() {
    check_identity(
        &allow_if(r#"{"Null":{"aws:TokenIssueTime":"true"}}"#),
        &[
            (invoke(&[]), Allow),
            (
                invoke(&[("aws:TokenIssueTime", "2020-01-01T00:00:00Z")]),
                ImplicitDeny,
            ),
        ],
    );
    check_identity(
        &allow_if(r#"{"Null":{"aws:TokenIssueTime":false}}"#),
        &[
            (invoke(&[]), ImplicitDeny),
            (invoke(&[("aws:TokenIssueTime", "x")]), Allow),
        ],
    );
}

#[test]
fn if_exists_passes_missing_keys() {
    check_identity(
        &allow_if(r#"{"StringEqualsIfExists":{"aws:PrincipalTag/team":"a"}}"#),
        &[
            (invoke(&[]), Allow),
            (invoke(&[("aws:PrincipalTag/team", "a")]), Allow),
            (invoke(&[("aws:PrincipalTag/team", "b")]), ImplicitDeny),
        ],
    );
    check_identity(
        &allow_if(r#"{"IpAddressIfExists":{"aws:SourceIp":"10.0.0.0/8"}}"#),
        &[
            (invoke(&[]), Allow),
            (invoke(&[("aws:SourceIp", "11.0.0.1")]), ImplicitDeny),
        ],
    );
    check_identity(
        &allow_if(r#"{"NumericLessThanIfExists":{"aws:MultiFactorAuthAge":"3600"}}"#),
        &[
            (invoke(&[]), Allow),
            (invoke(&[("aws:MultiFactorAuthAge", "7200")]), ImplicitDeny),
        ],
    );
    check_identity(
        &allow_if(r#"{"DateGreaterThanIfExists":{"aws:TokenIssueTime":"2020-01-01"}}"#),
        &[(invoke(&[]), Allow)],
    );
    check_identity(
        &allow_if(r#"{"ArnLikeIfExists":{"aws:SourceArn":"arn:aws:sns:*:*:*"}}"#),
        &[(invoke(&[]), Allow)],
    );
    check_identity(
        &allow_if(r#"{"BoolIfExists":{"aws:MultiFactorAuthPresent":"true"}}"#),
        &[
            (invoke(&[]), Allow),
            (
                invoke(&[("aws:MultiFactorAuthPresent", "false")]),
                ImplicitDeny,
            ),
        ],
    );
}

#[test]
fn set_operators() {
    // AWS's example: only these tag keys may be sent.
    let statement =
        allow_if(r#"{"ForAllValues:StringEquals":{"aws:TagKeys":["environment","cost-center"]}}"#);
    check_identity(
        &statement,
        &[
            (invoke(&[("aws:TagKeys", "environment")]), Allow),
            (
                invoke(&[
                    ("aws:TagKeys", "environment"),
                    ("aws:TagKeys", "cost-center"),
                ]),
                Allow,
            ),
            (
                invoke(&[("aws:TagKeys", "environment"), ("aws:TagKeys", "owner")]),
                ImplicitDeny,
            ),
            // ForAllValues with a missing key is true (why AWS pairs it with a Null check).
            (invoke(&[]), Allow),
        ],
    );
    let statement =
        allow_if(r#"{"ForAnyValue:StringEquals":{"aws:TagKeys":["environment","cost-center"]}}"#);
    check_identity(
        &statement,
        &[
            (
                invoke(&[("aws:TagKeys", "owner"), ("aws:TagKeys", "cost-center")]),
                Allow,
            ),
            (invoke(&[("aws:TagKeys", "owner")]), ImplicitDeny),
            (invoke(&[]), ImplicitDeny),
        ],
    );
    check_identity(
        &allow_if(r#"{"ForAnyValue:StringEqualsIfExists":{"aws:TagKeys":"a"}}"#),
        &[(invoke(&[]), Allow)],
    );
    // Negated set operators: each value must match none of the policy values.
    let statement = allow_if(r#"{"ForAllValues:StringNotEquals":{"aws:TagKeys":["secret"]}}"#);
    check_identity(
        &statement,
        &[
            (invoke(&[("aws:TagKeys", "a"), ("aws:TagKeys", "b")]), Allow),
            (
                invoke(&[("aws:TagKeys", "a"), ("aws:TagKeys", "secret")]),
                ImplicitDeny,
            ),
        ],
    );
    let statement = allow_if(r#"{"ForAnyValue:StringNotLike":{"aws:TagKeys":["sec*"]}}"#);
    check_identity(
        &statement,
        &[
            (
                invoke(&[("aws:TagKeys", "secret"), ("aws:TagKeys", "b")]),
                Allow,
            ),
            (invoke(&[("aws:TagKeys", "secret")]), ImplicitDeny),
            (invoke(&[]), ImplicitDeny),
        ],
    );
    // Plain negated operator on a multivalued key: no value may match.
    check_identity(
        &allow_if(r#"{"StringNotEquals":{"aws:TagKeys":"secret"}}"#),
        &[(
            invoke(&[("aws:TagKeys", "a"), ("aws:TagKeys", "secret")]),
            ImplicitDeny,
        )],
    );
}

#[test]
fn policy_variables_resolve_from_the_request() {
    // AWS's example: users may reach only their own prefix.
    let statement = r#"{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::bucket/home/${aws:username}/*"}"#;
    check_identity(
        statement,
        &[
            (
                req(
                    "s3:GetObject",
                    "arn:aws:s3:::bucket/home/alice/f",
                    &[("aws:username", "alice")],
                ),
                Allow,
            ),
            (
                req(
                    "s3:GetObject",
                    "arn:aws:s3:::bucket/home/bob/f",
                    &[("aws:username", "alice")],
                ),
                ImplicitDeny,
            ),
            (
                req("s3:GetObject", "arn:aws:s3:::bucket/home/alice/f", &[]),
                ImplicitDeny,
            ),
            // The value is inserted literally: a `*` in it is not a wildcard.
            (
                req(
                    "s3:GetObject",
                    "arn:aws:s3:::bucket/home/b/f",
                    &[("aws:username", "*")],
                ),
                ImplicitDeny,
            ),
        ],
    );
    check_identity(
        &allow_if(r#"{"StringEquals":{"aws:PrincipalTag/team":"${aws:PrincipalTag/project}"}}"#),
        &[
            (
                invoke(&[
                    ("aws:PrincipalTag/team", "x"),
                    ("aws:PrincipalTag/project", "x"),
                ]),
                Allow,
            ),
            (
                invoke(&[
                    ("aws:PrincipalTag/team", "x"),
                    ("aws:PrincipalTag/project", "y"),
                ]),
                ImplicitDeny,
            ),
        ],
    );
    check_identity(
        &allow_if(r#"{"StringLike":{"aws:Referer":"${*}${?}${$}*"}}"#),
        &[
            (invoke(&[("aws:Referer", "*?$abc")]), Allow),
            (invoke(&[("aws:Referer", "a?$abc")]), ImplicitDeny),
        ],
    );
    check_identity(
        &allow_if(
            r#"{"IpAddress":{"aws:SourceIp":"10.0.0.0/8"},"StringEquals":{"aws:userid":"${aws:username, 'nobody'}"}}"#,
        ),
        &[(
            invoke(&[("aws:SourceIp", "10.1.1.1"), ("aws:userid", "nobody")]),
            Allow,
        )],
    );
}

#[test]
fn old_policy_version_treats_variables_as_text() {
    let json = r#"{"Version":"2008-10-17","Statement":{"Effect":"Allow","Action":"s3:*","Resource":"arn:aws:s3:::b/${aws:username}"}}"#;
    let policy = Policy::parse(json, PolicyKind::Identity).unwrap();
    let alice = [("aws:username", "alice")];
    assert_eq!(
        decide(
            &[&policy],
            &req("s3:GetObject", "arn:aws:s3:::b/alice", &alice)
        ),
        ImplicitDeny
    );
    assert_eq!(
        decide(
            &[&policy],
            &req("s3:GetObject", "arn:aws:s3:::b/${aws:username}", &alice)
        ),
        Allow
    );
}

#[test]
fn actions_match_case_insensitively_and_resources_case_sensitively() {
    let statement = r#"{"Effect":"Allow","Action":["execute-api:Invo*","s3:Get?bject"],"Resource":"arn:aws:execute-api:*:*:abc123/prod/*"}"#;
    check_identity(
        statement,
        &[
            (invoke(&[]), Allow),
            (
                req(
                    "EXECUTE-API:INVOKE",
                    "arn:aws:execute-api:us-east-1:1:abc123/prod/GET/",
                    &[],
                ),
                Allow,
            ),
            (
                req(
                    "s3:getobject",
                    "arn:aws:execute-api:us-east-1:1:abc123/prod/x",
                    &[],
                ),
                Allow,
            ),
            (
                req(
                    "execute-api:InvalidateCache",
                    "arn:aws:execute-api:us-east-1:1:abc123/prod/x",
                    &[],
                ),
                ImplicitDeny,
            ),
            (
                req(
                    "execute-api:Invoke",
                    "arn:aws:execute-api:us-east-1:1:ABC123/prod/x",
                    &[],
                ),
                ImplicitDeny,
            ),
        ],
    );
}

#[test]
fn not_action_and_not_resource() {
    // AWS's example: allow everything except IAM.
    check_identity(
        r#"{"Effect":"Allow","NotAction":"iam:*","Resource":"*"}"#,
        &[
            (req("s3:GetObject", "arn:aws:s3:::b/k", &[]), Allow),
            (
                req("iam:CreateUser", "arn:aws:iam::1:user/x", &[]),
                ImplicitDeny,
            ),
        ],
    );
    check_identity(
        r#"{"Effect":"Deny","NotResource":["arn:aws:s3:::public/*"],"Action":"s3:*"}"#,
        &[
            (
                req("s3:GetObject", "arn:aws:s3:::private/k", &[]),
                ExplicitDeny,
            ),
            (
                req("s3:GetObject", "arn:aws:s3:::public/k", &[]),
                ImplicitDeny,
            ),
        ],
    );
}

#[test]
fn explicit_deny_wins_over_allow_across_policies() {
    let allow = Policy::parse(
        r#"{"Statement":{"Effect":"Allow","Action":"*","Resource":"*"}}"#,
        PolicyKind::Identity,
    )
    .unwrap();
    let deny = Policy::parse(
        r#"{"Version":"2012-10-17","Statement":[{"Sid":"DenyProd","Effect":"Deny","Action":"execute-api:*","Resource":"arn:aws:execute-api:*:*:*/prod/*"}]}"#,
        PolicyKind::Identity,
    )
    .unwrap();
    assert_eq!(decide(&[&allow, &deny], &invoke(&[])), ExplicitDeny);
    assert_eq!(decide(&[&deny, &allow], &invoke(&[])), ExplicitDeny);
    assert_eq!(decide(&[&allow], &invoke(&[])), Allow);
    assert_eq!(decide(&[&deny], &invoke(&[])), ExplicitDeny);
    assert_eq!(
        decide(
            &[&deny],
            &req(
                "execute-api:Invoke",
                "arn:aws:execute-api:r:1:abc/test/GET/",
                &[]
            )
        ),
        ImplicitDeny
    );
    assert_eq!(decide(&[], &invoke(&[])), ImplicitDeny);
    assert_eq!(allow.statements().len(), 1);
    assert_eq!(deny.statements()[0].sid(), Some("DenyProd"));
}

fn resource_policy(principal: &str) -> Policy {
    let json = format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow",{principal},"Action":"execute-api:Invoke","Resource":"{API}/*"}}]}}"#
    );
    Policy::parse(&json, PolicyKind::Resource).unwrap_or_else(|err| panic!("{json}: {err}"))
}

fn check_principal(policy: &Policy, principal: Principal<'_>, expected: Decision) {
    let mut request = invoke(&[]);
    request.principal = principal;
    assert_eq!(decide(&[policy], &request), expected, "{principal:?}");
}

#[test]
fn principals_in_resource_policies() {
    let alice = Principal::Aws {
        arn: ALICE,
        account: ACCOUNT,
    };
    let bob = Principal::Aws {
        arn: "arn:aws:iam::123456789012:user/bob",
        account: ACCOUNT,
    };
    let stranger = Principal::Aws {
        arn: "arn:aws:iam::999999999999:user/eve",
        account: "999999999999",
    };

    let everyone = resource_policy(r#""Principal":"*""#);
    check_principal(&everyone, Principal::Anonymous, Allow);
    check_principal(&everyone, stranger, Allow);
    let aws_star = resource_policy(r#""Principal":{"AWS":"*"}"#);
    check_principal(&aws_star, Principal::Anonymous, Allow);

    let account = resource_policy(r#""Principal":{"AWS":["123456789012"]}"#);
    check_principal(&account, alice, Allow);
    check_principal(&account, stranger, ImplicitDeny);
    check_principal(&account, Principal::Anonymous, ImplicitDeny);
    let root = resource_policy(r#""Principal":{"AWS":"arn:aws:iam::123456789012:root"}"#);
    check_principal(&root, bob, Allow);
    check_principal(&root, stranger, ImplicitDeny);

    let user = resource_policy(&format!(r#""Principal":{{"AWS":"{ALICE}"}}"#));
    check_principal(&user, alice, Allow);
    check_principal(&user, bob, ImplicitDeny);

    let service = resource_policy(
        r#""Principal":{"Service":["lambda.amazonaws.com"],"Federated":"cognito-identity.amazonaws.com","CanonicalUser":"abc"}"#,
    );
    check_principal(&service, Principal::Service("lambda.amazonaws.com"), Allow);
    check_principal(
        &service,
        Principal::Service("s3.amazonaws.com"),
        ImplicitDeny,
    );
    check_principal(
        &service,
        Principal::Federated("cognito-identity.amazonaws.com"),
        Allow,
    );
    check_principal(&service, Principal::CanonicalUser("abc"), Allow);

    // NotPrincipal: everyone except the listed principals.
    let not_alice = resource_policy(&format!(r#""NotPrincipal":{{"AWS":["{ALICE}"]}}"#));
    check_principal(&not_alice, alice, ImplicitDeny);
    check_principal(&not_alice, bob, Allow);
    check_principal(&not_alice, Principal::Anonymous, Allow);
}

#[test]
fn statement_may_be_an_object_and_version_may_be_absent() {
    let policy = Policy::parse(
        r#"{"Id":"p1","Statement":{"Effect":"Allow","Action":"*","Resource":"*"}}"#,
        PolicyKind::Identity,
    )
    .unwrap();
    assert_eq!(policy.id(), Some("p1"));
    assert_eq!(policy.version(), None);
    assert_eq!(decide(&[&policy], &invoke(&[])), Allow);
}

fn malformed(kind: PolicyKind, json: &str, message: &str) {
    match Policy::parse(json, kind) {
        Err(PolicyError::Malformed { message: actual }) => assert_eq!(actual, message, "{json}"),
        other => panic!("{json}: expected {message:?}, got {other:?}"),
    }
}

#[test]
fn malformed_policies_name_the_problem() {
    use PolicyKind::{Identity, Resource};
    let cases: &[(PolicyKind, &str, &str)] = &[
        (Identity, "", "Syntax errors in policy."),
        (Identity, "{", "Syntax errors in policy."),
        (Identity, "[]", "Syntax errors in policy."),
        (
            Identity,
            r#"{"Version":"2012-10-17"}"#,
            "Missing required field Statement",
        ),
        (
            Identity,
            r#"{"Version":"2012-10-18","Statement":[]}"#,
            "The policy failed legacy parsing",
        ),
        (Identity, r#"{"Foo":1,"Statement":[]}"#, "Unknown field Foo"),
        (
            Identity,
            r#"{"Statement":[{"Action":"*","Resource":"*"}]}"#,
            "Missing required field Effect",
        ),
        (
            Identity,
            r#"{"Statement":[{"Effect":"allow","Action":"*","Resource":"*"}]}"#,
            "Invalid effect: allow",
        ),
        (
            Identity,
            r#"{"Statement":[{"Effect":"Allow","Action":"*","Resource":"*","Foo":1}]}"#,
            "Unknown field Foo",
        ),
        (
            Identity,
            r#"{"Statement":[{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*"}]}"#,
            "Policy document should not specify a principal.",
        ),
        (
            Identity,
            r#"{"Statement":[{"Effect":"Allow","NotPrincipal":{"AWS":"*"},"Action":"*","Resource":"*"}]}"#,
            "Policy document should not specify a principal.",
        ),
        (
            Resource,
            r#"{"Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#,
            "Missing required field Principal",
        ),
        (
            Resource,
            r#"{"Statement":[{"Effect":"Allow","Principal":"x","Action":"*","Resource":"*"}]}"#,
            "Invalid principal in policy",
        ),
        (
            Resource,
            r#"{"Statement":[{"Effect":"Allow","Principal":{"Bogus":"x"},"Action":"*","Resource":"*"}]}"#,
            "Invalid principal in policy",
        ),
        (
            Resource,
            r#"{"Statement":[{"Effect":"Allow","Principal":{"AWS":"bob"},"Action":"*","Resource":"*"}]}"#,
            "Invalid principal in policy",
        ),
        (
            Identity,
            r#"{"Statement":[{"Effect":"Allow","Resource":"*"}]}"#,
            "Policy statement must contain actions.",
        ),
        (
            Identity,
            r#"{"Statement":[{"Effect":"Allow","Action":[],"Resource":"*"}]}"#,
            "Policy statement must contain actions.",
        ),
        (
            Identity,
            r#"{"Statement":[{"Effect":"Allow","Action":"*"}]}"#,
            "Policy statement must contain resources.",
        ),
        (
            Identity,
            r#"{"Statement":[{"Effect":"Allow","Action":"*","NotAction":"s3:*","Resource":"*"}]}"#,
            "Statement must not contain both Action and NotAction",
        ),
        (
            Identity,
            r#"{"Statement":[{"Effect":"Allow","Action":"*","Resource":"*","NotResource":"*"}]}"#,
            "Statement must not contain both Resource and NotResource",
        ),
        (
            Identity,
            r#"{"Statement":[{"Effect":"Allow","Action":"invoke","Resource":"*"}]}"#,
            "Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc.",
        ),
        (
            Identity,
            r#"{"Statement":[{"Effect":"Allow","Action":"*","Resource":"bucket"}]}"#,
            "Resource bucket must be in ARN format or \"*\".",
        ),
        (
            Identity,
            r#"{"Statement":[{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"StringEqualz":{"a":"b"}}}]}"#,
            "Invalid Condition operator: StringEqualz",
        ),
        (
            Identity,
            r#"{"Statement":[{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"NullIfExists":{"a":"true"}}}]}"#,
            "Invalid Condition operator: NullIfExists",
        ),
        (
            Identity,
            r#"{"Statement":[{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"ForSomeValues:StringEquals":{"a":"b"}}}]}"#,
            "Invalid Condition operator: ForSomeValues:StringEquals",
        ),
        (
            Identity,
            r#"{"Statement":[{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"IpAddress":{"aws:SourceIp":"10.0.0.0/33"}}}]}"#,
            "Invalid value for Condition operator IpAddress: 10.0.0.0/33",
        ),
        (
            Identity,
            r#"{"Statement":[{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"NumericLessThan":{"n":"ten"}}}]}"#,
            "Invalid value for Condition operator NumericLessThan: ten",
        ),
        (
            Identity,
            r#"{"Statement":[{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"DateLessThan":{"d":"yesterday"}}}]}"#,
            "Invalid value for Condition operator DateLessThan: yesterday",
        ),
        (
            Identity,
            r#"{"Statement":[{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"BinaryEquals":{"b":"%%%"}}}]}"#,
            "Invalid value for Condition operator BinaryEquals: %%%",
        ),
        (
            Identity,
            r#"{"Statement":[{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"Null":{"b":"maybe"}}}]}"#,
            "Invalid value for Condition operator Null: maybe",
        ),
        (
            Identity,
            r#"{"Statement":[{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"StringEquals":{"a":{"b":1}}}}]}"#,
            "Syntax errors in policy.",
        ),
        (
            Identity,
            r#"{"Statement":[{"Effect":"Allow","Action":"*","Resource":"*","Condition":"x"}]}"#,
            "Syntax errors in policy.",
        ),
        (
            Identity,
            r#"{"Statement":[{"Effect":"Allow","Action":[1],"Resource":"*"}]}"#,
            "Syntax errors in policy.",
        ),
        (
            Identity,
            r#"{"Statement":["x"]}"#,
            "Syntax errors in policy.",
        ),
        (
            Identity,
            r#"{"Statement":[{"Sid":"has space","Effect":"Allow","Action":"*","Resource":"*"}]}"#,
            "Statement IDs (SID) must be alpha-numeric. Check that your input satisfies the regular expression [0-9A-Za-z]*",
        ),
        (
            Identity,
            r#"{"Statement":[{"Sid":"a","Effect":"Allow","Action":"*","Resource":"*"},{"Sid":"a","Effect":"Deny","Action":"*","Resource":"*"}]}"#,
            "Statement IDs (SID) in a single policy must be unique.",
        ),
    ];
    for (kind, json, message) in cases {
        malformed(*kind, json, message);
    }
}

#[test]
fn size_limits_are_parametrised() {
    use portico_policy::ParseOptions;
    let json = r#"{"Statement":{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*"}}"#;
    let options = ParseOptions {
        kind: PolicyKind::Resource,
        max_chars: 20,
    };
    let err = Policy::parse_with(json, options).unwrap_err();
    assert_eq!(err, PolicyError::TooLarge { limit: 20 });
    assert_eq!(err.error_code(), "LimitExceeded");
    assert_eq!(err.to_string(), "Cannot exceed quota for PolicySize: 20");
    let options = ParseOptions {
        kind: PolicyKind::Resource,
        max_chars: json.len(),
    };
    assert!(Policy::parse_with(json, options).is_ok());
    // Identity policies do not count whitespace.
    let spaced = format!("{}{json}", " ".repeat(7000)).replace("\"Principal\":\"*\",", "");
    assert!(Policy::parse(&spaced, PolicyKind::Identity).is_ok());
    let huge = format!(r#"{{"Id":"{}","Statement":[]}}"#, "x".repeat(7000));
    assert_eq!(
        Policy::parse(&huge, PolicyKind::Identity)
            .unwrap_err()
            .error_code(),
        "LimitExceeded"
    );
}

#[test]
fn condition_keys_lists_every_key_the_policy_reads() {
    let policy = Policy::parse(
        r#"{"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Principal": "*", "Action": "execute-api:Invoke",
             "Resource": "arn:aws:execute-api:*:*:api/${aws:PrincipalTag/stage}/*",
             "Condition": {"IpAddress": {"aws:SourceIp": "10.0.0.0/8"},
                           "StringLike": {"aws:UserAgent": "${aws:username}*"}}},
            {"Effect": "Deny", "Principal": "*", "Action": "*", "Resource": "*",
             "Condition": {"ArnLike": {"aws:PrincipalArn": "arn:aws:iam::*:user/${aws:SourceVpce}"}}}]}"#,
        PolicyKind::Resource,
    )
    .unwrap();
    let keys: Vec<String> = policy.condition_keys().into_iter().collect();
    assert_eq!(
        keys,
        [
            "aws:principalarn",
            "aws:principaltag/stage",
            "aws:sourceip",
            "aws:sourcevpce",
            "aws:useragent",
            "aws:username"
        ]
    );
}
