"""APIs in front of functions hosted by Portico: AWS_PROXY (the proxy event a handler
receives, the response it returns) and AWS (non-proxy) integrations with mapping templates
and errorMessage selection, called with plain HTTP clients."""

import base64
import json
import uuid

import pytest

from test_lambda import ROLE, package

PROXY_HANDLER = """
import base64, json
def handler(event, context):
    mode = (event.get("queryStringParameters") or {}).get("mode")
    if mode == "raise":
        raise RuntimeError("boom")
    if mode == "malformed":
        return {"statusCode": 200, "body": {"not": "a string"}}
    if mode == "binary":
        return {"statusCode": 200, "headers": {"Content-Type": "image/png"},
                "body": base64.b64encode(b"\\x89PNG\\x00\\x01").decode(), "isBase64Encoded": True}
    return {
        "statusCode": 201,
        "headers": {"X-Handler": "python", "Content-Type": "application/json"},
        "multiValueHeaders": {"Set-Cookie": ["a=1", "b=2"]},
        "body": json.dumps(event),
    }
"""

PLAIN_HANDLER = """
def handler(event, context):
    if event.get("fail"):
        raise LookupError("Not found: " + event["name"])
    return {"greeting": "hello " + event["name"], "request": context.aws_request_id}
"""


def lambda_uri(function_arn):
    return f"arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/{function_arn}/invocations"


def allow_apigateway(lam, function, api_id, qualifier=None):
    """The permission API Gateway needs to invoke a function (as `aws lambda add-permission`
    in every AWS tutorial): any method or authorizer of `api_id`."""
    extra = {"Qualifier": qualifier} if qualifier else {}
    lam.add_permission(FunctionName=function, StatementId=f"apigw-{api_id}-{qualifier or 'unqualified'}",
                       Action="lambda:InvokeFunction", Principal="apigateway.amazonaws.com",
                       SourceArn=f"arn:aws:execute-api:us-east-1:000000000000:{api_id}/*", **extra)


@pytest.fixture
def proxy_function(lam):
    name = f"proxy-{uuid.uuid4().hex[:8]}"
    arn = lam.create_function(FunctionName=name, Runtime="python3.12", Role=ROLE, Handler="app.handler",
                              Code={"ZipFile": package(PROXY_HANDLER)})["FunctionArn"]
    lam.get_waiter("function_active_v2").wait(FunctionName=name)
    yield arn
    lam.delete_function(FunctionName=name)


@pytest.fixture
def proxy_api(lam, apigw, api, proxy_function):
    api_id, root = api["id"], api["rootResourceId"]
    apigw.update_rest_api(restApiId=api_id, patchOperations=[
        {"op": "add", "path": "/binaryMediaTypes/image~1png"}])
    pets = apigw.create_resource(restApiId=api_id, parentId=root, pathPart="pets")["id"]
    pet = apigw.create_resource(restApiId=api_id, parentId=pets, pathPart="{id}")["id"]
    apigw.put_method(restApiId=api_id, resourceId=pet, httpMethod="ANY", authorizationType="NONE",
                     operationName="PetOperation")
    apigw.put_integration(restApiId=api_id, resourceId=pet, httpMethod="ANY", type="AWS_PROXY",
                          integrationHttpMethod="POST", uri=lambda_uri(proxy_function))
    apigw.create_deployment(restApiId=api_id, stageName="dev", variables={"color": "blue"})
    allow_apigateway(lam, proxy_function, api_id)
    return api_id


def test_proxy_event_carries_every_field(portico, proxy_api, http):
    response = http.post(
        portico.invoke_url(proxy_api, "dev", "/pets/a%20b?q=1&q=2&single=x"),
        data="payload text",
        headers={"Content-Type": "text/plain", "X-Multi": "one", "User-Agent": "compat-test"},
    )
    assert response.status_code == 201, response.text
    assert response.headers["X-Handler"] == "python"
    assert response.headers["x-amzn-RequestId"]
    event = response.json()
    assert event["resource"] == "/pets/{id}"
    assert event["path"] == "/pets/a b"
    assert event["httpMethod"] == "POST"
    assert event["headers"]["X-Multi"] == "one"
    assert event["multiValueHeaders"]["X-Multi"] == ["one"]
    assert event["queryStringParameters"] == {"q": "2", "single": "x"}
    assert event["multiValueQueryStringParameters"] == {"q": ["1", "2"], "single": ["x"]}
    assert event["pathParameters"] == {"id": "a b"}
    assert event["stageVariables"] == {"color": "blue"}
    assert event["body"] == "payload text"
    assert event["isBase64Encoded"] is False
    context = event["requestContext"]
    assert context["accountId"] == "000000000000"
    assert context["apiId"] == proxy_api
    assert context["resourcePath"] == "/pets/{id}"
    assert context["stage"] == "dev"
    assert context["path"] == "/dev/pets/a%20b"
    assert context["httpMethod"] == "POST"
    assert context["protocol"] == "HTTP/1.1"
    assert context["requestId"] == response.headers["x-amzn-RequestId"]
    assert context["operationName"] == "PetOperation"
    assert isinstance(context["requestTimeEpoch"], int)
    assert context["identity"]["sourceIp"] == "127.0.0.1"
    assert context["identity"]["userAgent"] == "compat-test"
    assert context["identity"]["user"] is None


def test_proxy_event_nulls_and_binary_bodies(portico, proxy_api, http):
    response = http.put(portico.invoke_url(proxy_api, "dev", "/pets/7"), data=b"\x00\x01\x02",
                        headers={"Content-Type": "image/png"})
    event = response.json()
    assert event["queryStringParameters"] is None
    assert event["multiValueQueryStringParameters"] is None
    assert event["isBase64Encoded"] is True
    assert base64.b64decode(event["body"]) == b"\x00\x01\x02"
    get = http.get(portico.invoke_url(proxy_api, "dev", "/pets/7")).json()
    assert get["body"] is None


def test_proxy_response_headers_and_binary(portico, proxy_api, http):
    response = http.get(portico.invoke_url(proxy_api, "dev", "/pets/1"))
    assert response.raw.headers.getlist("Set-Cookie") == ["a=1", "b=2"]
    binary = http.get(portico.invoke_url(proxy_api, "dev", "/pets/1?mode=binary"),
                      headers={"Accept": "image/png"})
    assert binary.status_code == 200
    assert binary.content == b"\x89PNG\x00\x01"
    as_text = http.get(portico.invoke_url(proxy_api, "dev", "/pets/1?mode=binary"))
    assert base64.b64decode(as_text.content) == b"\x89PNG\x00\x01"


def test_function_errors_and_malformed_output_are_502(portico, proxy_api, http):
    for mode in ("raise", "malformed"):
        response = http.get(portico.invoke_url(proxy_api, "dev", f"/pets/1?mode={mode}"))
        assert response.status_code == 502, mode
        assert response.json() == {"message": "Internal server error"}
        assert response.headers["x-amzn-ErrorType"] == "InternalServerErrorException"


def test_missing_function_is_a_500(portico, apigw, api, http):
    api_id, root = api["id"], api["rootResourceId"]
    apigw.put_method(restApiId=api_id, resourceId=root, httpMethod="GET", authorizationType="NONE")
    apigw.put_integration(restApiId=api_id, resourceId=root, httpMethod="GET", type="AWS_PROXY",
                          integrationHttpMethod="POST",
                          uri=lambda_uri("arn:aws:lambda:us-east-1:000000000000:function:nobody"))
    apigw.create_deployment(restApiId=api_id, stageName="dev")
    response = http.get(portico.invoke_url(api_id, "dev", "/"))
    assert response.status_code == 500
    assert response.json() == {"message": "Internal server error"}


def test_stage_variables_choose_the_alias(portico, lam, apigw, api, http):
    name = f"aliased-{uuid.uuid4().hex[:8]}"
    lam.create_function(FunctionName=name, Runtime="python3.12", Role=ROLE, Handler="app.handler",
                        Code={"ZipFile": package(
                            "def handler(e, c):\n    return {'statusCode': 200, 'body': c.function_version}\n")})
    try:
        lam.get_waiter("function_active_v2").wait(FunctionName=name)
        lam.publish_version(FunctionName=name)
        lam.create_alias(FunctionName=name, Name="prod", FunctionVersion="1")
        lam.create_alias(FunctionName=name, Name="dev", FunctionVersion="$LATEST")
        api_id, root = api["id"], api["rootResourceId"]
        apigw.put_method(restApiId=api_id, resourceId=root, httpMethod="GET", authorizationType="NONE")
        apigw.put_integration(
            restApiId=api_id, resourceId=root, httpMethod="GET", type="AWS_PROXY", integrationHttpMethod="POST",
            uri=lambda_uri(f"arn:aws:lambda:us-east-1:000000000000:function:{name}:${{stageVariables.alias}}"))
        allow_apigateway(lam, name, api_id, qualifier="prod")
        allow_apigateway(lam, name, api_id, qualifier="dev")
        apigw.create_deployment(restApiId=api_id, stageName="prod", variables={"alias": "prod"})
        apigw.create_deployment(restApiId=api_id, stageName="dev", variables={"alias": "dev"})
        assert http.get(portico.invoke_url(api_id, "prod", "/")).text == "1"
        assert http.get(portico.invoke_url(api_id, "dev", "/")).text == "$LATEST"
    finally:
        lam.delete_function(FunctionName=name)


def test_non_proxy_lambda_with_templates_and_error_selection(portico, lam, apigw, api, http):
    name = f"plain-{uuid.uuid4().hex[:8]}"
    arn = lam.create_function(FunctionName=name, Runtime="python3.12", Role=ROLE, Handler="app.handler",
                              Code={"ZipFile": package(PLAIN_HANDLER)})["FunctionArn"]
    try:
        lam.get_waiter("function_active_v2").wait(FunctionName=name)
        api_id, root = api["id"], api["rootResourceId"]
        greet = apigw.create_resource(restApiId=api_id, parentId=root, pathPart="{name}")["id"]
        apigw.put_method(restApiId=api_id, resourceId=greet, httpMethod="GET", authorizationType="NONE")
        apigw.put_integration(
            restApiId=api_id, resourceId=greet, httpMethod="GET", type="AWS", integrationHttpMethod="POST",
            uri=lambda_uri(arn),
            requestTemplates={"application/json": '{"name": "$input.params(\'name\')", '
                                                  '"fail": $input.params(\'fail\').equals("yes")}'})
        apigw.put_method_response(restApiId=api_id, resourceId=greet, httpMethod="GET", statusCode="200")
        apigw.put_method_response(restApiId=api_id, resourceId=greet, httpMethod="GET", statusCode="404")
        apigw.put_integration_response(
            restApiId=api_id, resourceId=greet, httpMethod="GET", statusCode="200",
            responseTemplates={"application/json": '{"message": "$input.path(\'$.greeting\')"}'})
        apigw.put_integration_response(
            restApiId=api_id, resourceId=greet, httpMethod="GET", statusCode="404",
            selectionPattern="Not found: .*",
            responseTemplates={"application/json": '{"error": "$input.path(\'$.errorMessage\')"}'})
        apigw.create_deployment(restApiId=api_id, stageName="dev")
        allow_apigateway(lam, arn, api_id)
        ok = http.get(portico.invoke_url(api_id, "dev", "/world"))
        assert ok.status_code == 200
        assert ok.json() == {"message": "hello world"}
        missing = http.get(portico.invoke_url(api_id, "dev", "/ghost?fail=yes"))
        assert missing.status_code == 404
        assert missing.json() == {"error": "Not found: ghost"}
    finally:
        lam.delete_function(FunctionName=name)


def test_the_gateway_needs_the_functions_permission(portico, lam, apigw, api, proxy_function, http):
    api_id, root = api["id"], api["rootResourceId"]
    apigw.put_method(restApiId=api_id, resourceId=root, httpMethod="GET", authorizationType="NONE")
    apigw.put_integration(restApiId=api_id, resourceId=root, httpMethod="GET", type="AWS_PROXY",
                          integrationHttpMethod="POST", uri=lambda_uri(proxy_function))
    apigw.create_deployment(restApiId=api_id, stageName="dev")
    url = portico.invoke_url(api_id, "dev", "/")
    denied = http.get(url)
    assert denied.status_code == 500
    assert denied.json() == {"message": "Internal server error"}
    allow_apigateway(lam, proxy_function, "someotherapi")
    assert http.get(url).status_code == 500, "a permission for another API does not count"
    allow_apigateway(lam, proxy_function, api_id)
    assert http.get(url).status_code == 201
    lam.remove_permission(FunctionName=proxy_function, StatementId=f"apigw-{api_id}-unqualified")
    assert http.get(url).status_code == 500


def test_integration_credentials_stand_in_for_the_permission(portico, apigw, api, proxy_function, http):
    api_id, root = api["id"], api["rootResourceId"]
    apigw.put_method(restApiId=api_id, resourceId=root, httpMethod="GET", authorizationType="NONE")
    apigw.put_integration(restApiId=api_id, resourceId=root, httpMethod="GET", type="AWS_PROXY",
                          integrationHttpMethod="POST", uri=lambda_uri(proxy_function),
                          credentials="arn:aws:iam::000000000000:role/apigateway-invoke")
    apigw.create_deployment(restApiId=api_id, stageName="dev")
    assert http.get(portico.invoke_url(api_id, "dev", "/")).status_code == 201


def test_edge_apis_capitalise_header_names_and_regional_apis_keep_them(portico, apigw, proxy_api, http):
    def event_headers():
        response = http.post(portico.invoke_url(proxy_api, "dev", "/pets/1"), data="x",
                             headers={"x-lower-case": "v", "X-API-Key-Like": "w"})
        assert response.status_code == 201, response.text
        return response.json()["headers"], response.json()["multiValueHeaders"]

    headers, multi = event_headers()  # CreateRestApi's default endpoint type is EDGE
    assert headers["X-Lower-Case"] == "v" and multi["X-Lower-Case"] == ["v"]
    assert headers["X-API-Key-Like"] == "w"
    assert "x-lower-case" not in headers
    apigw.update_rest_api(restApiId=proxy_api, patchOperations=[
        {"op": "replace", "path": "/endpointConfiguration/types/EDGE", "value": "REGIONAL"}])
    apigw.create_deployment(restApiId=proxy_api, stageName="dev")
    headers, _ = event_headers()
    assert headers["x-lower-case"] == "v"
    assert "X-Lower-Case" not in headers


def test_a_statement_id_reused_by_an_alias_policy_keeps_every_grant(portico, lam, proxy_api, proxy_function, http):
    # The API's grant on the unqualified function is statement `apigw-{api}-unqualified`;
    # the same id in the alias's own policy must not cost the function its grants.
    lam.publish_version(FunctionName=proxy_function)
    lam.create_alias(FunctionName=proxy_function, Name="live", FunctionVersion="1")
    lam.add_permission(FunctionName=proxy_function, Qualifier="live",
                       StatementId=f"apigw-{proxy_api}-unqualified", Action="lambda:InvokeFunction",
                       Principal="apigateway.amazonaws.com")
    response = http.post(portico.invoke_url(proxy_api, "dev", "/pets/1"), data="x")
    assert response.status_code == 201, response.text
