"""Every control-plane operation of the foundation through boto3, as users' scripts call it."""

import json

import boto3
import botocore.exceptions
import pytest

from conftest import ACCESS_KEY, REGION


def root_id(apigw, api_id):
    resources = apigw.get_resources(restApiId=api_id)["items"]
    return next(r["id"] for r in resources if r["path"] == "/")


def test_create_rest_api_returns_aws_defaults(apigw, api):
    assert len(api["id"]) == 10
    assert api["name"] == "compat"
    assert api["apiKeySource"] == "HEADER"
    assert api["endpointConfiguration"]["types"] == ["EDGE"]
    assert api["disableExecuteApiEndpoint"] is False
    assert api["rootResourceId"] == root_id(apigw, api["id"])
    assert api["createdDate"].year >= 2024


def test_rest_api_get_update_list_delete(apigw):
    created = apigw.create_rest_api(
        name="orders", description="first", binaryMediaTypes=["image/png"],
        endpointConfiguration={"types": ["REGIONAL"]}, tags={"team": "a"},
    )
    api_id = created["id"]
    fetched = apigw.get_rest_api(restApiId=api_id)
    assert fetched["description"] == "first"
    assert fetched["endpointConfiguration"]["types"] == ["REGIONAL"]
    assert fetched["tags"] == {"team": "a"}
    updated = apigw.update_rest_api(restApiId=api_id, patchOperations=[
        {"op": "replace", "path": "/name", "value": "orders-v2"},
        {"op": "replace", "path": "/description", "value": "second"},
        {"op": "add", "path": "/binaryMediaTypes/application~1pdf"},
        {"op": "remove", "path": "/binaryMediaTypes/image~1png"},
        {"op": "replace", "path": "/minimumCompressionSize", "value": "1024"},
    ])
    assert updated["name"] == "orders-v2"
    assert updated["binaryMediaTypes"] == ["application/pdf"]
    assert updated["minimumCompressionSize"] == 1024
    listed = [item["id"] for page in apigw.get_paginator("get_rest_apis").paginate(PaginationConfig={"PageSize": 2}) for item in page["items"]]
    assert api_id in listed
    apigw.delete_rest_api(restApiId=api_id)
    with pytest.raises(apigw.exceptions.NotFoundException) as error:
        apigw.get_rest_api(restApiId=api_id)
    assert error.value.response["Error"]["Message"] == f"Invalid API identifier specified 000000000000:{api_id}"


def test_invalid_patch_path_is_a_bad_request(apigw, api):
    with pytest.raises(apigw.exceptions.BadRequestException):
        apigw.update_rest_api(restApiId=api["id"], patchOperations=[{"op": "replace", "path": "/id", "value": "x"}])


def test_resources_follow_aws_rules(apigw, api):
    api_id, root = api["id"], api["rootResourceId"]
    pets = apigw.create_resource(restApiId=api_id, parentId=root, pathPart="pets")
    assert pets["path"] == "/pets" and pets["parentId"] == root and len(pets["id"]) == 6
    pet = apigw.create_resource(restApiId=api_id, parentId=pets["id"], pathPart="{petId}")
    assert pet["path"] == "/pets/{petId}"
    with pytest.raises(apigw.exceptions.ConflictException):
        apigw.create_resource(restApiId=api_id, parentId=root, pathPart="pets")
    with pytest.raises(apigw.exceptions.BadRequestException) as error:
        apigw.create_resource(restApiId=api_id, parentId=root, pathPart="a b")
    assert "path part" in error.value.response["Error"]["Message"]
    with pytest.raises(apigw.exceptions.NotFoundException):
        apigw.create_resource(restApiId=api_id, parentId="missing", pathPart="x")
    moved = apigw.update_resource(restApiId=api_id, resourceId=pets["id"], patchOperations=[
        {"op": "replace", "path": "/pathPart", "value": "animals"}])
    assert moved["path"] == "/animals"
    assert apigw.get_resource(restApiId=api_id, resourceId=pet["id"])["path"] == "/animals/{petId}"
    pages = list(apigw.get_paginator("get_resources").paginate(restApiId=api_id, PaginationConfig={"PageSize": 1}))
    assert sum(len(page["items"]) for page in pages) == 3
    apigw.delete_resource(restApiId=api_id, resourceId=pets["id"])
    with pytest.raises(apigw.exceptions.NotFoundException):
        apigw.get_resource(restApiId=api_id, resourceId=pet["id"])


def test_methods_and_method_responses(apigw, api):
    api_id, root = api["id"], api["rootResourceId"]
    method = apigw.put_method(restApiId=api_id, resourceId=root, httpMethod="GET", authorizationType="NONE",
                              requestParameters={"method.request.querystring.page": False})
    assert method["httpMethod"] == "GET" and method["apiKeyRequired"] is False
    with pytest.raises(apigw.exceptions.ConflictException):
        apigw.put_method(restApiId=api_id, resourceId=root, httpMethod="GET", authorizationType="NONE")
    updated = apigw.update_method(restApiId=api_id, resourceId=root, httpMethod="GET", patchOperations=[
        {"op": "replace", "path": "/apiKeyRequired", "value": "true"},
        {"op": "add", "path": "/requestParameters/method.request.header.X-Id", "value": "true"},
    ])
    assert updated["apiKeyRequired"] is True
    assert updated["requestParameters"] == {"method.request.querystring.page": False, "method.request.header.X-Id": True}
    response = apigw.put_method_response(restApiId=api_id, resourceId=root, httpMethod="GET", statusCode="200",
                                         responseParameters={"method.response.header.X-Total": False})
    assert response["statusCode"] == "200"
    apigw.update_method_response(restApiId=api_id, resourceId=root, httpMethod="GET", statusCode="200",
                                 patchOperations=[{"op": "add", "path": "/responseModels/application~1json", "value": "Empty"}])
    fetched = apigw.get_method_response(restApiId=api_id, resourceId=root, httpMethod="GET", statusCode="200")
    assert fetched["responseModels"] == {"application/json": "Empty"}
    full = apigw.get_method(restApiId=api_id, resourceId=root, httpMethod="GET")
    assert "200" in full["methodResponses"]
    apigw.delete_method_response(restApiId=api_id, resourceId=root, httpMethod="GET", statusCode="200")
    with pytest.raises(apigw.exceptions.NotFoundException):
        apigw.get_method_response(restApiId=api_id, resourceId=root, httpMethod="GET", statusCode="200")
    apigw.delete_method(restApiId=api_id, resourceId=root, httpMethod="GET")
    with pytest.raises(apigw.exceptions.NotFoundException):
        apigw.get_method(restApiId=api_id, resourceId=root, httpMethod="GET")


def test_integrations_and_integration_responses(apigw, api):
    api_id, root = api["id"], api["rootResourceId"]
    item = apigw.create_resource(restApiId=api_id, parentId=root, pathPart="{id}")["id"]
    apigw.put_method(restApiId=api_id, resourceId=item, httpMethod="GET", authorizationType="NONE",
                     requestParameters={"method.request.path.id": True})
    integration = apigw.put_integration(
        restApiId=api_id, resourceId=item, httpMethod="GET", type="HTTP", integrationHttpMethod="GET",
        uri="https://example.com/items/{id}",
        requestParameters={"integration.request.path.id": "method.request.path.id"},
    )
    assert integration["type"] == "HTTP"
    assert integration["httpMethod"] == "GET"
    assert integration["timeoutInMillis"] == 29000
    assert integration["passthroughBehavior"] == "WHEN_NO_MATCH"
    assert integration["connectionType"] == "INTERNET"
    assert integration["cacheNamespace"] == item
    with pytest.raises(apigw.exceptions.BadRequestException) as error:
        apigw.put_integration(restApiId=api_id, resourceId=item, httpMethod="GET", type="HTTP",
                              integrationHttpMethod="GET", uri="https://example.com/{x}",
                              requestParameters={"integration.request.path.x": "method.request.path.undeclared"})
    assert "method.request.path.undeclared" in error.value.response["Error"]["Message"]
    with pytest.raises(apigw.exceptions.BadRequestException):
        apigw.put_integration(restApiId=api_id, resourceId=item, httpMethod="GET", type="HTTP",
                              integrationHttpMethod="GET", uri="ftp://example.com", timeoutInMillis=30000)
    updated = apigw.update_integration(restApiId=api_id, resourceId=item, httpMethod="GET", patchOperations=[
        {"op": "replace", "path": "/timeoutInMillis", "value": "5000"},
        {"op": "add", "path": "/requestTemplates/application~1json", "value": "{}"},
    ])
    assert updated["timeoutInMillis"] == 5000
    assert updated["requestTemplates"] == {"application/json": "{}"}
    apigw.put_method_response(restApiId=api_id, resourceId=item, httpMethod="GET", statusCode="404",
                              responseParameters={"method.response.header.X-Reason": False})
    response = apigw.put_integration_response(
        restApiId=api_id, resourceId=item, httpMethod="GET", statusCode="404", selectionPattern="404",
        responseParameters={"method.response.header.X-Reason": "'missing'"},
        responseTemplates={"application/json": '{"error": "not found"}'},
    )
    assert response["selectionPattern"] == "404"
    patched = apigw.update_integration_response(restApiId=api_id, resourceId=item, httpMethod="GET", statusCode="404",
                                                patchOperations=[{"op": "replace", "path": "/selectionPattern", "value": "4\\d{2}"}])
    assert patched["selectionPattern"] == "4\\d{2}"
    fetched = apigw.get_integration(restApiId=api_id, resourceId=item, httpMethod="GET")
    assert fetched["integrationResponses"]["404"]["responseParameters"] == {"method.response.header.X-Reason": "'missing'"}
    apigw.delete_integration_response(restApiId=api_id, resourceId=item, httpMethod="GET", statusCode="404")
    with pytest.raises(apigw.exceptions.NotFoundException):
        apigw.get_integration_response(restApiId=api_id, resourceId=item, httpMethod="GET", statusCode="404")
    apigw.delete_integration(restApiId=api_id, resourceId=item, httpMethod="GET")
    with pytest.raises(apigw.exceptions.NotFoundException) as error:
        apigw.get_integration(restApiId=api_id, resourceId=item, httpMethod="GET")
    assert error.value.response["Error"]["Message"] == "No integration defined for method"


def test_unknown_integration_type_names_the_member(apigw, api):
    apigw.put_method(restApiId=api["id"], resourceId=api["rootResourceId"], httpMethod="GET", authorizationType="NONE")
    with pytest.raises(apigw.exceptions.BadRequestException) as error:
        apigw.put_integration(restApiId=api["id"], resourceId=api["rootResourceId"], httpMethod="GET", type="SOAP")
    assert "'putIntegrationInput.type'" in error.value.response["Error"]["Message"]


def mock_method(apigw, api_id, resource_id):
    apigw.put_method(restApiId=api_id, resourceId=resource_id, httpMethod="GET", authorizationType="NONE")
    apigw.put_integration(restApiId=api_id, resourceId=resource_id, httpMethod="GET", type="MOCK",
                          requestTemplates={"application/json": '{"statusCode": 200}'})
    apigw.put_method_response(restApiId=api_id, resourceId=resource_id, httpMethod="GET", statusCode="200")
    apigw.put_integration_response(restApiId=api_id, resourceId=resource_id, httpMethod="GET", statusCode="200",
                                   responseTemplates={"application/json": '{"ok": true}'})


def test_deployments_and_stages(apigw, api):
    api_id = api["id"]
    with pytest.raises(apigw.exceptions.BadRequestException):
        apigw.create_deployment(restApiId=api_id, stageName="dev")
    mock_method(apigw, api_id, api["rootResourceId"])
    first = apigw.create_deployment(restApiId=api_id, stageName="dev", description="v1",
                                    variables={"color": "blue"}, stageDescription="development")
    stage = apigw.get_stage(restApiId=api_id, stageName="dev")
    assert stage["deploymentId"] == first["id"]
    assert stage["variables"] == {"color": "blue"}
    assert stage["description"] == "development"
    second = apigw.create_deployment(restApiId=api_id, description="v2")
    summary = apigw.get_deployment(restApiId=api_id, deploymentId=second["id"], embed=["apisummary"])
    assert summary["apiSummary"] == {"/": {"GET": {"authorizationType": "NONE", "apiKeyRequired": False}}}
    ids = [d["id"] for d in apigw.get_deployments(restApiId=api_id)["items"]]
    assert set(ids) == {first["id"], second["id"]}
    renamed = apigw.update_deployment(restApiId=api_id, deploymentId=second["id"], patchOperations=[
        {"op": "replace", "path": "/description", "value": "second"}])
    assert renamed["description"] == "second"
    with pytest.raises(apigw.exceptions.BadRequestException) as error:
        apigw.delete_deployment(restApiId=api_id, deploymentId=first["id"])
    assert error.value.response["Error"]["Message"] == "Active stages pointing to this deployment must be moved or deleted"
    updated = apigw.update_stage(restApiId=api_id, stageName="dev", patchOperations=[
        {"op": "replace", "path": "/deploymentId", "value": second["id"]},
        {"op": "replace", "path": "/variables/color", "value": "green"},
        {"op": "replace", "path": "/description", "value": "dev stage"},
        {"op": "replace", "path": "/*/*/throttling/burstLimit", "value": "20"},
        {"op": "replace", "path": "/~1/GET/caching/enabled", "value": "true"},
    ])
    assert updated["deploymentId"] == second["id"]
    assert updated["variables"] == {"color": "green"}
    assert updated["methodSettings"]["*/*"]["throttlingBurstLimit"] == 20
    assert updated["methodSettings"]["~1/GET"]["cachingEnabled"] is True
    apigw.delete_deployment(restApiId=api_id, deploymentId=first["id"])
    prod = apigw.create_stage(restApiId=api_id, stageName="prod", deploymentId=second["id"], tags={"env": "prod"})
    assert prod["tags"] == {"env": "prod"}
    with pytest.raises(apigw.exceptions.ConflictException):
        apigw.create_stage(restApiId=api_id, stageName="prod", deploymentId=second["id"])
    with pytest.raises(apigw.exceptions.NotFoundException):
        apigw.create_stage(restApiId=api_id, stageName="qa", deploymentId="nope00")
    names = sorted(s["stageName"] for s in apigw.get_stages(restApiId=api_id)["item"])
    assert names == ["dev", "prod"]
    apigw.delete_stage(restApiId=api_id, stageName="prod")
    with pytest.raises(apigw.exceptions.NotFoundException):
        apigw.get_stage(restApiId=api_id, stageName="prod")


def test_tags_on_rest_apis_and_stages(apigw, api):
    api_id = api["id"]
    mock_method(apigw, api_id, api["rootResourceId"])
    apigw.create_deployment(restApiId=api_id, stageName="dev")
    for arn in (f"arn:aws:apigateway:{REGION}::/restapis/{api_id}",
                f"arn:aws:apigateway:{REGION}::/restapis/{api_id}/stages/dev"):
        apigw.tag_resource(resourceArn=arn, tags={"a": "1", "b": "2"})
        apigw.untag_resource(resourceArn=arn, tagKeys=["a"])
        assert apigw.get_tags(resourceArn=arn)["tags"] == {"b": "2"}
    with pytest.raises(apigw.exceptions.BadRequestException):
        apigw.tag_resource(resourceArn=f"arn:aws:apigateway:{REGION}::/restapis/{api_id}", tags={"aws:reserved": "x"})


def test_wrong_secret_is_rejected_like_aws(portico):
    client = boto3.client("apigateway", endpoint_url=portico.admin_url, region_name=REGION,
                          aws_access_key_id=ACCESS_KEY, aws_secret_access_key="wrong")
    with pytest.raises(botocore.exceptions.ClientError) as error:
        client.get_rest_apis()
    assert error.value.response["Error"]["Code"] == "InvalidSignatureException"
    assert error.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403


def test_unknown_access_key_is_unrecognized(portico):
    client = boto3.client("apigateway", endpoint_url=portico.admin_url, region_name=REGION,
                          aws_access_key_id="AKIANOBODY0000000000", aws_secret_access_key="x")
    with pytest.raises(botocore.exceptions.ClientError) as error:
        client.get_rest_apis()
    assert error.value.response["Error"]["Code"] == "UnrecognizedClientException"


def test_responses_carry_a_request_id(apigw):
    response = apigw.get_rest_apis()
    assert len(response["ResponseMetadata"]["RequestId"]) == 36


def test_models_and_request_validators(apigw, api):
    api_id = api["id"]
    names = sorted(m["name"] for m in apigw.get_models(restApiId=api_id)["items"])
    assert names == ["Empty", "Error"]
    schema = json.dumps({"type": "object", "properties": {"name": {"type": "string"}}, "required": ["name"]})
    model = apigw.create_model(restApiId=api_id, name="Pet", contentType="application/json", schema=schema)
    assert model["name"] == "Pet" and model["contentType"] == "application/json"
    with pytest.raises(apigw.exceptions.ConflictException):
        apigw.create_model(restApiId=api_id, name="Pet", contentType="application/json", schema=schema)
    with pytest.raises(apigw.exceptions.BadRequestException):
        apigw.create_model(restApiId=api_id, name="bad-name", contentType="application/json", schema=schema)
    updated = apigw.update_model(restApiId=api_id, modelName="Pet",
                                 patchOperations=[{"op": "replace", "path": "/description", "value": "a pet"}])
    assert updated["description"] == "a pet"
    template = apigw.get_model_template(restApiId=api_id, modelName="Pet")["value"]
    assert "$inputRoot.name" in template
    validator = apigw.create_request_validator(restApiId=api_id, name="body", validateRequestBody=True)
    assert validator["validateRequestParameters"] is False
    patched = apigw.update_request_validator(restApiId=api_id, requestValidatorId=validator["id"], patchOperations=[
        {"op": "replace", "path": "/validateRequestParameters", "value": "true"}])
    assert patched["validateRequestParameters"] is True
    assert [v["id"] for v in apigw.get_request_validators(restApiId=api_id)["items"]] == [validator["id"]]
    apigw.put_method(restApiId=api_id, resourceId=api["rootResourceId"], httpMethod="POST", authorizationType="NONE",
                     requestValidatorId=validator["id"], requestModels={"application/json": "Pet"})
    with pytest.raises(apigw.exceptions.BadRequestException):
        apigw.delete_model(restApiId=api_id, modelName="Pet")
    with pytest.raises(apigw.exceptions.BadRequestException):
        apigw.put_method(restApiId=api_id, resourceId=api["rootResourceId"], httpMethod="PUT", authorizationType="NONE",
                         requestModels={"application/json": "Missing"})
    apigw.delete_method(restApiId=api_id, resourceId=api["rootResourceId"], httpMethod="POST")
    apigw.delete_request_validator(restApiId=api_id, requestValidatorId=validator["id"])
    apigw.delete_model(restApiId=api_id, modelName="Pet")
    with pytest.raises(apigw.exceptions.NotFoundException):
        apigw.get_model(restApiId=api_id, modelName="Pet")


def test_gateway_responses(apigw, api):
    api_id = api["id"]
    responses = apigw.get_gateway_responses(restApiId=api_id)["items"]
    assert len(responses) == 21
    assert all(r["defaultResponse"] for r in responses)
    put = apigw.put_gateway_response(restApiId=api_id, responseType="DEFAULT_4XX",
                                     responseParameters={"gatewayresponse.header.Access-Control-Allow-Origin": "'*'"},
                                     responseTemplates={"application/json": '{"error":$context.error.messageString}'})
    assert put["defaultResponse"] is False
    updated = apigw.update_gateway_response(restApiId=api_id, responseType="THROTTLED", patchOperations=[
        {"op": "replace", "path": "/statusCode", "value": "503"}])
    assert updated["statusCode"] == "503" and updated["defaultResponse"] is False
    fetched = apigw.get_gateway_response(restApiId=api_id, responseType="DEFAULT_4XX")
    assert fetched["responseParameters"] == {"gatewayresponse.header.Access-Control-Allow-Origin": "'*'"}
    apigw.delete_gateway_response(restApiId=api_id, responseType="DEFAULT_4XX")
    assert apigw.get_gateway_response(restApiId=api_id, responseType="DEFAULT_4XX")["defaultResponse"] is True


def test_authorizers(apigw, api):
    api_id = api["id"]
    uri = "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:000000000000:function:auth/invocations"
    token = apigw.create_authorizer(restApiId=api_id, name="token", type="TOKEN", authorizerUri=uri,
                                    identitySource="method.request.header.Authorization")
    assert token["authorizerResultTtlInSeconds"] == 300
    cognito = apigw.create_authorizer(restApiId=api_id, name="pool", type="COGNITO_USER_POOLS",
                                      providerARNs=["arn:aws:cognito-idp:us-east-1:000000000000:userpool/us-east-1_abc"],
                                      identitySource="method.request.header.Authorization")
    with pytest.raises(apigw.exceptions.BadRequestException):
        apigw.create_authorizer(restApiId=api_id, name="bad", type="TOKEN", authorizerUri=uri,
                                identitySource="method.request.querystring.token")
    updated = apigw.update_authorizer(restApiId=api_id, authorizerId=token["id"], patchOperations=[
        {"op": "replace", "path": "/authorizerResultTtlInSeconds", "value": "60"}])
    assert updated["authorizerResultTtlInSeconds"] == 60
    assert {a["name"] for a in apigw.get_authorizers(restApiId=api_id)["items"]} == {"token", "pool"}
    apigw.put_method(restApiId=api_id, resourceId=api["rootResourceId"], httpMethod="GET",
                     authorizationType="CUSTOM", authorizerId=token["id"])
    with pytest.raises(apigw.exceptions.BadRequestException):
        apigw.put_method(restApiId=api_id, resourceId=api["rootResourceId"], httpMethod="POST",
                         authorizationType="COGNITO_USER_POOLS", authorizerId=token["id"])
    with pytest.raises(apigw.exceptions.BadRequestException):
        apigw.delete_authorizer(restApiId=api_id, authorizerId=token["id"])
    apigw.delete_authorizer(restApiId=api_id, authorizerId=cognito["id"])
    with pytest.raises(apigw.exceptions.NotFoundException):
        apigw.get_authorizer(restApiId=api_id, authorizerId=cognito["id"])


AUTHORIZER_URI = ("arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/"
                  "arn:aws:lambda:us-east-1:000000000000:function:auth/invocations")


def test_request_authorizers_that_cache_need_an_identity_source(apigw, api):
    with pytest.raises(apigw.exceptions.BadRequestException) as refused:
        apigw.create_authorizer(restApiId=api["id"], name="cached", type="REQUEST",
                                authorizerUri=AUTHORIZER_URI)
    assert "Identity source" in refused.value.response["Error"]["Message"]
    uncached = apigw.create_authorizer(restApiId=api["id"], name="uncached", type="REQUEST",
                                       authorizerUri=AUTHORIZER_URI, authorizerResultTtlInSeconds=0)
    assert "identitySource" not in uncached
    with pytest.raises(apigw.exceptions.BadRequestException):
        apigw.update_authorizer(restApiId=api["id"], authorizerId=uncached["id"], patchOperations=[
            {"op": "replace", "path": "/authorizerResultTtlInSeconds", "value": "60"}])


def test_per_api_quotas_answer_limit_exceeded(apigw, api):
    api_id = api["id"]
    for index in range(10):
        apigw.create_authorizer(restApiId=api_id, name=f"a{index}", type="TOKEN", authorizerUri=AUTHORIZER_URI,
                                identitySource="method.request.header.Authorization")
    with pytest.raises(apigw.exceptions.LimitExceededException):
        apigw.create_authorizer(restApiId=api_id, name="a10", type="TOKEN", authorizerUri=AUTHORIZER_URI,
                                identitySource="method.request.header.Authorization")

    apigw.put_method(restApiId=api_id, resourceId=api["rootResourceId"], httpMethod="GET",
                     authorizationType="NONE")
    apigw.put_integration(restApiId=api_id, resourceId=api["rootResourceId"], httpMethod="GET", type="MOCK")
    deployment = apigw.create_deployment(restApiId=api_id, stageName="s0")["id"]
    for index in range(1, 10):
        apigw.create_stage(restApiId=api_id, stageName=f"s{index}", deploymentId=deployment)
    with pytest.raises(apigw.exceptions.LimitExceededException) as eleventh:
        apigw.create_stage(restApiId=api_id, stageName="s10", deploymentId=deployment)
    assert eleventh.value.response["ResponseMetadata"]["HTTPStatusCode"] == 429
    with pytest.raises(apigw.exceptions.LimitExceededException):
        apigw.create_deployment(restApiId=api_id, stageName="s10")
    # Redeploying to an existing stage is no new stage, and takes the new description.
    apigw.create_deployment(restApiId=api_id, stageName="s1", stageDescription="second")
    assert apigw.get_stage(restApiId=api_id, stageName="s1")["description"] == "second"
    assert len(apigw.get_stages(restApiId=api_id)["item"]) == 10


def test_a_key_is_in_at_most_ten_usage_plans(apigw):
    key = apigw.create_api_key(name="plans-per-key", enabled=True)["id"]
    plans = [apigw.create_usage_plan(name=f"per-key-{index}")["id"] for index in range(11)]
    try:
        for plan in plans[:10]:
            apigw.create_usage_plan_key(usagePlanId=plan, keyId=key, keyType="API_KEY")
        with pytest.raises(apigw.exceptions.LimitExceededException):
            apigw.create_usage_plan_key(usagePlanId=plans[10], keyId=key, keyType="API_KEY")
    finally:
        apigw.delete_api_key(apiKey=key)
        for plan in plans:
            apigw.delete_usage_plan(usagePlanId=plan)


def test_patch_paths_the_reference_lists(apigw, api):
    api_id = api["id"]
    compressed = apigw.update_rest_api(restApiId=api_id, patchOperations=[
        {"op": "replace", "path": "/minimumCompressionSize", "value": "1024"}])
    assert compressed["minimumCompressionSize"] == 1024
    cleared = apigw.update_rest_api(restApiId=api_id, patchOperations=[
        {"op": "replace", "path": "/minimumCompressionSize", "value": ""}])
    assert "minimumCompressionSize" not in cleared

    root = api["rootResourceId"]
    apigw.put_method(restApiId=api_id, resourceId=root, httpMethod="GET", authorizationType="NONE",
                     requestParameters={"method.request.querystring.a": False,
                                        "method.request.querystring.b": False})
    apigw.put_integration(restApiId=api_id, resourceId=root, httpMethod="GET", type="MOCK",
                          cacheKeyParameters=["method.request.querystring.a"])
    replaced = apigw.update_integration(restApiId=api_id, resourceId=root, httpMethod="GET", patchOperations=[
        {"op": "replace", "path": "/cacheKeyParameters/method.request.querystring.a",
         "value": "method.request.querystring.b"}])
    assert replaced["cacheKeyParameters"] == ["method.request.querystring.b"]


def test_test_invoke_method_runs_the_undeployed_api(apigw, api, backend):
    api_id = api["id"]
    items = apigw.create_resource(restApiId=api_id, parentId=api["rootResourceId"], pathPart="items")["id"]
    item = apigw.create_resource(restApiId=api_id, parentId=items, pathPart="{id}")["id"]
    # AWS_IAM and an API key: test invocations skip authorization, as on AWS.
    apigw.put_method(restApiId=api_id, resourceId=item, httpMethod="GET", authorizationType="AWS_IAM",
                     apiKeyRequired=True)
    apigw.put_integration(restApiId=api_id, resourceId=item, httpMethod="GET", type="MOCK",
                          requestTemplates={"application/json": '{"statusCode": 200}'})
    apigw.put_method_response(restApiId=api_id, resourceId=item, httpMethod="GET", statusCode="200",
                              responseParameters={"method.response.header.X-Stage": False})
    apigw.put_integration_response(
        restApiId=api_id, resourceId=item, httpMethod="GET", statusCode="200",
        responseParameters={"method.response.header.X-Stage": "context.stage"},
        responseTemplates={"application/json":
                           '{"id": "$input.params(\'id\')", "q": "$input.params(\'q\')", '
                           '"color": "$stageVariables.color", "header": "$input.params(\'X-Test\')"}'})
    # Never deployed: the test runs the API as it is now.
    result = apigw.test_invoke_method(restApiId=api_id, resourceId=item, httpMethod="GET",
                                      pathWithQueryString="/items/42?q=find", headers={"X-Test": "yes"},
                                      stageVariables={"color": "blue"})
    assert result["status"] == 200, result
    assert json.loads(result["body"]) == {"id": "42", "q": "find", "color": "blue", "header": "yes"}
    assert result["headers"]["X-Stage"] == "test-invoke-stage"
    assert result["multiValueHeaders"]["X-Stage"] == ["test-invoke-stage"]
    assert "Method completed with status: 200" in result["log"]
    assert isinstance(result["latency"], int)

    # An HTTP_PROXY method reaches its backend.
    apigw.put_method(restApiId=api_id, resourceId=items, httpMethod="POST", authorizationType="NONE")
    apigw.put_integration(restApiId=api_id, resourceId=items, httpMethod="POST", type="HTTP_PROXY",
                          integrationHttpMethod="POST", uri=f"{backend}/echo")
    proxied = apigw.test_invoke_method(restApiId=api_id, resourceId=items, httpMethod="POST",
                                       pathWithQueryString="/items", body="hello")
    assert proxied["status"] == 200, proxied
    assert json.loads(proxied["body"])["body"] == "hello"
    assert proxied["headers"]["X-Echo"] == "1"

    # Only the named method runs: a path that leads to another method finds nothing there,
    # whose authorization the test would otherwise skip.
    elsewhere = apigw.test_invoke_method(restApiId=api_id, resourceId=items, httpMethod="POST",
                                         pathWithQueryString="/items/42")
    assert elsewhere["status"] == 403, elsewhere
    # A method still being built (no integration) does not stop another one's test.
    apigw.put_method(restApiId=api_id, resourceId=items, httpMethod="PUT", authorizationType="NONE")
    assert apigw.test_invoke_method(restApiId=api_id, resourceId=item, httpMethod="GET",
                                    pathWithQueryString="/items/7")["status"] == 200
    with pytest.raises(apigw.exceptions.BadRequestException):
        apigw.test_invoke_method(restApiId=api_id, resourceId=item, httpMethod="GET",
                                 pathWithQueryString="/items/7", headers={"Bad Name": "x"})
    with pytest.raises(apigw.exceptions.NotFoundException):
        apigw.test_invoke_method(restApiId=api_id, resourceId=items, httpMethod="DELETE")
