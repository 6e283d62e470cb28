"""The official runtime interface clients as Portico workers: a Rust function built with
`lambda_runtime` (provided.al2023) and a Python handler run by `awslambdaric`, invoked
through boto3 and through an API (AWS_PROXY)."""

import io
import json
import os
import pathlib
import sys
import uuid
import zipfile

import pytest

from test_lambda import ROLE
from test_lambda_integrations import allow_apigateway, lambda_uri

ROOT = pathlib.Path(__file__).resolve().parents[2]


def zip_entries(entries):
    """A zip of (name, bytes, mode) entries, keeping unix modes (bootstrap must be executable)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data, mode in entries:
            info = zipfile.ZipInfo(name)
            info.external_attr = (0o100000 | mode) << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, data)
    return buffer.getvalue()


def rust_bootstrap():
    path = pathlib.Path(os.environ.get(
        "RUST_HELLO_BOOTSTRAP", ROOT / "target" / "functions" / "debug" / "bootstrap"))
    if not path.exists():
        pytest.fail(f"build the Rust test function first (scripts/test does): {path} is missing")
    return path.read_bytes()


@pytest.fixture
def function_named(lam):
    created = []

    def create(prefix, **kwargs):
        name = f"{prefix}-{uuid.uuid4().hex[:8]}"
        lam.create_function(FunctionName=name, Role=ROLE, **kwargs)
        lam.get_waiter("function_active_v2").wait(FunctionName=name)
        created.append(name)
        return name

    yield create
    for name in created:
        lam.delete_function(FunctionName=name)


def test_rust_lambda_runtime_function(lam, function_named):
    name = function_named("rust", Runtime="provided.al2023", Handler="bootstrap",
                          Code={"ZipFile": zip_entries([("bootstrap", rust_bootstrap(), 0o755)])})
    response = lam.invoke(FunctionName=name, Payload=json.dumps({"hello": "rust"}).encode())
    body = json.loads(response["Payload"].read())
    assert "FunctionError" not in response
    assert body["event"] == {"hello": "rust"}
    assert body["request_id"] == response["ResponseMetadata"]["RequestId"]
    assert body["function_arn"].endswith(f":function:{name}")
    assert body["function_name"] == name
    failed = lam.invoke(FunctionName=name, Payload=json.dumps({"fail": True}).encode())
    assert failed["FunctionError"] == "Unhandled"
    assert "requested failure" in json.loads(failed["Payload"].read())["errorMessage"]


def test_awslambdaric_runs_a_python_handler_behind_an_api(portico, lam, apigw, api, http, function_named):
    handler = (
        "def handler(event, context):\n"
        "    return {'statusCode': 200, 'body': 'ric:' + event['path'] + ':' + context.function_name}\n"
    )
    # The official Python runtime interface client, from the suite's own environment.
    bootstrap = f'#!/bin/sh\nexec "{sys.executable}" -m awslambdaric "$_HANDLER"\n'
    name = function_named("ric", Runtime="provided.al2023", Handler="app.handler", Code={"ZipFile": zip_entries([
        ("bootstrap", bootstrap.encode(), 0o755), ("app.py", handler.encode(), 0o644)])})
    direct = lam.invoke(FunctionName=name, Payload=json.dumps({"path": "/direct"}).encode())
    assert json.loads(direct["Payload"].read())["body"] == f"ric:/direct:{name}"
    api_id, root = api["id"], api["rootResourceId"]
    arn = lam.get_function_configuration(FunctionName=name)["FunctionArn"]
    apigw.put_method(restApiId=api_id, resourceId=root, httpMethod="GET", authorizationType="NONE")
    apigw.put_integration(restApiId=api_id, resourceId=root, httpMethod="GET", type="AWS_PROXY",
                          integrationHttpMethod="POST", uri=lambda_uri(arn))
    apigw.create_deployment(restApiId=api_id, stageName="dev")
    allow_apigateway(lam, name, api_id)
    response = http.get(portico.invoke_url(api_id, "dev", "/"))
    assert response.status_code == 200
    assert response.text == f"ric:/:{name}"
