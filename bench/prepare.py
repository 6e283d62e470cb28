#!/usr/bin/env python3
"""Creates the benchmark API in a Portico data directory and prints its id.

Starts `portico serve` on free ports with DATA_DIR and builds one API whose routes all
proxy (HTTP_PROXY) to the harness's backend (BACKEND, default http://127.0.0.1:9001):

- stage `bench`, `ANY /{proxy+}`: the plain proxy route;
- stage `bench`, `ANY /keyed/{proxy+}`: the same with `apiKeyRequired`, the key
  `BENCH_API_KEY` in a usage plan with a per-key throttle far above the load (so every
  request passes key lookup, three token buckets and usage metering, and none is refused);
- stage `cached`, `ANY /{proxy+}`: the plain route on a stage with the cache enabled
  (GET cached by default, keyed by the proxy path).

The account throttle (AWS's default 10,000 rps) is raised so that it does not cap the
benchmark. Then it stops Portico; the harness starts it again on the same data directory.
Usage: prepare.py PORTICO_BINARY DATA_DIR
"""

import os
import subprocess
import sys

import boto3

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
    admin = None
    for line in process.stdout:
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
        deployment = apigw.create_deployment(restApiId=api_id, stageName="bench")
        apigw.create_stage(restApiId=api_id, stageName="cached", deploymentId=deployment["id"],
                           cacheClusterEnabled=True, cacheClusterSize="0.5")
        key = apigw.create_api_key(name="bench", enabled=True, value=BENCH_API_KEY)
        plan = apigw.create_usage_plan(name="bench", throttle=UNLIMITED,
                                       apiStages=[{"apiId": api_id, "stage": "bench"}])
        apigw.create_usage_plan_key(usagePlanId=plan["id"], keyId=key["id"], keyType="API_KEY")
        print(api_id)
    finally:
        process.terminate()
        process.wait(timeout=10)


def proxy_route(apigw, api_id, resource_id, backend, key_required):
    """`ANY` on a `{proxy+}` resource, proxied to the backend and cached by the proxy path."""
    apigw.put_method(restApiId=api_id, resourceId=resource_id, httpMethod="ANY",
                     authorizationType="NONE", apiKeyRequired=key_required,
                     requestParameters={"method.request.path.proxy": True})
    apigw.put_integration(restApiId=api_id, resourceId=resource_id, httpMethod="ANY",
                          type="HTTP_PROXY", integrationHttpMethod="ANY", uri=f"{backend}/{{proxy}}",
                          requestParameters={"integration.request.path.proxy": "method.request.path.proxy"},
                          cacheKeyParameters=["method.request.path.proxy"])


if __name__ == "__main__":
    main()
