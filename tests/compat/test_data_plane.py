"""The data plane with ordinary HTTP clients: MOCK, HTTP and HTTP_PROXY integrations and
AWS's error answers."""

import json

import pytest


@pytest.fixture
def proxied(apigw, api, backend):
    api_id, root = api["id"], api["rootResourceId"]
    proxy = apigw.create_resource(restApiId=api_id, parentId=root, pathPart="{proxy+}")["id"]
    apigw.put_method(restApiId=api_id, resourceId=proxy, httpMethod="ANY", authorizationType="NONE",
                     requestParameters={"method.request.path.proxy": True})
    apigw.put_integration(restApiId=api_id, resourceId=proxy, httpMethod="ANY", type="HTTP_PROXY",
                          integrationHttpMethod="ANY", uri=f"{backend}/{{proxy}}",
                          requestParameters={"integration.request.path.proxy": "method.request.path.proxy"})
    apigw.create_deployment(restApiId=api_id, stageName="dev")
    return api_id


def test_http_proxy_forwards_everything(portico, proxied, http):
    response = http.put(portico.invoke_url(proxied, "dev", "/a/b?q=1&q=2"), data=b"body",
                        headers={"X-Custom": "yes", "Content-Type": "text/plain"})
    assert response.status_code == 200
    echoed = response.json()
    assert echoed["method"] == "PUT"
    assert echoed["path"] == "/a/b?q=1&q=2"
    assert echoed["body"] == "body"
    assert echoed["headers"]["x-custom"] == "yes"
    assert echoed["headers"]["x-forwarded-for"] == "127.0.0.1"
    assert response.headers["X-Echo"] == "1"
    assert "x-amzn-Remapped-Server" in response.headers


def test_http_proxy_passes_backend_status_through(portico, proxied, http):
    response = http.get(portico.invoke_url(proxied, "dev", "/status/418"))
    assert response.status_code == 418


def test_unknown_paths_answer_missing_authentication_token(portico, proxied, http):
    for url in (portico.invoke_url(proxied, "dev", "/"), portico.invoke_url(proxied, "nostage", "/x"),
                portico.invoke_url("nosuchapi1", "dev", "/x")):
        response = http.get(url)
        assert response.status_code == 403, url
        assert response.json() == {"message": "Missing Authentication Token"}
        assert response.headers["x-amzn-ErrorType"] == "MissingAuthenticationTokenException"


def test_mock_and_http_integrations(portico, apigw, api, backend, http):
    api_id, root = api["id"], api["rootResourceId"]
    apigw.put_method(restApiId=api_id, resourceId=root, httpMethod="GET", authorizationType="NONE")
    apigw.put_integration(restApiId=api_id, resourceId=root, httpMethod="GET", type="MOCK",
                          requestTemplates={"application/json": '{"statusCode": 200}'})
    apigw.put_method_response(restApiId=api_id, resourceId=root, httpMethod="GET", statusCode="200",
                              responseParameters={"method.response.header.Access-Control-Allow-Origin": False})
    apigw.put_integration_response(restApiId=api_id, resourceId=root, httpMethod="GET", statusCode="200",
                                   responseParameters={"method.response.header.Access-Control-Allow-Origin": "'*'"},
                                   responseTemplates={"application/json": '{"service": "up"}'})
    echo = apigw.create_resource(restApiId=api_id, parentId=root, pathPart="echo")["id"]
    apigw.put_method(restApiId=api_id, resourceId=echo, httpMethod="POST", authorizationType="NONE",
                     requestParameters={"method.request.header.X-Trace": False})
    apigw.put_integration(restApiId=api_id, resourceId=echo, httpMethod="POST", type="HTTP",
                          integrationHttpMethod="POST", uri=f"{backend}/submit",
                          requestParameters={"integration.request.header.X-Trace": "method.request.header.X-Trace"})
    apigw.put_method_response(restApiId=api_id, resourceId=echo, httpMethod="POST", statusCode="200")
    apigw.put_integration_response(restApiId=api_id, resourceId=echo, httpMethod="POST", statusCode="200")
    apigw.create_deployment(restApiId=api_id, stageName="v1")

    mocked = http.get(portico.invoke_url(api_id, "v1", "/"))
    assert mocked.status_code == 200
    assert mocked.json() == {"service": "up"}
    assert mocked.headers["Access-Control-Allow-Origin"] == "*"

    posted = http.post(portico.invoke_url(api_id, "v1", "/echo"), json={"n": 1}, headers={"X-Trace": "t-1"})
    assert posted.status_code == 200
    echoed = posted.json()
    assert echoed["path"] == "/submit"
    assert echoed["headers"]["x-trace"] == "t-1"
    assert echoed["body"] == '{"n": 1}'
    assert posted.headers["Content-Type"] == "application/json"


def test_gateway_responses_map_path_parameters_and_context(portico, apigw, api, http):
    api_id = api["id"]
    items = apigw.create_resource(restApiId=api_id, parentId=api["rootResourceId"], pathPart="items")["id"]
    item = apigw.create_resource(restApiId=api_id, parentId=items, pathPart="{id}")["id"]
    validator = apigw.create_request_validator(restApiId=api_id, name="params",
                                               validateRequestParameters=True)["id"]
    apigw.put_method(restApiId=api_id, resourceId=item, httpMethod="GET", authorizationType="NONE",
                     requestValidatorId=validator,
                     requestParameters={"method.request.querystring.q": True})
    apigw.put_integration(restApiId=api_id, resourceId=item, httpMethod="GET", type="MOCK",
                          requestTemplates={"application/json": '{"statusCode": 200}'})
    apigw.put_gateway_response(
        restApiId=api_id, responseType="BAD_REQUEST_PARAMETERS",
        responseParameters={"gatewayresponse.header.X-Item": "method.request.path.id",
                            "gatewayresponse.header.X-Resource": "context.resourceId"},
        responseTemplates={"application/json":
                           '{"path": "$context.path", "protocol": "$context.protocol", '
                           '"message": $context.error.messageString}'})
    apigw.create_deployment(restApiId=api_id, stageName="dev")

    refused = http.get(portico.invoke_url(api_id, "dev", "/items/a%20b"), timeout=10)
    assert refused.status_code == 400, refused.text
    assert refused.headers["X-Item"] == "a b"
    assert refused.headers["X-Resource"] == item
    body = refused.json()
    assert body["path"] == "/dev/items/a%20b"
    assert body["protocol"] == "HTTP/1.1"
    assert body["message"].startswith("Missing required request parameters")


def test_payload_compression(portico, apigw, api, http):
    import gzip
    import zlib

    api_id = api["id"]
    apigw.update_rest_api(restApiId=api_id, patchOperations=[
        {"op": "replace", "path": "/minimumCompressionSize", "value": "200"}])
    root = api["rootResourceId"]
    apigw.put_method(restApiId=api_id, resourceId=root, httpMethod="POST", authorizationType="NONE")
    # The request template reads the (decompressed) body to pick the status and the size.
    apigw.put_integration(restApiId=api_id, resourceId=root, httpMethod="POST", type="MOCK",
                          requestTemplates={"application/json": '{"statusCode": $input.json(\'$.code\')}'})
    for status in ("200", "201"):
        apigw.put_method_response(restApiId=api_id, resourceId=root, httpMethod="POST", statusCode=status)
    apigw.put_integration_response(restApiId=api_id, resourceId=root, httpMethod="POST", statusCode="200",
                                   responseTemplates={"application/json": '{"small": true}'})
    apigw.put_integration_response(restApiId=api_id, resourceId=root, httpMethod="POST", statusCode="201",
                                   selectionPattern="201",
                                   responseTemplates={"application/json": '{"big": "' + "x" * 500 + '"}'})
    apigw.create_deployment(restApiId=api_id, stageName="dev")
    url = portico.invoke_url(api_id, "dev", "/")

    def post(code, accept="gzip", encode=None):
        body = json.dumps({"code": code}).encode()
        headers = {"Content-Type": "application/json", "Accept-Encoding": accept}
        if encode:
            body = encode(body)
            headers["Content-Encoding"] = "gzip" if encode is gzip.compress else "deflate"
        return http.post(url, data=body, headers=headers, stream=True, timeout=10)

    big = post(201)
    assert big.status_code == 201
    assert big.headers["Content-Encoding"] == "gzip"
    raw = big.raw.read(decode_content=False)
    assert int(big.headers["Content-Length"]) == len(raw) < 500
    assert json.loads(gzip.decompress(raw)) == {"big": "x" * 500}
    deflated = post(201, accept="deflate")
    assert deflated.headers["Content-Encoding"] == "deflate"
    assert json.loads(zlib.decompress(deflated.raw.read(decode_content=False)))["big"] == "x" * 500
    assert "Content-Encoding" not in post(201, accept="identity").headers
    small = post(200)
    assert small.status_code == 200 and "Content-Encoding" not in small.headers

    # Compressed request bodies are decoded before the mapping template reads them.
    assert post(201, encode=gzip.compress).status_code == 201
    assert post(201, encode=zlib.compress).status_code == 201
    broken = http.post(url, data=b"not gzip", timeout=10,
                       headers={"Content-Type": "application/json", "Content-Encoding": "gzip"})
    assert broken.status_code == 415  # AWS: a body not in its stated coding
    assert broken.json() == {"message": "Unsupported Media Type"}
