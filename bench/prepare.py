#!/usr/bin/env python3
"""Creates the benchmark API in a Portico data directory and prints its id.

Starts `portico serve` on free ports with DATA_DIR, creates `ANY /{proxy+}` as an
HTTP_PROXY to the harness's backend (BACKEND, default http://127.0.0.1:9001), deploys it to
stage `bench`, stops Portico. The harness then starts Portico on the same data directory.
Usage: prepare.py PORTICO_BINARY DATA_DIR
"""

import os
import subprocess
import sys

import boto3

KEY, SECRET = "AKIABENCHROOT0000001", "bench/secret/key/0123456789abcdefghijkl"


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
        api = apigw.create_rest_api(name="bench", endpointConfiguration={"types": ["REGIONAL"]})
        proxy = apigw.create_resource(restApiId=api["id"], parentId=api["rootResourceId"], pathPart="{proxy+}")
        apigw.put_method(restApiId=api["id"], resourceId=proxy["id"], httpMethod="ANY",
                         authorizationType="NONE", requestParameters={"method.request.path.proxy": True})
        apigw.put_integration(restApiId=api["id"], resourceId=proxy["id"], httpMethod="ANY",
                              type="HTTP_PROXY", integrationHttpMethod="ANY", uri=f"{backend}/{{proxy}}",
                              requestParameters={"integration.request.path.proxy": "method.request.path.proxy"})
        apigw.create_deployment(restApiId=api["id"], stageName="bench")
        print(api["id"])
    finally:
        process.terminate()
        process.wait(timeout=10)


if __name__ == "__main__":
    main()
