"""ImportRestApi, PutRestApi and GetExport through boto3, and the imported API through HTTP."""

import json
import pathlib

import pytest
import yaml

DOCUMENT = """
openapi: 3.0.1
info:
  title: compat-openapi
  version: "1.0"
paths:
  /hello:
    get:
      operationId: sayHello
      parameters:
        - name: name
          in: query
          required: false
          schema: {type: string}
      responses:
        "200":
          description: a greeting
          content:
            application/json:
              schema: {$ref: "#/components/schemas/Greeting"}
      x-amazon-apigateway-integration:
        type: mock
        requestTemplates:
          application/json: '{"statusCode": 200}'
        responses:
          default:
            statusCode: "200"
            responseTemplates:
              application/json: '{"greeting": "hello $input.params(''name'')"}'
components:
  schemas:
    Greeting:
      type: object
      properties:
        greeting: {type: string}
x-amazon-apigateway-binary-media-types: ["image/png"]
"""


def test_import_deploy_invoke_export_and_reimport(apigw, portico, http):
    api = apigw.import_rest_api(body=DOCUMENT.encode(), failOnWarnings=False)
    try:
        assert api["name"] == "compat-openapi"
        assert api["binaryMediaTypes"] == ["image/png"]
        resources = apigw.get_resources(restApiId=api["id"], embed=["methods"])["items"]
        hello = next(r for r in resources if r["path"] == "/hello")
        method = hello["resourceMethods"]["GET"]
        assert method["operationName"] == "sayHello"
        assert method["requestParameters"] == {"method.request.querystring.name": False}
        assert method["methodResponses"]["200"]["responseModels"] == {"application/json": "Greeting"}
        assert apigw.get_model(restApiId=api["id"], modelName="Greeting")["schema"]

        apigw.create_deployment(restApiId=api["id"], stageName="dev")
        response = http.get(portico.invoke_url(api["id"], "dev", "/hello?name=ann"))
        assert response.status_code == 200
        assert response.json() == {"greeting": "hello ann"}

        exported = apigw.get_export(restApiId=api["id"], stageName="dev", exportType="oas30",
                                    parameters={"extensions": "integrations"},
                                    accepts="application/json")
        assert exported["contentType"].startswith("application/json")
        document = json.loads(exported["body"].read())
        assert document["openapi"].startswith("3.0")
        assert document["info"]["title"] == "compat-openapi"
        assert "x-amazon-apigateway-integration" in document["paths"]["/hello"]["get"]

        swagger = apigw.get_export(restApiId=api["id"], stageName="dev", exportType="swagger",
                                   parameters={"extensions": "apigateway"}, accepts="application/yaml")
        assert yaml.safe_load(swagger["body"].read())["swagger"] == "2.0"

        again = apigw.import_rest_api(body=json.dumps(document).encode())
        try:
            paths = sorted(r["path"] for r in apigw.get_resources(restApiId=again["id"])["items"])
            assert paths == ["/", "/hello"]
        finally:
            apigw.delete_rest_api(restApiId=again["id"])
    finally:
        apigw.delete_rest_api(restApiId=api["id"])


def test_put_rest_api_merges_or_overwrites(apigw):
    api = apigw.import_rest_api(body=DOCUMENT.encode())
    try:
        extra = DOCUMENT.replace("/hello:", "/bye:").replace("sayHello", "sayBye")
        apigw.put_rest_api(restApiId=api["id"], mode="merge", body=extra.encode())
        paths = sorted(r["path"] for r in apigw.get_resources(restApiId=api["id"])["items"])
        assert paths == ["/", "/bye", "/hello"]
        apigw.put_rest_api(restApiId=api["id"], mode="overwrite", body=extra.encode())
        paths = sorted(r["path"] for r in apigw.get_resources(restApiId=api["id"])["items"])
        assert paths == ["/", "/bye"]
        assert apigw.get_rest_api(restApiId=api["id"])["id"] == api["id"]
    finally:
        apigw.delete_rest_api(restApiId=api["id"])


@pytest.mark.parametrize("body, where", [
    (b"openapi: 3.0.1\ninfo: [unclosed", "line"),
    (b'{"openapi": "3.0.1", "info": {"title": "x"}, "paths": {"/a": {"get": {"x-amazon-apigateway-integration": {"type": "teleport"}}}}}',
     "paths./a.get.x-amazon-apigateway-integration"),
    (b'{"openapi": "3.0.1", "info": {"title": "x"}, "paths": {"/a": {"get": {"responses": {"200": {"description": "d", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Nope"}}}}}}}}}',
     "Nope"),
    (b'{"openapi": "3.0.1", "info": {"title": 42}, "paths": {}}', "info.title"),
])
def test_bad_documents_are_rejected_and_create_nothing(apigw, body, where):
    before = {a["id"] for a in apigw.get_rest_apis(limit=500)["items"]}
    with pytest.raises(apigw.exceptions.BadRequestException) as error:
        apigw.import_rest_api(body=body)
    assert where in error.value.response["Error"]["Message"]
    assert {a["id"] for a in apigw.get_rest_apis(limit=500)["items"]} == before


def test_nesting_bomb_is_rejected(apigw):
    bomb = b'{"openapi": "3.0.1", "info": {"title": "bomb"}, "paths": ' + b"[" * 200_000 + b"]" * 200_000 + b"}"
    with pytest.raises(apigw.exceptions.BadRequestException):
        apigw.import_rest_api(body=bomb)


def test_import_parameters_and_fail_on_warnings(apigw):
    regional = apigw.import_rest_api(body=DOCUMENT.encode(),
                                     parameters={"endpointConfigurationTypes": "REGIONAL"})
    try:
        assert regional["endpointConfiguration"]["types"] == ["REGIONAL"]
    finally:
        apigw.delete_rest_api(restApiId=regional["id"])
    warned = DOCUMENT.replace('      responses:\n        "200":', '      responses:\n        default:\n          description: any\n        "200":', 1)
    imported = apigw.import_rest_api(body=warned.encode())
    try:
        assert imported["warnings"], "a skipped 'default' response is reported"
    finally:
        apigw.delete_rest_api(restApiId=imported["id"])
    with pytest.raises(apigw.exceptions.BadRequestException) as strict:
        apigw.import_rest_api(body=warned.encode(), failOnWarnings=True)
    assert "Warnings found during import" in strict.value.response["Error"]["Message"]


def test_awscli_imports_an_example(aws):
    imported = aws("import-rest-api", "--body", f"fileb://{pathlib.Path(__file__).resolve().parents[2] / 'examples' / 'templates.yaml'}")
    try:
        assert imported["id"]
        resources = aws("get-resources", "--rest-api-id", imported["id"])
        assert len(resources["items"]) > 1
    finally:
        aws("delete-rest-api", "--rest-api-id", imported["id"])
