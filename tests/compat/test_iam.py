"""IAM users, access keys and policies through boto3's `iam` client, and what they allow.

The Portico instance is shared by the whole session, so every test names its users and
policies uniquely and deletes what it created.
"""

import json
import uuid

import boto3
import botocore.auth
import botocore.awsrequest
import botocore.credentials
import botocore.exceptions
import pytest
import requests

from conftest import ACCESS_KEY, REGION, SECRET_KEY, Portico

ACCOUNT = "000000000000"


def unique(prefix):
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def error_of(excinfo):
    return excinfo.value.response["Error"]


def policy(*statements):
    return {"Version": "2012-10-17", "Statement": list(statements)}


def allow(action, resource="*", **extra):
    return {"Effect": "Allow", "Action": action, "Resource": resource, **extra}


def deny(action, resource="*"):
    return {"Effect": "Deny", "Action": action, "Resource": resource}


def root_client(portico, service):
    return boto3.client(service, endpoint_url=portico.admin_url, region_name=REGION,
                        aws_access_key_id=ACCESS_KEY, aws_secret_access_key=SECRET_KEY)


def client_for(portico, service, key):
    return boto3.client(
        service,
        endpoint_url=portico.admin_url,
        region_name=REGION,
        aws_access_key_id=key["AccessKeyId"],
        aws_secret_access_key=key["SecretAccessKey"],
    )


def delete_user_fully(iam, name):
    """Deletes the user's keys and policies, then the user (as AWS requires)."""
    try:
        for key in iam.list_access_keys(UserName=name)["AccessKeyMetadata"]:
            iam.delete_access_key(UserName=name, AccessKeyId=key["AccessKeyId"])
        for policy_name in iam.list_user_policies(UserName=name)["PolicyNames"]:
            iam.delete_user_policy(UserName=name, PolicyName=policy_name)
        for attached in iam.list_attached_user_policies(UserName=name)["AttachedPolicies"]:
            iam.detach_user_policy(UserName=name, PolicyArn=attached["PolicyArn"])
        iam.delete_user(UserName=name)
    except iam.exceptions.NoSuchEntityException:
        pass


@pytest.fixture
def users(iam):
    """Creates users (`users(prefix, **create_user_args)` → name) and deletes them afterwards."""
    created = []

    def make(prefix="user", **kwargs):
        name = unique(prefix)
        iam.create_user(UserName=name, **kwargs)
        created.append(name)
        return name

    yield make
    for name in reversed(created):
        delete_user_fully(iam, name)


@pytest.fixture
def policies(iam):
    """Creates managed policies (`policies(document, **args)` → ARN), deleted afterwards."""
    created = []

    def make(document, **kwargs):
        arn = iam.create_policy(PolicyName=unique("policy"), PolicyDocument=json.dumps(document),
                                **kwargs)["Policy"]["Arn"]
        created.append(arn)
        return arn

    yield make
    for arn in reversed(created):
        try:
            iam.delete_policy(PolicyArn=arn)
        except iam.exceptions.NoSuchEntityException:
            pass


@pytest.fixture
def user_with_key(iam, users):
    """A new user with an access key and, optionally, an inline policy: returns (name, key)."""

    def make(document=None, **kwargs):
        name = users(**kwargs)
        key = iam.create_access_key(UserName=name)["AccessKey"]
        if document is not None:
            iam.put_user_policy(UserName=name, PolicyName="inline", PolicyDocument=json.dumps(document))
        return name, key

    return make


def signed_post(portico, body, access_key=ACCESS_KEY, secret_key=SECRET_KEY):
    """A raw IAM Query request, signed like botocore signs it."""
    request = botocore.awsrequest.AWSRequest(
        method="POST", url=portico.admin_url + "/", data=body,
        headers={"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"},
    )
    credentials = botocore.credentials.Credentials(access_key, secret_key)
    botocore.auth.SigV4Auth(credentials, "iam", REGION).add_auth(request)
    return requests.post(request.url, data=body, headers=dict(request.headers), timeout=10)


# --- users ---------------------------------------------------------------------------------


def test_user_lifecycle_with_tags(iam, users):
    name = users(Path="/compat/", Tags=[{"Key": "team", "Value": "payments"}])
    user = iam.get_user(UserName=name)["User"]
    assert user["UserName"] == name
    assert user["Path"] == "/compat/"
    assert user["Arn"] == f"arn:aws:iam::{ACCOUNT}:user/compat/{name}"
    assert user["UserId"].startswith("AIDA") and len(user["UserId"]) == 20
    assert user["Tags"] == [{"Key": "team", "Value": "payments"}]
    assert user["CreateDate"].year >= 2024

    iam.tag_user(UserName=name, Tags=[{"Key": "env", "Value": "dev test"}])
    tags = iam.list_user_tags(UserName=name)
    assert tags["Tags"] == [{"Key": "env", "Value": "dev test"}, {"Key": "team", "Value": "payments"}]
    assert tags["IsTruncated"] is False
    iam.untag_user(UserName=name, TagKeys=["team"])
    assert iam.list_user_tags(UserName=name)["Tags"] == [{"Key": "env", "Value": "dev test"}]

    # Lookups ignore case; the name keeps the case it was created with.
    assert iam.get_user(UserName=name.upper())["User"]["UserName"] == name

    iam.delete_user(UserName=name)
    with pytest.raises(iam.exceptions.NoSuchEntityException) as excinfo:
        iam.get_user(UserName=name)
    assert error_of(excinfo)["Message"] == f"The user with name {name} cannot be found."
    assert excinfo.value.response["ResponseMetadata"]["HTTPStatusCode"] == 404


def test_user_names_are_unique_regardless_of_case(iam, users):
    name = users()
    with pytest.raises(iam.exceptions.EntityAlreadyExistsException) as excinfo:
        iam.create_user(UserName=name.upper())
    assert error_of(excinfo)["Message"] == f"User with name {name.upper()} already exists."
    assert excinfo.value.response["ResponseMetadata"]["HTTPStatusCode"] == 409


def test_invalid_user_names_and_paths_are_validation_errors(iam):
    with pytest.raises(botocore.exceptions.ClientError) as excinfo:
        iam.create_user(UserName="bad name")
    assert error_of(excinfo)["Code"] == "ValidationError"
    assert "Member must satisfy regular expression pattern" in error_of(excinfo)["Message"]
    with pytest.raises(botocore.exceptions.ClientError) as excinfo:
        iam.create_user(UserName=unique("user"), Path="no-slashes")
    assert error_of(excinfo)["Code"] == "ValidationError"


def test_list_users_pages_with_markers_and_filters_by_path(iam, users):
    path = f"/{unique('paging')}/"
    names = sorted(users(Path=path) for _ in range(3))
    users()  # another path: not listed
    first = iam.list_users(PathPrefix=path, MaxItems=2)
    assert [u["UserName"] for u in first["Users"]] == names[:2]
    assert first["IsTruncated"] is True
    second = iam.list_users(PathPrefix=path, MaxItems=2, Marker=first["Marker"])
    assert [u["UserName"] for u in second["Users"]] == names[2:]
    assert second["IsTruncated"] is False
    assert "Marker" not in second
    paginated = [u["UserName"] for page in iam.get_paginator("list_users").paginate(
        PathPrefix=path, PaginationConfig={"PageSize": 1}) for u in page["Users"]]
    assert paginated == names


def test_get_user_without_name_is_the_caller(portico, iam, user_with_key):
    root = iam.get_user()["User"]
    assert root["Arn"] == f"arn:aws:iam::{ACCOUNT}:root"
    assert root["UserId"] == ACCOUNT

    # A user may read itself when a policy names its own ARN through ${aws:username}.
    name, key = user_with_key(policy(allow(["iam:GetUser", "iam:ListAccessKeys"],
                                           f"arn:aws:iam::{ACCOUNT}:user/${{aws:username}}")))
    own = client_for(portico, "iam", key)
    assert own.get_user()["User"]["UserName"] == name
    assert [k["AccessKeyId"] for k in own.list_access_keys()["AccessKeyMetadata"]] == [key["AccessKeyId"]]
    with pytest.raises(botocore.exceptions.ClientError) as excinfo:
        own.get_user(UserName="someone-else")
    assert error_of(excinfo)["Code"] == "AccessDenied"


def test_delete_user_conflicts_until_keys_and_policies_are_gone(iam, users, policies):
    name = users()
    key = iam.create_access_key(UserName=name)["AccessKey"]
    iam.put_user_policy(UserName=name, PolicyName="inline", PolicyDocument=json.dumps(policy(allow("iam:GetUser"))))
    arn = policies(policy(allow("iam:GetUser")))
    iam.attach_user_policy(UserName=name, PolicyArn=arn)

    def conflict():
        with pytest.raises(iam.exceptions.DeleteConflictException) as excinfo:
            iam.delete_user(UserName=name)
        assert excinfo.value.response["ResponseMetadata"]["HTTPStatusCode"] == 409
        return error_of(excinfo)["Message"]

    assert conflict() == "Cannot delete entity, must delete access keys first."
    iam.delete_access_key(UserName=name, AccessKeyId=key["AccessKeyId"])
    assert conflict() == "Cannot delete entity, must delete policies first."
    iam.delete_user_policy(UserName=name, PolicyName="inline")
    assert conflict() == "Cannot delete entity, must detach all policies first."
    iam.detach_user_policy(UserName=name, PolicyArn=arn)
    iam.delete_user(UserName=name)


# --- access keys ---------------------------------------------------------------------------


def test_new_access_key_signs_but_needs_a_policy(portico, iam, user_with_key):
    name, key = user_with_key()
    assert key["UserName"] == name
    assert key["AccessKeyId"].startswith("AKIA") and len(key["AccessKeyId"]) == 20
    assert len(key["SecretAccessKey"]) == 40
    assert key["Status"] == "Active"
    apigw = client_for(portico, "apigateway", key)
    with pytest.raises(botocore.exceptions.ClientError) as excinfo:
        apigw.get_rest_apis()
    assert error_of(excinfo)["Code"] == "AccessDeniedException"
    assert f"arn:aws:iam::{ACCOUNT}:user/{name} is not authorized to perform: apigateway:GET" in error_of(excinfo)["Message"]

    iam.put_user_policy(UserName=name, PolicyName="read", PolicyDocument=json.dumps(policy(allow("apigateway:GET"))))
    assert "items" in apigw.get_rest_apis()
    with pytest.raises(botocore.exceptions.ClientError) as excinfo:
        apigw.create_rest_api(name="not-allowed")
    assert error_of(excinfo)["Code"] == "AccessDeniedException"


def test_access_keys_are_listed_without_secrets_and_limited_to_two(iam, users):
    name = users()
    first = iam.create_access_key(UserName=name)["AccessKey"]
    second = iam.create_access_key(UserName=name)["AccessKey"]
    listed = iam.list_access_keys(UserName=name)["AccessKeyMetadata"]
    assert sorted(k["AccessKeyId"] for k in listed) == sorted([first["AccessKeyId"], second["AccessKeyId"]])
    assert all("SecretAccessKey" not in k and k["UserName"] == name for k in listed)
    with pytest.raises(iam.exceptions.LimitExceededException) as excinfo:
        iam.create_access_key(UserName=name)
    assert error_of(excinfo)["Message"] == "Cannot exceed quota for AccessKeysPerUser: 2"
    with pytest.raises(iam.exceptions.NoSuchEntityException):
        iam.delete_access_key(UserName=name, AccessKeyId="AKIADOESNOTEXIST0000")


def test_inactive_and_deleted_keys_are_unrecognized(portico, iam, user_with_key):
    name, key = user_with_key(policy(allow("apigateway:GET")))
    apigw = client_for(portico, "apigateway", key)
    apigw.get_rest_apis()

    iam.update_access_key(UserName=name, AccessKeyId=key["AccessKeyId"], Status="Inactive")
    assert iam.list_access_keys(UserName=name)["AccessKeyMetadata"][0]["Status"] == "Inactive"
    with pytest.raises(botocore.exceptions.ClientError) as excinfo:
        apigw.get_rest_apis()
    assert error_of(excinfo)["Code"] == "UnrecognizedClientException"

    iam.update_access_key(UserName=name, AccessKeyId=key["AccessKeyId"], Status="Active")
    apigw.get_rest_apis()

    iam.delete_access_key(UserName=name, AccessKeyId=key["AccessKeyId"])
    with pytest.raises(botocore.exceptions.ClientError) as excinfo:
        apigw.get_rest_apis()
    assert error_of(excinfo)["Code"] == "UnrecognizedClientException"
    # IAM's own listener answers in IAM's words and XML.
    with pytest.raises(botocore.exceptions.ClientError) as excinfo:
        client_for(portico, "iam", key).get_user()
    assert error_of(excinfo)["Code"] == "InvalidClientTokenId"


# --- inline policies -----------------------------------------------------------------------


def test_inline_policies_round_trip(iam, users):
    name = users()
    document = policy(allow(["apigateway:GET", "apigateway:POST"], "arn:aws:apigateway:*::/restapis/*",
                            Condition={"StringLike": {"aws:UserAgent": "*boto*"}}))
    iam.put_user_policy(UserName=name, PolicyName="b-read", PolicyDocument=json.dumps(document, indent=2))
    iam.put_user_policy(UserName=name, PolicyName="a-other", PolicyDocument=json.dumps(policy(allow("iam:GetUser"))))
    got = iam.get_user_policy(UserName=name, PolicyName="b-read")
    assert got["UserName"] == name
    assert got["PolicyName"] == "b-read"
    # botocore URL-decodes and parses the document into a dict.
    assert got["PolicyDocument"] == document
    assert iam.list_user_policies(UserName=name)["PolicyNames"] == ["a-other", "b-read"]
    iam.delete_user_policy(UserName=name, PolicyName="b-read")
    assert iam.list_user_policies(UserName=name)["PolicyNames"] == ["a-other"]
    with pytest.raises(iam.exceptions.NoSuchEntityException):
        iam.get_user_policy(UserName=name, PolicyName="b-read")


def test_malformed_and_oversized_inline_policies_are_refused(iam, users):
    name = users()
    with pytest.raises(iam.exceptions.MalformedPolicyDocumentException) as excinfo:
        iam.put_user_policy(UserName=name, PolicyName="bad",
                            PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": {"Action": "*", "Resource": "*"}}))
    assert error_of(excinfo)["Message"] == "Missing required field Effect"
    assert excinfo.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    with pytest.raises(iam.exceptions.MalformedPolicyDocumentException):
        iam.put_user_policy(UserName=name, PolicyName="bad", PolicyDocument="{not json")
    big = policy(dict(allow("apigateway:GET"), Sid="x" * 2100))
    with pytest.raises(iam.exceptions.LimitExceededException) as excinfo:
        iam.put_user_policy(UserName=name, PolicyName="big", PolicyDocument=json.dumps(big))
    assert error_of(excinfo)["Message"] == f"Maximum policy size of 2048 bytes exceeded for user {name}"
    with pytest.raises(iam.exceptions.NoSuchEntityException):
        iam.put_user_policy(UserName=unique("nobody"), PolicyName="p",
                            PolicyDocument=json.dumps(policy(allow("iam:GetUser"))))


# --- managed policies ----------------------------------------------------------------------


def test_managed_policy_lifecycle(iam, users, policies):
    document = policy(allow("apigateway:GET"))
    arn = policies(document, Path="/compat/", Description="read <APIs> & \"more\"")
    created = iam.get_policy(PolicyArn=arn)["Policy"]
    assert arn == f"arn:aws:iam::{ACCOUNT}:policy/compat/{created['PolicyName']}"
    assert created["PolicyId"].startswith("ANPA")
    assert created["DefaultVersionId"] == "v1"
    assert created["AttachmentCount"] == 0
    assert created["IsAttachable"] is True
    assert created["Description"] == "read <APIs> & \"more\""
    version = iam.get_policy_version(PolicyArn=arn, VersionId="v1")["PolicyVersion"]
    assert version["Document"] == document
    assert version["IsDefaultVersion"] is True
    with pytest.raises(iam.exceptions.NoSuchEntityException):
        iam.get_policy_version(PolicyArn=arn, VersionId="v2")

    listed = [p["Arn"] for p in iam.list_policies(Scope="Local", PathPrefix="/compat/")["Policies"]]
    assert arn in listed
    assert iam.list_policies(Scope="AWS")["Policies"] == []

    name = users()
    iam.attach_user_policy(UserName=name, PolicyArn=arn)
    attached = iam.list_attached_user_policies(UserName=name)["AttachedPolicies"]
    assert attached == [{"PolicyName": created["PolicyName"], "PolicyArn": arn}]
    assert iam.get_policy(PolicyArn=arn)["Policy"]["AttachmentCount"] == 1
    assert arn in [p["Arn"] for p in iam.list_policies(OnlyAttached=True)["Policies"]]

    with pytest.raises(iam.exceptions.DeleteConflictException) as excinfo:
        iam.delete_policy(PolicyArn=arn)
    assert error_of(excinfo)["Message"] == "Cannot delete a policy attached to entities."

    iam.detach_user_policy(UserName=name, PolicyArn=arn)
    assert iam.list_attached_user_policies(UserName=name)["AttachedPolicies"] == []
    with pytest.raises(iam.exceptions.NoSuchEntityException):
        iam.detach_user_policy(UserName=name, PolicyArn=arn)
    iam.delete_policy(PolicyArn=arn)
    with pytest.raises(iam.exceptions.NoSuchEntityException) as excinfo:
        iam.get_policy(PolicyArn=arn)
    assert error_of(excinfo)["Message"] == f"Policy {arn} was not found."


def test_managed_policy_errors(iam, users, policies):
    arn = policies(policy(allow("apigateway:GET")))
    name = arn.rsplit("/", 1)[1]
    with pytest.raises(iam.exceptions.EntityAlreadyExistsException):
        iam.create_policy(PolicyName=name.upper(), PolicyDocument=json.dumps(policy(allow("*"))))
    with pytest.raises(iam.exceptions.MalformedPolicyDocumentException):
        iam.create_policy(PolicyName=unique("bad"), PolicyDocument=json.dumps({"Statement": []}) + "x")
    user = users()
    with pytest.raises(iam.exceptions.NoSuchEntityException) as excinfo:
        iam.attach_user_policy(UserName=user, PolicyArn=f"arn:aws:iam::{ACCOUNT}:policy/{unique('missing')}")
    assert "does not exist or is not attachable" in error_of(excinfo)["Message"]
    with pytest.raises(iam.exceptions.InvalidInputException):
        iam.get_policy(PolicyArn="arn:aws:s3:::not-an-iam-policy")


def test_attached_managed_policy_grants_access(portico, iam, user_with_key, policies):
    name, key = user_with_key()
    apigw = client_for(portico, "apigateway", key)
    arn = policies(policy(allow("apigateway:GET")))
    iam.attach_user_policy(UserName=name, PolicyArn=arn)
    apigw.get_rest_apis()
    iam.detach_user_policy(UserName=name, PolicyArn=arn)
    with pytest.raises(botocore.exceptions.ClientError) as excinfo:
        apigw.get_rest_apis()
    assert error_of(excinfo)["Code"] == "AccessDeniedException"


# --- authorization of IAM itself -----------------------------------------------------------


def test_user_without_iam_permissions_cannot_create_users(portico, user_with_key):
    name, key = user_with_key(policy(allow("apigateway:GET")))
    own = client_for(portico, "iam", key)
    with pytest.raises(botocore.exceptions.ClientError) as excinfo:
        own.create_user(UserName=unique("blocked"))
    error = error_of(excinfo)
    assert error["Code"] == "AccessDenied"
    assert error["Message"].startswith(f"User: arn:aws:iam::{ACCOUNT}:user/{name} is not authorized to perform: iam:CreateUser")
    assert excinfo.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403


def test_explicit_deny_beats_allow(portico, iam, user_with_key):
    name, key = user_with_key(policy(allow("iam:*"), deny("iam:DeleteUser")))
    own = client_for(portico, "iam", key)
    victim = unique("victim")
    own.create_user(UserName=victim)
    try:
        with pytest.raises(botocore.exceptions.ClientError) as excinfo:
            own.delete_user(UserName=victim)
        assert error_of(excinfo)["Code"] == "AccessDenied"
        assert "with an explicit deny" in error_of(excinfo)["Message"]
    finally:
        iam.delete_user(UserName=victim)


def test_principal_tag_condition_follows_the_users_tags(portico, iam, user_with_key):
    document = policy(allow("apigateway:GET", Condition={"StringEquals": {"aws:PrincipalTag/team": "payments"}}))
    name, key = user_with_key(document, Tags=[{"Key": "team", "Value": "payments"}])
    apigw = client_for(portico, "apigateway", key)
    apigw.get_rest_apis()
    iam.tag_user(UserName=name, Tags=[{"Key": "team", "Value": "search"}])
    with pytest.raises(botocore.exceptions.ClientError) as excinfo:
        apigw.get_rest_apis()
    assert error_of(excinfo)["Code"] == "AccessDeniedException"


# --- protocol ------------------------------------------------------------------------------


def test_unknown_action_is_invalid_action(portico):
    response = signed_post(portico, "Action=CreateRole&Version=2010-05-08&RoleName=x")
    assert response.status_code == 400
    assert response.headers["Content-Type"].startswith("text/xml")
    assert "<Code>InvalidAction</Code>" in response.text
    assert "Could not find operation CreateRole for version 2010-05-08" in response.text
    assert response.headers["x-amzn-RequestId"] in response.text


def test_bad_signature_is_answered_in_iam_xml(portico):
    response = signed_post(portico, "Action=ListUsers&Version=2010-05-08", secret_key="wrong")
    assert response.status_code == 403
    assert "<Code>SignatureDoesNotMatch</Code>" in response.text


# --- durability ----------------------------------------------------------------------------


def test_users_keys_and_policies_survive_a_restart():
    own = Portico()
    try:
        iam = root_client(own, "iam")
        iam.create_user(UserName="survivor", Tags=[{"Key": "team", "Value": "payments"}])
        key = iam.create_access_key(UserName="survivor")["AccessKey"]
        arn = iam.create_policy(PolicyName="read", PolicyDocument=json.dumps(policy(
            allow("apigateway:GET", Condition={"StringEquals": {"aws:PrincipalTag/team": "payments"}}))))["Policy"]["Arn"]
        iam.attach_user_policy(UserName="survivor", PolicyArn=arn)
        client_for(own, "apigateway", key).get_rest_apis()

        own.restart()

        client_for(own, "apigateway", key).get_rest_apis()
        iam = root_client(own, "iam")
        assert iam.get_user(UserName="survivor")["User"]["Tags"] == [{"Key": "team", "Value": "payments"}]
        assert iam.list_attached_user_policies(UserName="survivor")["AttachedPolicies"][0]["PolicyArn"] == arn
    finally:
        own.stop()
