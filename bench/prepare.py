#!/usr/bin/env python3
"""Creates the benchmark API in a Portico data directory and prints its id.

Starts `portico serve` on free ports with DATA_DIR and builds one API whose routes all
proxy (HTTP_PROXY) to the harness's backend (BACKEND, default http://127.0.0.1:9001):

- stage `bench`, `ANY /{proxy+}`: the plain proxy route;
- stage `bench`, `ANY /keyed/{proxy+}`: the same with `apiKeyRequired`, the key
  `BENCH_API_KEY` in a usage plan with a per-key throttle far above the load (so every
  request passes key lookup, three token buckets and usage metering, and none is refused);
- stage `cached`, `ANY /{proxy+}`: the plain route on a stage with the cache enabled
  (GET cached by default, keyed by the proxy path);
- stage `bench`, `ANY /iam/{proxy+}`: the plain route with `AWS_IAM` authorization, called
  with a URL presigned (valid for a day) by an IAM user whose inline policy allows
  `execute-api:Invoke` on the stage: every request is SigV4-verified and evaluated;
- a second API (`policy`), stage `bench`, `ANY /{proxy+}`: the plain route under a resource
  policy that allows loopback addresses and denies a documentation range by `aws:SourceIp`.

The account throttle (AWS's default 10,000 rps) is raised so that it does not cap the
benchmark. Then it stops Portico; the harness starts it again on the same data directory.
Prints `API_ID POLICY_API_ID IAM_QUERY` (the presigned query string of `/bench/iam/hello`).
Usage: prepare.py PORTICO_BINARY DATA_DIR
"""

import json
import os
import subprocess
import sys
import urllib.request

import boto3
from botocore.auth import SigV4QueryAuth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

KEY, SECRET = "AKIABENCHROOT0000001", "bench/secret/key/0123456789abcdefghijkl"
BENCH_API_KEY = "benchkey0123456789abcdefghij"
UNLIMITED = {"rateLimit": 1000000.0, "burstLimit": 1000000}


def main():
    binary, data_dir = sys.argv[1], sys.argv[2]
    backend = os.environ.get("BACKEND", "http://127.0.0.1:9001")
    process = subprocess.Popen(
        [binary, "serve", "--listen", "127.0.0.1:0", "--admin-listen", "127.0.0.1:0",
         "--data-dir", data_dir, "--root-credentials", f"{KEY}:{SECRET}"],
        stdout=subprocess.PIPE, text=True)
    admin = data = None
    for line in process.stdout:
        if line.strip().startswith("Data plane:"):
            data = line.split(":", 1)[1].strip()
        if line.strip().startswith("Control plane:"):
            admin = line.split(":", 1)[1].strip()
            break
    try:
        apigw = boto3.client("apigateway", endpoint_url=admin, region_name="us-east-1",
                             aws_access_key_id=KEY, aws_secret_access_key=SECRET)
        apigw.update_account(patchOperations=[
            {"op": "replace", "path": "/throttleSettings/rateLimit", "value": "1000000"},
            {"op": "replace", "path": "/throttleSettings/burstLimit", "value": "1000000"}])
        api = apigw.create_rest_api(name="bench", endpointConfiguration={"types": ["REGIONAL"]})
        api_id = api["id"]
        proxy = apigw.create_resource(restApiId=api_id, parentId=api["rootResourceId"], pathPart="{proxy+}")
        proxy_route(apigw, api_id, proxy["id"], backend, key_required=False)
        keyed = apigw.create_resource(restApiId=api_id, parentId=api["rootResourceId"], pathPart="keyed")
        keyed_proxy = apigw.create_resource(restApiId=api_id, parentId=keyed["id"], pathPart="{proxy+}")
        proxy_route(apigw, api_id, keyed_proxy["id"], backend, key_required=True)
        iam_resource = apigw.create_resource(restApiId=api_id, parentId=api["rootResourceId"], pathPart="iam")
        iam_proxy = apigw.create_resource(restApiId=api_id, parentId=iam_resource["id"], pathPart="{proxy+}")
        proxy_route(apigw, api_id, iam_proxy["id"], backend, key_required=False, authorization="AWS_IAM")
        deployment = apigw.create_deployment(restApiId=api_id, stageName="bench")
        apigw.create_stage(restApiId=api_id, stageName="cached", deploymentId=deployment["id"],
                           cacheClusterEnabled=True, cacheClusterSize="0.5")
        key = apigw.create_api_key(name="bench", enabled=True, value=BENCH_API_KEY)
        plan = apigw.create_usage_plan(name="bench", throttle=UNLIMITED,
                                       apiStages=[{"apiId": api_id, "stage": "bench"}])
        apigw.create_usage_plan_key(usagePlanId=plan["id"], keyId=key["id"], keyType="API_KEY")
        iam_query = presigned_iam_query(admin, data, api_id)
        policy_api_id = policy_api(apigw, backend)
        print(api_id, policy_api_id, iam_query)
    finally:
        process.terminate()
        process.wait(timeout=10)


def presigned_iam_query(admin, data, api_id):
    """An IAM user allowed to invoke stage `bench`, and a day-long presigned query string for
    `GET /bench/iam/hello` (checked once against the running gateway)."""
    iam = boto3.client("iam", endpoint_url=admin, region_name="us-east-1",
                       aws_access_key_id=KEY, aws_secret_access_key=SECRET)
    iam.create_user(UserName="bench")
    iam.put_user_policy(UserName="bench", PolicyName="invoke", PolicyDocument=json.dumps({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "execute-api:Invoke",
                       "Resource": f"arn:aws:execute-api:us-east-1:000000000000:{api_id}/bench/*"}]}))
    key = iam.create_access_key(UserName="bench")["AccessKey"]
    host = f"{api_id}.execute-api.localhost"
    request = AWSRequest(method="GET", url="http://127.0.0.1:8080/bench/iam/hello",
                         headers={"Host": host})
    SigV4QueryAuth(Credentials(key["AccessKeyId"], key["SecretAccessKey"]), "execute-api",
                   "us-east-1", expires=86400).add_auth(request)
    query = request.url.split("?", 1)[1]
    check = urllib.request.Request(f"{data}/bench/iam/hello?{query}", headers={"Host": host})
    try:
        urllib.request.urlopen(check, timeout=10).read()
    except urllib.error.HTTPError as err:
        if err.code not in (500, 502):  # no backend yet: 500/502 means admitted
            raise
    except urllib.error.URLError:
        pass
    return query


def policy_api(apigw, backend):
    """A second API, the plain route under a resource policy with `aws:SourceIp`
    conditions, deployed to `bench`."""
    statement = {"Principal": "*", "Action": "execute-api:Invoke", "Resource": "execute-api:/*"}
    policy = {"Version": "2012-10-17", "Statement": [
        {**statement, "Effect": "Allow",
         "Condition": {"IpAddress": {"aws:SourceIp": ["127.0.0.0/8", "::1/128", "10.0.0.0/8"]}}},
        {**statement, "Effect": "Deny",
         "Condition": {"IpAddress": {"aws:SourceIp": ["192.0.2.0/24", "198.51.100.0/24"]}}},
    ]}
    api = apigw.create_rest_api(name="bench-policy", endpointConfiguration={"types": ["REGIONAL"]},
                                policy=json.dumps(policy))
    proxy = apigw.create_resource(restApiId=api["id"], parentId=api["rootResourceId"], pathPart="{proxy+}")
    proxy_route(apigw, api["id"], proxy["id"], backend, key_required=False)
    apigw.create_deployment(restApiId=api["id"], stageName="bench")
    return api["id"]


def proxy_route(apigw, api_id, resource_id, backend, key_required, authorization="NONE"):
    """`ANY` on a `{proxy+}` resource, proxied to the backend and cached by the proxy path."""
    apigw.put_method(restApiId=api_id, resourceId=resource_id, httpMethod="ANY",
                     authorizationType=authorization, apiKeyRequired=key_required,
                     requestParameters={"method.request.path.proxy": True})
    apigw.put_integration(restApiId=api_id, resourceId=resource_id, httpMethod="ANY",
                          type="HTTP_PROXY", integrationHttpMethod="ANY", uri=f"{backend}/{{proxy}}",
                          requestParameters={"integration.request.path.proxy": "method.request.path.proxy"},
                          cacheKeyParameters=["method.request.path.proxy"])


if __name__ == "__main__":
    main()
