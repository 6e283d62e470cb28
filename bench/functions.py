#!/usr/bin/env python3
"""Benchmarks Lambda functions hosted by Portico behind an AWS_PROXY route.

Starts `portico serve` (pinned to CPU 1 with one data-plane worker; function workers inherit
the pinning, so gateway and function share one core) and creates a trivial Python function
(`return {"statusCode": 200, "body": "ok"}`) behind `GET /bench/fn` and a MOCK route behind
`GET /bench/mock` (the same gateway path without a function). Then, with wrk on CPU 0:

- warm latency at 1 connection (p50/p99 from wrk) for the function route and the MOCK route;
- Portico's own overhead per warm invocation: wrk p50 of the function route minus the p50 of
  the handler's `Duration` (the REPORT lines of the function's log: the time from handing the
  event to the runtime until its response arrived);
- throughput with 1 and 2 workers (reserved concurrency 1 and 2, at 1 and 2 connections);
- cold start: first invocation after a configuration change (which retires warm workers),
  end to end through the API, and the runtime's `Init Duration`, median of COLD_STARTS.

Usage: bench/functions.py PORTICO_BINARY [DURATION_SECONDS]. Needs wrk and taskset
(the shared harness installs them). Prints a Markdown table.
"""

import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid

import boto3

KEY, SECRET = "AKIABENCHROOT0000001", "bench/secret/key/0123456789abcdefghijkl"
ROLE = "arn:aws:iam::000000000000:role/bench"
HANDLER = 'def handler(event, context):\n    return {"statusCode": 200, "body": "ok"}\n'
COLD_STARTS = 7


def main():
    binary = sys.argv[1]
    duration = int(sys.argv[2]) if len(sys.argv) > 2 else 10
    for tool in ("wrk", "taskset"):
        if shutil.which(tool) is None:
            sys.exit(f"{tool} is missing (run the shared harness once, it installs it)")
    data_dir = tempfile.mkdtemp(prefix="portico-fn-bench-")
    process = subprocess.Popen(
        ["taskset", "-c", "1", binary, "serve", "--listen", "127.0.0.1:0",
         "--admin-listen", "127.0.0.1:0", "--data-dir", data_dir, "--workers", "1",
         "--root-credentials", f"{KEY}:{SECRET}"],
        stdout=subprocess.PIPE, text=True, env={**os.environ, "RUST_LOG": "warn"})
    admin = data = None
    for line in process.stdout:
        if line.strip().startswith("Data plane:"):
            data = line.split(":", 1)[1].strip()
        if line.strip().startswith("Control plane:"):
            admin = line.split(":", 1)[1].strip()
            break
    try:
        run(admin, data, data_dir, duration)
    finally:
        process.terminate()
        process.wait(timeout=30)
        shutil.rmtree(data_dir, ignore_errors=True)


def run(admin, data, data_dir, duration):
    clients = {"aws_access_key_id": KEY, "aws_secret_access_key": SECRET, "region_name": "us-east-1",
               "endpoint_url": admin}
    lam = boto3.client("lambda", **clients)
    apigw = boto3.client("apigateway", **clients)
    apigw.update_account(patchOperations=[
        {"op": "replace", "path": "/throttleSettings/rateLimit", "value": "1000000"},
        {"op": "replace", "path": "/throttleSettings/burstLimit", "value": "1000000"}])
    name = "bench-fn"
    arn = lam.create_function(FunctionName=name, Runtime="python3.12", Role=ROLE, Handler="app.handler",
                              Code={"ZipFile": package(HANDLER)})["FunctionArn"]
    lam.get_waiter("function_active_v2").wait(FunctionName=name)
    api = apigw.create_rest_api(name="fn-bench")
    api_id, root = api["id"], api["rootResourceId"]
    fn = apigw.create_resource(restApiId=api_id, parentId=root, pathPart="fn")["id"]
    apigw.put_method(restApiId=api_id, resourceId=fn, httpMethod="GET", authorizationType="NONE")
    apigw.put_integration(
        restApiId=api_id, resourceId=fn, httpMethod="GET", type="AWS_PROXY", integrationHttpMethod="POST",
        uri=f"arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/{arn}/invocations")
    mock = apigw.create_resource(restApiId=api_id, parentId=root, pathPart="mock")["id"]
    apigw.put_method(restApiId=api_id, resourceId=mock, httpMethod="GET", authorizationType="NONE")
    apigw.put_integration(restApiId=api_id, resourceId=mock, httpMethod="GET", type="MOCK",
                          requestTemplates={"application/json": '{"statusCode": 200}'})
    apigw.put_method_response(restApiId=api_id, resourceId=mock, httpMethod="GET", statusCode="200")
    apigw.put_integration_response(restApiId=api_id, resourceId=mock, httpMethod="GET", statusCode="200",
                                   responseTemplates={"application/json": "ok"})
    apigw.create_deployment(restApiId=api_id, stageName="bench")
    lam.add_permission(FunctionName=name, StatementId="apigateway", Action="lambda:InvokeFunction",
                       Principal="apigateway.amazonaws.com",
                       SourceArn=f"arn:aws:execute-api:us-east-1:000000000000:{api_id}/*")
    host = f"{api_id}.execute-api.localhost"
    fn_url, mock_url = f"{data}/bench/fn", f"{data}/bench/mock"

    cold = cold_starts(lam, name, fn_url, host, data_dir)
    rows = []
    lam.put_function_concurrency(FunctionName=name, ReservedConcurrentExecutions=1)
    get(fn_url, host)  # warm one worker
    log = log_path(data_dir, name)
    offset = os.path.getsize(log)
    one = wrk(fn_url, host, 1, duration)
    handler_p50 = statistics.median(durations(log, offset))
    rows.append(("AWS_PROXY, 1 worker", 1, one))
    rows.append(("MOCK (no function)", 1, wrk(mock_url, host, 1, duration)))
    lam.put_function_concurrency(FunctionName=name, ReservedConcurrentExecutions=2)
    get(fn_url, host)
    rows.append(("AWS_PROXY, 2 workers", 2, wrk(fn_url, host, 2, duration)))

    print("| route | conns | rps | p50 ms | p99 ms | errors |")
    print("|---|---|---|---|---|---|")
    for label, conns, result in rows:
        print(f"| {label} | {conns} | {result['rps']:.0f} | {result['p50']:.3f} | {result['p99']:.3f} "
              f"| {result['errors']} |")
    print()
    print(f"handler Duration p50 (REPORT lines, 1 worker): {handler_p50:.3f} ms")
    print(f"Portico overhead per warm invocation at p50: {one['p50'] - handler_p50:.3f} ms "
          f"(wrk p50 {one['p50']:.3f} ms − handler p50)")
    print(f"cold start through the API, median of {COLD_STARTS}: {cold['e2e']:.1f} ms "
          f"(runtime Init Duration median {cold['init']:.1f} ms)")


def cold_starts(lam, name, url, host, data_dir):
    e2e, init = [], []
    log = log_path(data_dir, name)
    for round_ in range(COLD_STARTS):
        # A new configuration retires the warm workers: the next call starts a new one.
        lam.update_function_configuration(FunctionName=name, Environment={"Variables": {"ROUND": str(round_)}})
        lam.get_waiter("function_updated_v2").wait(FunctionName=name)
        offset = os.path.getsize(log) if os.path.exists(log) else 0
        started = time.perf_counter()
        get(url, host)
        e2e.append((time.perf_counter() - started) * 1000)
        with open(log) as file:
            file.seek(offset)
            found = re.findall(r"Init Duration: ([0-9.]+) ms", file.read())
        init.extend(float(value) for value in found)
    return {"e2e": statistics.median(e2e), "init": statistics.median(init) if init else float("nan")}


def durations(log, offset):
    with open(log) as file:
        file.seek(offset)
        return [float(value) for value in re.findall(r"REPORT RequestId: \S+\tDuration: ([0-9.]+) ms", file.read())]


def log_path(data_dir, name):
    return os.path.join(data_dir, "functions", "logs", f"{name}.log")


def get(url, host):
    request = urllib.request.Request(url, headers={"Host": host})
    with urllib.request.urlopen(request, timeout=30) as response:
        assert response.status == 200, response.status
        return response.read()


def wrk(url, host, conns, duration):
    completed = subprocess.run(
        ["taskset", "-c", "0", "wrk", "-t1", f"-c{conns}", f"-d{duration}s", "--latency",
         "-H", f"Host: {host}", url],
        capture_output=True, text=True, check=True)
    out = completed.stdout
    def latency(label):
        match = re.search(rf"^\s+{label}%\s+([0-9.]+)(us|ms|s)", out, re.MULTILINE)
        value, unit = float(match.group(1)), match.group(2)
        return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {"rps": float(re.search(r"Requests/sec:\s+([0-9.]+)", out).group(1)),
            "p50": latency("50"), "p99": latency("99"), "errors": int(errors.group(1)) if errors else 0}


def package(source):
    import io
    import zipfile
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("app.py", source)
    return buffer.getvalue()


if __name__ == "__main__":
    main()
