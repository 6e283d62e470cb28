"""The README's flow, exactly as a user types it: awscli against the control plane,
then plain HTTP against the invoke URL in both forms."""


def test_readme_flow_with_awscli(aws, portico, backend, http):
    api = aws("create-rest-api", "--name", "shop")
    api_id = api["id"]
    root = aws("get-resources", "--rest-api-id", api_id)["items"][0]["id"]
    items = aws("create-resource", "--rest-api-id", api_id, "--parent-id", root, "--path-part", "items")["id"]
    item = aws("create-resource", "--rest-api-id", api_id, "--parent-id", items, "--path-part", "{id}")["id"]
    aws("put-method", "--rest-api-id", api_id, "--resource-id", item, "--http-method", "GET",
        "--authorization-type", "NONE", "--request-parameters", "method.request.path.id=true")
    aws("put-integration", "--rest-api-id", api_id, "--resource-id", item, "--http-method", "GET",
        "--type", "HTTP_PROXY", "--integration-http-method", "GET", "--uri", f"{backend}/catalog/{{id}}",
        "--request-parameters", "integration.request.path.id=method.request.path.id")
    aws("create-deployment", "--rest-api-id", api_id, "--stage-name", "dev")

    by_host = http.get(f"{portico.data_url}/dev/items/42", headers={"Host": f"{api_id}.execute-api.localhost"})
    assert by_host.status_code == 200
    assert by_host.json()["path"] == "/catalog/42"
    by_path = http.get(portico.invoke_url(api_id, "dev", "/items/42?x=1"))
    assert by_path.status_code == 200
    assert by_path.json()["path"] == "/catalog/42?x=1"
    assert "x-amzn-RequestId" in by_path.headers


def test_update_stage_with_shorthand_patch_operations(aws):
    api_id = aws("create-rest-api", "--name", "cli-stage")["id"]
    root = aws("get-resources", "--rest-api-id", api_id)["items"][0]["id"]
    aws("put-method", "--rest-api-id", api_id, "--resource-id", root, "--http-method", "GET", "--authorization-type", "NONE")
    aws("put-integration", "--rest-api-id", api_id, "--resource-id", root, "--http-method", "GET", "--type", "MOCK")
    aws("create-deployment", "--rest-api-id", api_id, "--stage-name", "dev")
    stage = aws("update-stage", "--rest-api-id", api_id, "--stage-name", "dev", "--patch-operations",
                "op=replace,path=/variables/lambdaAlias,value=prod",
                "op=replace,path=/*/*/throttling/rateLimit,value=100")
    assert stage["variables"] == {"lambdaAlias": "prod"}
    assert stage["methodSettings"]["*/*"]["throttlingRateLimit"] == 100.0
    tags_arn = f"arn:aws:apigateway:us-east-1::/restapis/{api_id}"
    aws("tag-resource", "--resource-arn", tags_arn, "--tags", "team=platform")
    assert aws("get-tags", "--resource-arn", tags_arn)["tags"] == {"team": "platform"}
    aws("delete-rest-api", "--rest-api-id", api_id)
    error = aws("get-rest-api", "--rest-api-id", api_id, expect_failure=True)
    assert "NotFoundException" in error
