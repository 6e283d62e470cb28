"""Custom domain names and base path mappings: boto3 and awscli against the control plane,
real HTTP requests with the domain in `Host` against the data plane."""

import json
import uuid

import pytest

CONTEXT_TEMPLATE = ('{"stage": "$context.stage", "path": "$context.path", '
                    '"basePath": "$context.customDomain.basePathMatched", '
                    '"resourcePath": "$context.resourcePath"}')


@pytest.fixture
def routed_api(apigw, api):
    """An API answering GET /items from a MOCK with its $context, deployed to dev and prod."""
    api_id = api["id"]
    items = apigw.create_resource(restApiId=api_id, parentId=api["rootResourceId"], pathPart="items")["id"]
    apigw.put_method(restApiId=api_id, resourceId=items, httpMethod="GET", authorizationType="NONE")
    apigw.put_integration(restApiId=api_id, resourceId=items, httpMethod="GET", type="MOCK",
                          requestTemplates={"application/json": '{"statusCode": 200}'})
    apigw.put_method_response(restApiId=api_id, resourceId=items, httpMethod="GET", statusCode="200")
    apigw.put_integration_response(restApiId=api_id, resourceId=items, httpMethod="GET", statusCode="200",
                                   responseTemplates={"application/json": CONTEXT_TEMPLATE})
    apigw.create_deployment(restApiId=api_id, stageName="prod")
    apigw.create_deployment(restApiId=api_id, stageName="dev")
    return api_id


@pytest.fixture
def domain(apigw):
    name = f"api-{uuid.uuid4().hex[:8]}.example.com"
    created = apigw.create_domain_name(
        domainName=name, endpointConfiguration={"types": ["REGIONAL"]},
        regionalCertificateArn="arn:aws:acm:us-east-1:000000000000:certificate/compat")
    yield created
    try:
        apigw.delete_domain_name(domainName=name)
    except apigw.exceptions.NotFoundException:
        pass


def get(portico, http, host, path):
    return http.get(f"{portico.data_url}{path}", headers={"Host": host}, timeout=10)


def test_domain_names_are_created_listed_updated_and_deleted(apigw, domain):
    name = domain["domainName"]
    assert domain["domainNameStatus"] == "AVAILABLE"
    assert domain["endpointConfiguration"]["types"] == ["REGIONAL"]
    assert domain["regionalDomainName"].startswith("d-")
    assert domain["regionalDomainName"].endswith(".execute-api.us-east-1.amazonaws.com")
    assert domain["regionalCertificateArn"].endswith("/compat")
    assert domain["securityPolicy"] == "TLS_1_2"
    assert "distributionDomainName" not in domain
    assert apigw.get_domain_name(domainName=name)["regionalDomainName"] == domain["regionalDomainName"]
    assert name in [item["domainName"] for item in apigw.get_domain_names()["items"]]
    with pytest.raises(apigw.exceptions.BadRequestException):
        apigw.create_domain_name(domainName=name, endpointConfiguration={"types": ["REGIONAL"]})
    with pytest.raises(apigw.exceptions.BadRequestException):
        apigw.create_domain_name(domainName="not a host name")

    updated = apigw.update_domain_name(domainName=name, patchOperations=[
        {"op": "replace", "path": "/securityPolicy", "value": "TLS_1_0"}])
    assert updated["securityPolicy"] == "TLS_1_0"
    with pytest.raises(apigw.exceptions.BadRequestException):
        apigw.update_domain_name(domainName=name, patchOperations=[
            {"op": "replace", "path": "/domainName", "value": "other.example.com"}])

    edge = apigw.create_domain_name(domainName=f"edge-{name}",
                                    certificateArn="arn:aws:acm:us-east-1:000000000000:certificate/e")
    assert edge["endpointConfiguration"]["types"] == ["EDGE"]
    assert edge["distributionDomainName"].endswith(".cloudfront.net")
    assert edge["distributionHostedZoneId"] == "Z2FDTNDATAQYW2"
    apigw.delete_domain_name(domainName=f"edge-{name}")
    with pytest.raises(apigw.exceptions.NotFoundException):
        apigw.get_domain_name(domainName=f"edge-{name}")


def test_requests_to_a_custom_domain_reach_the_mapped_api_and_stage(portico, apigw, http, domain, routed_api):
    name = domain["domainName"]
    apigw.create_base_path_mapping(domainName=name, basePath="v1", restApiId=routed_api, stage="prod")
    apigw.create_base_path_mapping(domainName=name, basePath="v1/orders", restApiId=routed_api, stage="dev")
    root = apigw.create_base_path_mapping(domainName=name, restApiId=routed_api)
    assert root == {"basePath": "(none)", "restApiId": routed_api,
                    "ResponseMetadata": root["ResponseMetadata"]}

    v1 = get(portico, http, name, "/v1/items")
    assert v1.status_code == 200, v1.text
    assert v1.json() == {"stage": "prod", "path": "/v1/items", "basePath": "v1", "resourcePath": "/items"}
    orders = get(portico, http, f"{name.upper()}:443", "/v1/orders/items")
    assert orders.json()["stage"] == "dev" and orders.json()["basePath"] == "v1/orders"
    # A mapping without a stage takes it from the first segment after the base path.
    staged = get(portico, http, name, "/dev/items")
    assert staged.json() == {"stage": "dev", "path": "/dev/items", "basePath": "(none)",
                             "resourcePath": "/items"}
    # Base paths match whole segments: `/v10` is no `v1`, so the root mapping takes it.
    assert get(portico, http, name, "/v10/items").status_code == 403
    assert get(portico, http, "unknown.example.com", "/v1/items").json() == {
        "message": "Missing Authentication Token"}

    listed = apigw.get_base_path_mappings(domainName=name)["items"]
    assert [mapping["basePath"] for mapping in listed] == ["(none)", "v1", "v1/orders"]
    assert apigw.get_base_path_mapping(domainName=name, basePath="v1/orders")["stage"] == "dev"

    moved = apigw.update_base_path_mapping(domainName=name, basePath="v1", patchOperations=[
        {"op": "replace", "path": "/stage", "value": "dev"}])
    assert moved["stage"] == "dev"
    assert get(portico, http, name, "/v1/items").json()["stage"] == "dev"
    apigw.delete_base_path_mapping(domainName=name, basePath="v1")
    assert get(portico, http, name, "/v1/items").status_code == 403
    apigw.delete_domain_name(domainName=name)
    assert get(portico, http, name, "/dev/items").status_code == 403


def test_mappings_must_name_an_existing_api_and_stage(apigw, domain, routed_api):
    name = domain["domainName"]
    with pytest.raises(apigw.exceptions.BadRequestException) as unknown_api:
        apigw.create_base_path_mapping(domainName=name, basePath="x", restApiId="nosuchapi")
    assert unknown_api.value.response["Error"]["Message"] == "Invalid REST API identifier specified"
    with pytest.raises(apigw.exceptions.BadRequestException) as unknown_stage:
        apigw.create_base_path_mapping(domainName=name, basePath="x", restApiId=routed_api, stage="qa")
    assert unknown_stage.value.response["Error"]["Message"] == "Invalid stage identifier specified"
    apigw.create_base_path_mapping(domainName=name, basePath="x", restApiId=routed_api, stage="prod")
    with pytest.raises(apigw.exceptions.ConflictException):
        apigw.create_base_path_mapping(domainName=name, basePath="x", restApiId=routed_api)
    with pytest.raises(apigw.exceptions.BadRequestException):
        apigw.update_base_path_mapping(domainName=name, basePath="x", patchOperations=[
            {"op": "replace", "path": "/stage", "value": "qa"}])
    assert apigw.get_base_path_mapping(domainName=name, basePath="x")["stage"] == "prod"
    with pytest.raises(apigw.exceptions.NotFoundException):
        apigw.get_base_path_mapping(domainName=name, basePath="y")
    with pytest.raises(apigw.exceptions.NotFoundException):
        apigw.get_base_path_mappings(domainName="missing.example.com")


def test_a_disabled_execute_api_endpoint_leaves_the_custom_domain(portico, apigw, http, domain, routed_api):
    name = domain["domainName"]
    apigw.create_base_path_mapping(domainName=name, basePath="shop", restApiId=routed_api, stage="prod")
    apigw.update_rest_api(restApiId=routed_api, patchOperations=[
        {"op": "replace", "path": "/disableExecuteApiEndpoint", "value": "true"}])
    apigw.create_deployment(restApiId=routed_api, stageName="prod")
    assert get(portico, http, f"{routed_api}.execute-api.localhost", "/prod/items").status_code == 403
    through_domain = get(portico, http, name, "/shop/items")
    assert through_domain.status_code == 200, through_domain.text


def test_awscli_manages_domains(aws, domain, routed_api):
    name = domain["domainName"]
    created = aws("create-base-path-mapping", "--domain-name", name, "--base-path", "cli",
                  "--rest-api-id", routed_api, "--stage", "prod")
    assert created["basePath"] == "cli"
    listed = aws("get-base-path-mappings", "--domain-name", name)
    assert [item["basePath"] for item in listed["items"]] == ["cli"]
    shown = aws("get-domain-name", "--domain-name", name)
    assert json.dumps(shown["endpointConfiguration"]) == '{"types": ["REGIONAL"]}'


def test_domain_names_carry_tags(apigw, domain):
    arn = domain["domainNameArn"]
    assert arn == f"arn:aws:apigateway:us-east-1::/domainnames/{domain['domainName']}"
    apigw.tag_resource(resourceArn=arn, tags={"team": "edge"})
    assert apigw.get_tags(resourceArn=arn)["tags"] == {"team": "edge"}
    assert apigw.get_domain_name(domainName=domain["domainName"])["tags"] == {"team": "edge"}
    apigw.untag_resource(resourceArn=arn, tagKeys=["team"])
    assert apigw.get_tags(resourceArn=arn)["tags"] == {}


def test_wildcard_domains_route_and_carry_tags(portico, apigw, http, routed_api):
    parent = f"wild-{uuid.uuid4().hex[:8]}.example.com"
    wildcard = apigw.create_domain_name(domainName=f"*.{parent}", endpointConfiguration={"types": ["REGIONAL"]})
    try:
        # Stage `(none)`: callers name the stage in the path.
        free = apigw.create_base_path_mapping(domainName=f"*.{parent}", basePath="api",
                                              restApiId=routed_api, stage="(none)")
        assert "stage" not in free
        response = get(portico, http, f"shop.{parent}", "/api/dev/items")
        assert response.status_code == 200, response.text
        assert response.json()["stage"] == "dev"
        renamed = apigw.update_base_path_mapping(domainName=f"*.{parent}", basePath="api", patchOperations=[
            {"op": "replace", "path": "/basepath", "value": "v2"}])
        assert renamed["basePath"] == "v2"

        apigw.tag_resource(resourceArn=wildcard["domainNameArn"], tags={"scope": "wild"})
        assert apigw.get_tags(resourceArn=wildcard["domainNameArn"])["tags"] == {"scope": "wild"}
    finally:
        apigw.delete_domain_name(domainName=f"*.{parent}")
