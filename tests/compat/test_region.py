"""`portico serve --region`: one Portico plays one region, as one AWS endpoint does. Scripts
written for eu-west-1 (Lambda ARNs, integration URIs, execute-api ARNs, SigV4 scopes) work
unchanged, and the data directory keeps its region."""

import json
import subprocess
import uuid

import boto3
import pytest
import requests
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from conftest import ACCESS_KEY, SECRET_KEY, Portico, portico_binary
from test_lambda import ROLE, package

REGION = "eu-west-1"
HANDLER = """
import json, os
def handler(event, context):
    return {"statusCode": 200, "body": json.dumps({
        "region": os.environ["AWS_REGION"],
        "function": context.invoked_function_arn,
        "userArn": event["requestContext"]["identity"]["userArn"],
    })}
"""


@pytest.fixture(scope="module")
def regional():
    server = Portico(extra_args=["--region", REGION])
    yield server
    server.stop()


def client(server, service):
    return boto3.client(service, endpoint_url=server.admin_url, region_name=REGION,
                        aws_access_key_id=ACCESS_KEY, aws_secret_access_key=SECRET_KEY)


def signed_get(url, region):
    request = AWSRequest(method="GET", url=url)
    SigV4Auth(Credentials(ACCESS_KEY, SECRET_KEY), "execute-api", region).add_auth(request)
    return requests.get(url, headers=dict(request.headers))


def test_an_eu_west_1_stack_works_end_to_end(regional):
    lam, apigw = client(regional, "lambda"), client(regional, "apigateway")
    name = f"regional-{uuid.uuid4().hex[:8]}"
    function_arn = lam.create_function(FunctionName=name, Runtime="python3.12", Role=ROLE,
                                       Handler="app.handler", Code={"ZipFile": package(HANDLER)})["FunctionArn"]
    assert function_arn == f"arn:aws:lambda:{REGION}:000000000000:function:{name}"
    lam.get_waiter("function_active_v2").wait(FunctionName=name)

    api = apigw.create_rest_api(name="regional")
    api_id = api["id"]
    resource = apigw.create_resource(restApiId=api_id, parentId=api["rootResourceId"], pathPart="who")["id"]
    apigw.put_method(restApiId=api_id, resourceId=resource, httpMethod="GET", authorizationType="AWS_IAM")
    apigw.put_integration(
        restApiId=api_id, resourceId=resource, httpMethod="GET", type="AWS_PROXY",
        integrationHttpMethod="POST",
        uri=f"arn:aws:apigateway:{REGION}:lambda:path/2015-03-31/functions/{function_arn}/invocations")
    apigw.create_deployment(restApiId=api_id, stageName="prod")
    lam.add_permission(FunctionName=name, StatementId="apigw", Action="lambda:InvokeFunction",
                       Principal="apigateway.amazonaws.com",
                       SourceArn=f"arn:aws:execute-api:{REGION}:000000000000:{api_id}/*/GET/who")

    url = regional.invoke_url(api_id, "prod", "/who")
    response = signed_get(url, REGION)
    assert response.status_code == 200, response.text
    assert response.json() == {
        "region": REGION,
        "function": function_arn,
        "userArn": "arn:aws:iam::000000000000:root",
    }

    # A signature scoped to another region is refused, as by AWS's regional endpoint.
    wrong = signed_get(url, "us-east-1")
    assert wrong.status_code == 403
    assert wrong.headers["x-amzn-ErrorType"] == "InvalidSignatureException"
    assert "Credential should be scoped to a valid region" in wrong.json()["message"]

    # Resource policies written with the short form expand to this region's ARNs.
    policy = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": "*", "Action": "execute-api:Invoke", "Resource": "execute-api:/*"}]}
    apigw.update_rest_api(restApiId=api_id, patchOperations=[
        {"op": "replace", "path": "/policy", "value": json.dumps(policy)}])
    stored = json.loads(apigw.get_rest_api(restApiId=api_id)["policy"])
    assert stored["Statement"][0]["Resource"] == f"arn:aws:execute-api:{REGION}:000000000000:{api_id}/*"

    # And a function ARN of another region does not name a function here.
    with pytest.raises(lam.exceptions.ClientError) as denied:
        lam.get_function(FunctionName=f"arn:aws:lambda:us-east-1:000000000000:function:{name}")
    assert denied.value.response["ResponseMetadata"]["HTTPStatusCode"] in (400, 404)
    lam.delete_function(FunctionName=name)


def test_the_data_directory_keeps_its_region(regional):
    with open(f"{regional.data_dir}/region") as kept:
        assert kept.read().strip() == REGION
    # A start on this data directory with another region is refused before it opens the
    # store (the server above still runs on it).
    other = subprocess.run(
        [portico_binary(), "serve", "--listen", "127.0.0.1:0", "--admin-listen", "127.0.0.1:0",
         "--data-dir", regional.data_dir, "--region", "us-east-2",
         "--root-credentials", f"{ACCESS_KEY}:{SECRET_KEY}"],
        capture_output=True, text=True, timeout=30)
    assert other.returncode != 0
    assert f"plays {REGION}" in other.stderr


def test_invalid_regions_are_refused(tmp_path):
    completed = subprocess.run(
        [portico_binary(), "serve", "--listen", "127.0.0.1:0", "--admin-listen", "127.0.0.1:0",
         "--data-dir", str(tmp_path), "--region", "Europe"],
        capture_output=True, text=True, timeout=30)
    assert completed.returncode != 0
    assert "invalid region 'Europe'" in completed.stderr
