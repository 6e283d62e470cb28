"""Lambda authorizers (TOKEN and REQUEST) in front of an AWS_PROXY function: AWS's 401/403/500
answers, the context handed to the integration, result caching and its flush, and
TestInvokeAuthorizer, driven by boto3 and plain HTTP."""

import json
import uuid

import pytest

from test_lambda import ROLE, package
from test_lambda_integrations import PROXY_HANDLER, allow_apigateway, lambda_uri

AUTHORIZER = """
import json, os
def handler(event, context):
    with open(os.environ["COUNT_FILE"], "a") as count:
        count.write(json.dumps(event) + "\\n")
    token = event.get("authorizationToken") or (event.get("headers") or {}).get("X-Token", "")
    if token == "unauthorized":
        raise Exception("Unauthorized")
    if token == "broken":
        return {"principalId": "x", "context": {"nested": {"not": "allowed"}}}
    effect = "Deny" if token == "deny" else "Allow"
    resource = event["methodArn"]
    if token == "only-get":
        resource = event["methodArn"].rsplit("/", 2)[0] + "/GET/*"
    result = {
        "principalId": "user-" + token,
        "policyDocument": {"Version": "2012-10-17", "Statement": [
            {"Action": "execute-api:Invoke", "Effect": effect, "Resource": resource}]},
        "context": {"tier": "gold", "level": 3, "admin": False},
    }
    if token == "keyed":
        result["usageIdentifierKey"] = "compatauthorizerkey0123456789"
    return result
"""


@pytest.fixture
def functions(lam, tmp_path):
    suffix = uuid.uuid4().hex[:8]
    count_file = tmp_path / "invocations"
    count_file.write_text("")
    authorizer = lam.create_function(
        FunctionName=f"authorizer-{suffix}", Runtime="python3.12", Role=ROLE, Handler="app.handler",
        Code={"ZipFile": package(AUTHORIZER)}, Environment={"Variables": {"COUNT_FILE": str(count_file)}},
    )["FunctionArn"]
    backend = lam.create_function(
        FunctionName=f"backend-{suffix}", Runtime="python3.12", Role=ROLE, Handler="app.handler",
        Code={"ZipFile": package(PROXY_HANDLER)},
    )["FunctionArn"]
    for arn in (authorizer, backend):
        lam.get_waiter("function_active_v2").wait(FunctionName=arn)
    yield authorizer, backend, count_file
    for arn in (authorizer, backend):
        lam.delete_function(FunctionName=arn)


def invocations(count_file):
    return [json.loads(line) for line in count_file.read_text().splitlines()]


def protected_api(apigw, api, backend, authorizer_id, methods=("GET",), lam=None, authorizer=None):
    api_id, root = api["id"], api["rootResourceId"]
    items = apigw.create_resource(restApiId=api_id, parentId=root, pathPart="items")["id"]
    for method in methods:
        apigw.put_method(restApiId=api_id, resourceId=items, httpMethod=method, authorizationType="CUSTOM",
                         authorizerId=authorizer_id)
        apigw.put_integration(restApiId=api_id, resourceId=items, httpMethod=method, type="AWS_PROXY",
                              integrationHttpMethod="POST", uri=lambda_uri(backend))
    apigw.create_deployment(restApiId=api_id, stageName="dev")
    allow_apigateway(lam, backend, api_id)
    allow_apigateway(lam, authorizer, api_id)
    return api_id


@pytest.fixture
def token_api(lam, apigw, api, functions):
    authorizer, backend, count_file = functions
    created = apigw.create_authorizer(
        restApiId=api["id"], name="token", type="TOKEN", authorizerUri=lambda_uri(authorizer),
        identitySource="method.request.header.Authorization",
        identityValidationExpression="[a-z-]+", authorizerResultTtlInSeconds=300)
    api_id = protected_api(apigw, api, backend, created["id"], methods=("GET", "POST"), lam=lam,
                           authorizer=authorizer)
    return api_id, created["id"], count_file


def test_allowed_token_reaches_the_function_with_the_authorizer_context(portico, token_api, http):
    api_id, _, count_file = token_api
    response = http.get(portico.invoke_url(api_id, "dev", "/items"), headers={"Authorization": "alice"})
    assert response.status_code == 201, response.text
    authorizer = response.json()["requestContext"]["authorizer"]
    assert authorizer["principalId"] == "user-alice"
    assert authorizer["tier"] == "gold"
    assert authorizer["level"] == 3 and authorizer["admin"] is False
    assert "integrationLatency" in authorizer
    [event] = invocations(count_file)
    assert event["type"] == "TOKEN"
    assert event["authorizationToken"] == "alice"
    assert event["methodArn"] == f"arn:aws:execute-api:us-east-1:000000000000:{api_id}/dev/GET/items"


def test_refusals_answer_as_aws_does(portico, token_api, http):
    api_id, _, count_file = token_api
    url = portico.invoke_url(api_id, "dev", "/items")
    missing = http.get(url)
    assert missing.status_code == 401
    assert missing.json() == {"message": "Unauthorized"}
    assert missing.headers["x-amzn-ErrorType"] == "UnauthorizedException"
    invalid = http.get(url, headers={"Authorization": "NOT VALID 123"})
    assert invalid.status_code == 401
    assert invocations(count_file) == [], "neither request invoked the authorizer"
    unauthorized = http.get(url, headers={"Authorization": "unauthorized"})
    assert unauthorized.status_code == 401
    assert unauthorized.json() == {"message": "Unauthorized"}
    denied = http.get(url, headers={"Authorization": "deny"})
    assert denied.status_code == 403
    assert denied.json() == {"message": "User is not authorized to access this resource with an explicit deny"}
    assert denied.headers["x-amzn-ErrorType"] == "AccessDeniedException"
    broken = http.get(url, headers={"Authorization": "broken"})
    assert broken.status_code == 500
    assert broken.text == '{"message":null}'
    assert broken.headers["x-amzn-ErrorType"] == "AuthorizerConfigurationException"


def test_results_are_cached_per_token_and_flushed_on_request(portico, apigw, token_api, http):
    api_id, _, count_file = token_api
    url = portico.invoke_url(api_id, "dev", "/items")
    for _ in range(3):
        assert http.get(url, headers={"Authorization": "bob"}).status_code == 201
    assert len(invocations(count_file)) == 1
    assert http.get(url, headers={"Authorization": "carol"}).status_code == 201
    assert len(invocations(count_file)) == 2
    apigw.flush_stage_authorizers_cache(restApiId=api_id, stageName="dev")
    assert http.get(url, headers={"Authorization": "bob"}).status_code == 201
    assert len(invocations(count_file)) == 3


def test_cached_policy_is_evaluated_again_for_each_method(portico, token_api, http):
    api_id, _, count_file = token_api
    url = portico.invoke_url(api_id, "dev", "/items")
    assert http.get(url, headers={"Authorization": "only-get"}).status_code == 201
    post = http.post(url, headers={"Authorization": "only-get"}, data="{}")
    assert post.status_code == 403
    assert post.json() == {"message": "User is not authorized to access this resource"}
    assert len(invocations(count_file)) == 1, "the POST used the cached policy"


def test_request_authorizer_sees_the_request_and_needs_every_source(portico, lam, apigw, api, functions, http):
    authorizer, backend, count_file = functions
    created = apigw.create_authorizer(
        restApiId=api["id"], name="request", type="REQUEST", authorizerUri=lambda_uri(authorizer),
        identitySource="method.request.header.X-Token,method.request.querystring.tenant",
        authorizerResultTtlInSeconds=0)
    api_id = protected_api(apigw, api, backend, created["id"], lam=lam, authorizer=authorizer)
    url = portico.invoke_url(api_id, "dev", "/items")
    assert http.get(url, headers={"X-Token": "dave"}).status_code == 401
    assert invocations(count_file) == []
    response = http.get(url + "?tenant=t1", headers={"X-Token": "dave"})
    assert response.status_code == 201
    assert response.json()["requestContext"]["authorizer"]["principalId"] == "user-dave"
    [event] = invocations(count_file)
    assert event["type"] == "REQUEST"
    assert event["headers"]["X-Token"] == "dave"
    assert event["queryStringParameters"] == {"tenant": "t1"}
    assert event["resource"] == "/items" and event["httpMethod"] == "GET"
    assert event["requestContext"]["stage"] == "dev"
    http.get(url + "?tenant=t1", headers={"X-Token": "dave"})
    assert len(invocations(count_file)) == 2, "a TTL of 0 caches nothing"


def test_test_invoke_authorizer_reports_the_result(apigw, token_api):
    api_id, authorizer_id, _ = token_api
    result = apigw.test_invoke_authorizer(restApiId=api_id, authorizerId=authorizer_id,
                                          headers={"Authorization": "erin"}, pathWithQueryString="/items")
    assert result["clientStatus"] == 0  # AWS: 0 when the authorizer succeeded
    assert result["principalId"] == "user-erin"
    policy = json.loads(result["policy"])
    assert policy["Statement"][0]["Effect"] == "Allow"
    assert result["authorization"]["tier"] == ["gold"]
    refused = apigw.test_invoke_authorizer(restApiId=api_id, authorizerId=authorizer_id,
                                           headers={"Authorization": "unauthorized"})
    assert refused["clientStatus"] == 401


def test_usage_identifier_key_is_the_api_key_with_the_authorizer_source(portico, lam, apigw, api, functions, http):
    authorizer, backend, _ = functions
    api_id = api["id"]
    apigw.update_rest_api(restApiId=api_id, patchOperations=[
        {"op": "replace", "path": "/apiKeySource", "value": "AUTHORIZER"}])
    created = apigw.create_authorizer(
        restApiId=api_id, name="keys", type="TOKEN", authorizerUri=lambda_uri(authorizer),
        identitySource="method.request.header.Authorization")
    root = api["rootResourceId"]
    apigw.put_method(restApiId=api_id, resourceId=root, httpMethod="GET", authorizationType="CUSTOM",
                     authorizerId=created["id"], apiKeyRequired=True)
    apigw.put_integration(restApiId=api_id, resourceId=root, httpMethod="GET", type="AWS_PROXY",
                          integrationHttpMethod="POST", uri=lambda_uri(backend))
    apigw.create_deployment(restApiId=api_id, stageName="dev")
    allow_apigateway(lam, backend, api_id)
    allow_apigateway(lam, authorizer, api_id)
    key = apigw.create_api_key(name=f"authorizer-{api_id}", enabled=True, value="compatauthorizerkey0123456789")
    plan = apigw.create_usage_plan(name=f"authorizer-{api_id}", apiStages=[{"apiId": api_id, "stage": "dev"}])
    try:
        apigw.create_usage_plan_key(usagePlanId=plan["id"], keyId=key["id"], keyType="API_KEY")
        url = portico.invoke_url(api_id, "dev", "/")
        keyed = http.get(url, headers={"Authorization": "keyed", "x-api-key": "ignored-with-this-source"})
        assert keyed.status_code == 201, keyed.text
        assert keyed.json()["requestContext"]["identity"]["apiKeyId"] == key["id"]
        unkeyed = http.get(url, headers={"Authorization": "alice"})
        assert unkeyed.status_code == 403
        assert unkeyed.json() == {"message": "Forbidden"}
    finally:
        apigw.delete_usage_plan_key(usagePlanId=plan["id"], keyId=key["id"])
        apigw.update_usage_plan(usagePlanId=plan["id"], patchOperations=[
            {"op": "remove", "path": "/apiStages", "value": f"{api_id}:dev"}])
        apigw.delete_usage_plan(usagePlanId=plan["id"])
        apigw.delete_api_key(apiKey=key["id"])
