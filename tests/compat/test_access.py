"""Access control as AWS users meet it: IAM users and policies made with boto3's `iam`
client, `AWS_IAM` methods called with real SigV4 clients (botocore's SigV4Auth and
SigV4QueryAuth, requests-aws4auth, awscurl), and resource policies."""

import json
import shutil
import subprocess
import uuid

import boto3
import pytest
import requests
from botocore.auth import SigV4Auth, SigV4QueryAuth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from requests_aws4auth import AWS4Auth

from conftest import ACCESS_KEY, REGION, SECRET_KEY

IDENTITY_TEMPLATE = json.dumps({
    "userArn": "$context.identity.userArn",
    "user": "$context.identity.user",
    "caller": "$context.identity.caller",
    "accessKey": "$context.identity.accessKey",
    "accountId": "$context.identity.accountId",
})


def _identity_api(apigw, backend, authorization="AWS_IAM", policy=None):
    """`GET /whoami` (MOCK, answers with $context.identity) and `POST /echo` (HTTP_PROXY to
    the echo backend), both with `authorization`, deployed to `prod`."""
    kwargs = {"policy": json.dumps(policy)} if policy else {}
    api = apigw.create_rest_api(name="access-" + uuid.uuid4().hex[:6],
                                endpointConfiguration={"types": ["REGIONAL"]}, **kwargs)
    api_id, root = api["id"], api["rootResourceId"]
    whoami = apigw.create_resource(restApiId=api_id, parentId=root, pathPart="whoami")["id"]
    apigw.put_method(restApiId=api_id, resourceId=whoami, httpMethod="GET",
                     authorizationType=authorization)
    apigw.put_integration(restApiId=api_id, resourceId=whoami, httpMethod="GET", type="MOCK",
                          requestTemplates={"application/json": '{"statusCode": 200}'})
    apigw.put_method_response(restApiId=api_id, resourceId=whoami, httpMethod="GET",
                              statusCode="200")
    apigw.put_integration_response(restApiId=api_id, resourceId=whoami, httpMethod="GET",
                                   statusCode="200",
                                   responseTemplates={"application/json": IDENTITY_TEMPLATE})
    echo = apigw.create_resource(restApiId=api_id, parentId=root, pathPart="echo")["id"]
    apigw.put_method(restApiId=api_id, resourceId=echo, httpMethod="POST",
                     authorizationType=authorization)
    apigw.put_integration(restApiId=api_id, resourceId=echo, httpMethod="POST",
                          type="HTTP_PROXY", integrationHttpMethod="POST", uri=f"{backend}/echo")
    apigw.create_deployment(restApiId=api_id, stageName="prod")
    return api_id


@pytest.fixture
def iam_api(apigw, backend):
    api_id = _identity_api(apigw, backend)
    yield api_id
    apigw.delete_rest_api(restApiId=api_id)


@pytest.fixture
def user(iam):
    """A fresh IAM user with one access key; removed (with its policies) afterwards."""
    name = "caller-" + uuid.uuid4().hex[:8]
    created = iam.create_user(UserName=name)["User"]
    key = iam.create_access_key(UserName=name)["AccessKey"]
    yield {"name": name, "arn": created["Arn"], "id": created["UserId"],
           "key": key["AccessKeyId"], "secret": key["SecretAccessKey"]}
    for policy in iam.list_user_policies(UserName=name)["PolicyNames"]:
        iam.delete_user_policy(UserName=name, PolicyName=policy)
    iam.delete_access_key(UserName=name, AccessKeyId=key["AccessKeyId"])
    iam.delete_user(UserName=name)


def _allow_invoke(iam, user, resource, effect="Allow", name="invoke"):
    iam.put_user_policy(UserName=user["name"], PolicyName=name, PolicyDocument=json.dumps({
        "Version": "2012-10-17",
        "Statement": [{"Effect": effect, "Action": "execute-api:Invoke", "Resource": resource}],
    }))


def _botocore_get(url, key, secret, token=None, service="execute-api", region=REGION):
    request = AWSRequest(method="GET", url=url)
    SigV4Auth(Credentials(key, secret, token), service, region).add_auth(request)
    return requests.get(url, headers=dict(request.headers.items()), timeout=10)


def _arn(api_id, stage, verb, path):
    return f"arn:aws:execute-api:{REGION}:000000000000:{api_id}/{stage}/{verb}{path}"


def test_root_signed_with_botocore_sees_its_identity(portico, iam_api):
    url = portico.invoke_url(iam_api, "prod", "/whoami")
    unsigned = requests.get(url, timeout=10)
    assert unsigned.status_code == 403
    assert unsigned.json() == {"message": "Missing Authentication Token"}

    response = _botocore_get(url, ACCESS_KEY, SECRET_KEY)
    assert response.status_code == 200, response.text
    assert response.json() == {
        "userArn": "arn:aws:iam::000000000000:root", "user": "000000000000",
        "caller": "000000000000", "accessKey": ACCESS_KEY, "accountId": "000000000000",
    }
    # A session token is signed and accepted as part of the request.
    assert _botocore_get(url, ACCESS_KEY, SECRET_KEY, token="session-token").status_code == 200


def test_signature_failures_answer_as_aws(portico, iam_api):
    url = portico.invoke_url(iam_api, "prod", "/whoami")
    wrong = _botocore_get(url, ACCESS_KEY, "not-the-secret")
    assert wrong.status_code == 403
    assert wrong.headers["x-amzn-ErrorType"] == "InvalidSignatureException"
    assert wrong.json()["message"].startswith(
        "The request signature we calculated does not match the signature you provided.")

    region = _botocore_get(url, ACCESS_KEY, SECRET_KEY, region="eu-west-3")
    assert region.status_code == 403
    assert "Credential should be scoped to a valid region" in region.json()["message"]

    service = _botocore_get(url, ACCESS_KEY, SECRET_KEY, service="apigateway")
    assert service.status_code == 403
    assert service.json()["message"] == "Credential should be scoped to correct service: 'execute-api'. "

    unknown = _botocore_get(url, "AKIANOBODYNOBODY0000", "x")
    assert unknown.status_code == 403
    assert unknown.headers["x-amzn-ErrorType"] == "UnrecognizedClientException"

    # Replaying a captured request changed after signing fails; so does an old one.
    request = AWSRequest(method="GET", url=url)
    SigV4Auth(Credentials(ACCESS_KEY, SECRET_KEY), "execute-api", REGION).add_auth(request)
    headers = dict(request.headers.items())
    tampered = requests.get(url + "?extra=1", headers=headers, timeout=10)
    assert tampered.status_code == 403
    headers["X-Amz-Date"] = "20200101T000000Z"
    stale = requests.get(url, headers=headers, timeout=10)
    assert stale.status_code == 403


def test_presigned_urls_from_botocore(portico, iam_api):
    url = portico.invoke_url(iam_api, "prod", "/whoami")
    request = AWSRequest(method="GET", url=url)
    SigV4QueryAuth(Credentials(ACCESS_KEY, SECRET_KEY), "execute-api", REGION,
                   expires=120).add_auth(request)
    assert "X-Amz-Signature=" in request.url
    response = requests.get(request.url, timeout=10)
    assert response.status_code == 200, response.text
    assert response.json()["accessKey"] == ACCESS_KEY


def test_signed_bodies_reach_the_backend_without_the_signature(portico, iam_api):
    url = portico.invoke_url(iam_api, "prod", "/echo")
    auth = AWS4Auth(ACCESS_KEY, SECRET_KEY, REGION, "execute-api")
    response = requests.post(url, data=b'{"order": 1}', auth=auth,
                             headers={"Content-Type": "application/json"}, timeout=10)
    assert response.status_code == 200, response.text
    echoed = response.json()
    assert echoed["body"] == '{"order": 1}'
    assert "authorization" not in echoed["headers"]

    # The body is part of the signature: sign one body, send another.
    request = AWSRequest(method="POST", url=url, data=b'{"order": 1}',
                         headers={"Content-Type": "application/json"})
    SigV4Auth(Credentials(ACCESS_KEY, SECRET_KEY), "execute-api", REGION).add_auth(request)
    swapped = requests.post(url, data=b'{"order": 2}', headers=dict(request.headers.items()),
                            timeout=10)
    assert swapped.status_code == 403
    assert swapped.headers["x-amzn-ErrorType"] == "InvalidSignatureException"


def test_iam_users_need_an_identity_policy_for_the_method(portico, iam, iam_api, user):
    url = portico.invoke_url(iam_api, "prod", "/whoami")
    denied = _botocore_get(url, user["key"], user["secret"])
    assert denied.status_code == 403
    assert denied.headers["x-amzn-ErrorType"] == "AccessDeniedException"
    assert denied.json()["message"] == (
        f"User: {user['arn']} is not authorized to perform: execute-api:Invoke on resource: "
        f"{_arn(iam_api, 'prod', 'GET', '/whoami')}")

    _allow_invoke(iam, user, _arn(iam_api, "prod", "GET", "/*"))
    allowed = _botocore_get(url, user["key"], user["secret"])
    assert allowed.status_code == 200, allowed.text
    assert allowed.json()["userArn"] == user["arn"]
    assert allowed.json()["caller"] == user["id"]
    assert allowed.json()["accessKey"] == user["key"]

    # The grant covers GET only.
    post = requests.post(portico.invoke_url(iam_api, "prod", "/echo"), data=b"{}",
                         auth=AWS4Auth(user["key"], user["secret"], REGION, "execute-api"),
                         timeout=10)
    assert post.status_code == 403

    # An explicit deny beats the allow and says so.
    _allow_invoke(iam, user, _arn(iam_api, "*", "*", "/whoami"), effect="Deny", name="deny")
    denied = _botocore_get(url, user["key"], user["secret"])
    assert denied.status_code == 403
    assert denied.json()["message"].endswith("with an explicit deny")


def test_deactivated_keys_are_refused(portico, iam, iam_api, user):
    _allow_invoke(iam, user, "*")
    url = portico.invoke_url(iam_api, "prod", "/whoami")
    assert _botocore_get(url, user["key"], user["secret"]).status_code == 200
    iam.update_access_key(UserName=user["name"], AccessKeyId=user["key"], Status="Inactive")
    refused = _botocore_get(url, user["key"], user["secret"])
    assert refused.status_code == 403
    assert refused.json()["message"] == "The security token included in the request is invalid."


def test_resource_policy_grants_a_user_without_identity_policy(portico, apigw, backend, user):
    policy = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"AWS": user["arn"]}, "Action": "execute-api:Invoke",
         "Resource": "execute-api:/prod/GET/whoami"},
    ]}
    api_id = _identity_api(apigw, backend, policy=policy)
    try:
        stored = json.loads(apigw.get_rest_api(restApiId=api_id)["policy"].replace('\\"', '"'))
        assert stored["Statement"][0]["Resource"] == _arn(api_id, "prod", "GET", "/whoami")
        url = portico.invoke_url(api_id, "prod", "/whoami")
        assert _botocore_get(url, user["key"], user["secret"]).status_code == 200
        # Root is not named by the policy but its identity allows everything.
        assert _botocore_get(url, ACCESS_KEY, SECRET_KEY).status_code == 200
        # Another method: neither the policy nor the user's identity allows it.
        post = requests.post(portico.invoke_url(api_id, "prod", "/echo"), data=b"{}",
                             auth=AWS4Auth(user["key"], user["secret"], REGION, "execute-api"),
                             timeout=10)
        assert post.status_code == 403
    finally:
        apigw.delete_rest_api(restApiId=api_id)


def test_resource_policy_on_an_open_api_denies_by_ip_and_redeploys(portico, apigw, backend, http):
    allow_all = {"Effect": "Allow", "Principal": "*", "Action": "execute-api:Invoke",
                 "Resource": "execute-api:/*"}
    api_id = _identity_api(apigw, backend, authorization="NONE",
                           policy={"Version": "2012-10-17", "Statement": [allow_all]})
    try:
        url = portico.invoke_url(api_id, "prod", "/whoami")
        assert http.get(url, timeout=10).status_code == 200
        deny_loopback = {"Effect": "Deny", "Principal": "*", "Action": "execute-api:Invoke",
                         "Resource": "execute-api:/*",
                         "Condition": {"IpAddress": {"aws:SourceIp": ["127.0.0.0/8", "::1/128"]}}}
        apigw.update_rest_api(restApiId=api_id, patchOperations=[{
            "op": "replace", "path": "/policy",
            "value": json.dumps({"Version": "2012-10-17", "Statement": [allow_all, deny_loopback]}),
        }])
        # A policy change takes effect with the next deployment, as in AWS.
        assert http.get(url, timeout=10).status_code == 200
        apigw.create_deployment(restApiId=api_id, stageName="prod")
        denied = http.get(url, timeout=10)
        assert denied.status_code == 403
        assert denied.json()["message"] == (
            "User: anonymous is not authorized to perform: execute-api:Invoke on resource: "
            f"{_arn(api_id, 'prod', 'GET', '/whoami')} with an explicit deny")
    finally:
        apigw.delete_rest_api(restApiId=api_id)


def test_malformed_resource_policies_are_refused(apigw):
    with pytest.raises(apigw.exceptions.BadRequestException) as refused:
        apigw.create_rest_api(name="bad-policy", policy=json.dumps(
            {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "execute-api:Invoke"}]}))
    assert "Invalid policy document" in str(refused.value)


def test_awscurl_calls_an_iam_method(portico, iam_api):
    executable = shutil.which("awscurl")
    if executable is None:
        pytest.fail("awscurl is not installed (scripts/test installs it)")
    url = portico.invoke_url(iam_api, "prod", "/whoami")
    completed = subprocess.run(
        [executable, "--service", "execute-api", "--region", REGION,
         "--access_key", ACCESS_KEY, "--secret_key", SECRET_KEY, url],
        capture_output=True, text=True, timeout=60,
    )
    assert completed.returncode == 0, completed.stderr
    assert json.loads(completed.stdout)["accessKey"] == ACCESS_KEY


def test_control_plane_policies_see_request_tags_and_source_ip(portico, iam, apigw, user):
    iam.put_user_policy(UserName=user["name"], PolicyName="tagged-apis", PolicyDocument=json.dumps({
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Action": "apigateway:POST", "Resource": "arn:aws:apigateway:*::/restapis",
             "Condition": {"StringEquals": {"aws:RequestTag/team": "payments"},
                           "ForAllValues:StringEquals": {"aws:TagKeys": ["team"]}}},
            {"Effect": "Allow", "Action": "apigateway:GET", "Resource": "*",
             "Condition": {"IpAddress": {"aws:SourceIp": ["127.0.0.0/8", "::1/128"]}}},
            {"Effect": "Allow", "Action": "apigateway:DELETE", "Resource": "*",
             "Condition": {"IpAddress": {"aws:SourceIp": "192.0.2.0/24"}}},
        ],
    }))
    client = boto3.client("apigateway", endpoint_url=portico.admin_url, region_name=REGION,
                          aws_access_key_id=user["key"], aws_secret_access_key=user["secret"])
    created = client.create_rest_api(name="tagged", tags={"team": "payments"})
    try:
        assert client.get_rest_api(restApiId=created["id"])["tags"] == {"team": "payments"}
        with pytest.raises(client.exceptions.ClientError) as untagged:
            client.create_rest_api(name="untagged")
        assert untagged.value.response["Error"]["Code"] == "AccessDeniedException"
        with pytest.raises(client.exceptions.ClientError) as other_team:
            client.create_rest_api(name="other", tags={"team": "search"})
        assert other_team.value.response["Error"]["Code"] == "AccessDeniedException"
        with pytest.raises(client.exceptions.ClientError) as extra_key:
            client.create_rest_api(name="extra", tags={"team": "payments", "cost": "x"})
        assert extra_key.value.response["Error"]["Code"] == "AccessDeniedException"
        with pytest.raises(client.exceptions.ClientError) as wrong_network:
            client.delete_rest_api(restApiId=created["id"])
        assert wrong_network.value.response["Error"]["Code"] == "AccessDeniedException"
    finally:
        apigw.delete_rest_api(restApiId=created["id"])


def test_control_plane_policies_see_resource_tags(portico, iam, apigw, user):
    """Attribute-based access: a user may manage only the payments team's APIs; stages and
    every other child of a RestApi carry its tags, a stage's own tags override them."""
    iam.put_user_policy(UserName=user["name"], PolicyName="team-apis", PolicyDocument=json.dumps({
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Action": "apigateway:*", "Resource": "arn:aws:apigateway:*::/restapis/*",
             "Condition": {"StringEquals": {"aws:ResourceTag/team": "payments"}}},
            {"Effect": "Allow", "Action": "apigateway:*", "Resource": "arn:aws:apigateway:*::/tags/*",
             "Condition": {"StringEquals": {"aws:ResourceTag/team": "payments"}}},
        ],
    }))
    ours = apigw.create_rest_api(name="payments", tags={"team": "payments"})["id"]
    theirs = apigw.create_rest_api(name="search", tags={"team": "search"})["id"]
    try:
        root = apigw.get_resources(restApiId=ours)["items"][0]["id"]
        apigw.put_method(restApiId=ours, resourceId=root, httpMethod="GET", authorizationType="NONE")
        apigw.put_integration(restApiId=ours, resourceId=root, httpMethod="GET", type="MOCK",
                              requestTemplates={"application/json": '{"statusCode": 200}'})
        apigw.create_deployment(restApiId=ours, stageName="prod")
        apigw.create_deployment(restApiId=ours, stageName="lab")
        apigw.tag_resource(resourceArn=f"arn:aws:apigateway:{REGION}::/restapis/{ours}/stages/lab",
                           tags={"team": "research"})
        client = boto3.client("apigateway", endpoint_url=portico.admin_url, region_name=REGION,
                              aws_access_key_id=user["key"], aws_secret_access_key=user["secret"])

        assert client.get_rest_api(restApiId=ours)["name"] == "payments"
        assert client.get_resources(restApiId=ours)["items"][0]["id"] == root
        assert client.get_stage(restApiId=ours, stageName="prod")["stageName"] == "prod"
        client.update_rest_api(restApiId=ours, patchOperations=[
            {"op": "replace", "path": "/description", "value": "by the team"}])
        assert client.get_tags(resourceArn=f"arn:aws:apigateway:{REGION}::/restapis/{ours}")["tags"] == {
            "team": "payments"}

        for call in (
            lambda: client.get_rest_api(restApiId=theirs),
            lambda: client.get_resources(restApiId=theirs),
            lambda: client.delete_rest_api(restApiId=theirs),
            lambda: client.get_stage(restApiId=ours, stageName="lab"),
            lambda: client.get_tags(resourceArn=f"arn:aws:apigateway:{REGION}::/restapis/{theirs}"),
        ):
            with pytest.raises(client.exceptions.ClientError) as denied:
                call()
            assert denied.value.response["Error"]["Code"] == "AccessDeniedException"
            assert "because no identity-based policy allows the action" in denied.value.response["Error"]["Message"]
        assert apigw.get_rest_api(restApiId=theirs)["name"] == "search"
    finally:
        apigw.delete_rest_api(restApiId=ours)
        apigw.delete_rest_api(restApiId=theirs)
