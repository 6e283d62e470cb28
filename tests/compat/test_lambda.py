"""The Lambda API with boto3's `lambda` client: functions hosted by Portico, their code,
configuration, versions, aliases, permissions, concurrency, tags, and Invoke."""

import base64
import hashlib
import io
import pathlib
import json
import time
import uuid
import zipfile

import boto3
import pytest
import requests
from botocore.config import Config

from conftest import ACCESS_KEY, REGION, SECRET_KEY, Portico

ROLE = "arn:aws:iam::000000000000:role/lambda-role"

ECHO = """
import json, os
def handler(event, context):
    print("echo handler saw", json.dumps(event))
    return {
        "event": event,
        "function": context.function_name,
        "version": context.function_version,
        "arn": context.invoked_function_arn,
        "memory": context.memory_limit_in_mb,
        "remaining": context.get_remaining_time_in_millis(),
        "request_id": context.aws_request_id,
        "greeting": os.environ.get("GREETING"),
        "pid": os.getpid(),
    }
"""


def package(source, module="app"):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(f"{module}.py", source)
    return buffer.getvalue()


def unique(prefix):
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


@pytest.fixture
def function(lam):
    """A fresh, active Python echo function; deleted afterwards."""
    name = unique("echo")
    lam.create_function(
        FunctionName=name, Runtime="python3.12", Role=ROLE, Handler="app.handler",
        Code={"ZipFile": package(ECHO)}, Environment={"Variables": {"GREETING": "hello"}},
        Tags={"team": "payments"},
    )
    lam.get_waiter("function_active_v2").wait(FunctionName=name)
    yield name
    try:
        lam.delete_function(FunctionName=name)
    except lam.exceptions.ResourceNotFoundException:
        pass


def invoke(lam, name, event, **kwargs):
    response = lam.invoke(FunctionName=name, Payload=json.dumps(event).encode(), **kwargs)
    return response, json.loads(response["Payload"].read())


def test_created_function_is_pending_then_active_with_aws_defaults(lam):
    name = unique("fresh")
    zip_bytes = package(ECHO)
    created = lam.create_function(
        FunctionName=name, Runtime="python3.12", Role=ROLE, Handler="app.handler",
        Code={"ZipFile": zip_bytes},
    )
    try:
        assert created["ResponseMetadata"]["HTTPStatusCode"] == 201
        assert created["State"] == "Pending"
        assert created["FunctionArn"] == f"arn:aws:lambda:{REGION}:000000000000:function:{name}"
        assert created["Timeout"] == 3 and created["MemorySize"] == 128
        assert created["Version"] == "$LATEST"
        assert created["CodeSize"] == len(zip_bytes)
        import hashlib
        assert created["CodeSha256"] == base64.b64encode(hashlib.sha256(zip_bytes).digest()).decode()
        lam.get_waiter("function_active_v2").wait(FunctionName=name)
        got = lam.get_function(FunctionName=name)
        assert got["Configuration"]["State"] == "Active"
        assert got["Configuration"]["LastUpdateStatus"] == "Successful"
        assert got["Code"]["RepositoryType"] == "S3"
        downloaded = requests.get(got["Code"]["Location"], timeout=10)
        assert downloaded.status_code == 200 and downloaded.content == zip_bytes
        tampered = requests.get(got["Code"]["Location"].replace("token=", "token=0"), timeout=10)
        assert tampered.status_code == 403
    finally:
        lam.delete_function(FunctionName=name)


def test_invoke_runs_the_handler_with_lambdas_context(lam, function):
    response, body = invoke(lam, function, {"a": 1})
    assert response["StatusCode"] == 200
    assert "FunctionError" not in response
    assert response["ExecutedVersion"] == "$LATEST"
    assert body["event"] == {"a": 1}
    assert body["function"] == function
    assert body["version"] == "$LATEST"
    assert body["arn"] == f"arn:aws:lambda:{REGION}:000000000000:function:{function}"
    assert body["memory"] == "128" or body["memory"] == 128
    assert 0 < body["remaining"] <= 3000
    assert body["request_id"] == response["ResponseMetadata"]["RequestId"]
    assert body["greeting"] == "hello"


def test_warm_worker_is_reused(lam, function):
    _, first = invoke(lam, function, {})
    _, second = invoke(lam, function, {})
    assert first["pid"] == second["pid"]


def test_log_tail_holds_the_invocations_log_lines(lam, function):
    response, _ = invoke(lam, function, {"tail": True}, LogType="Tail")
    log = base64.b64decode(response["LogResult"]).decode()
    assert "START RequestId: " in log
    assert 'echo handler saw {"tail": true}' in log
    assert "END RequestId: " in log
    assert "REPORT RequestId: " in log and "Duration: " in log


def test_handler_exception_is_an_unhandled_function_error(lam):
    name = unique("fails")
    lam.create_function(
        FunctionName=name, Runtime="python3.12", Role=ROLE, Handler="app.handler",
        Code={"ZipFile": package("def handler(event, context):\n    raise ValueError('bad input')\n")},
    )
    try:
        lam.get_waiter("function_active_v2").wait(FunctionName=name)
        response, body = invoke(lam, name, {})
        assert response["StatusCode"] == 200
        assert response["FunctionError"] == "Unhandled"
        assert body["errorType"] == "ValueError"
        assert body["errorMessage"] == "bad input"
    finally:
        lam.delete_function(FunctionName=name)


def test_timeouts_are_reported_as_lambda_does(lam):
    name = unique("slow")
    lam.create_function(
        FunctionName=name, Runtime="python3.12", Role=ROLE, Handler="app.handler", Timeout=1,
        Code={"ZipFile": package("import time\ndef handler(event, context):\n    time.sleep(event.get('sleep', 0))\n    return 'done'\n")},
    )
    try:
        lam.get_waiter("function_active_v2").wait(FunctionName=name)
        response, body = invoke(lam, name, {"sleep": 5})
        assert response["FunctionError"] == "Unhandled"
        assert "Task timed out after 1.00 seconds" in body["errorMessage"]
        # The killed worker is replaced.
        response, body = invoke(lam, name, {"sleep": 0})
        assert "FunctionError" not in response and body == "done"
    finally:
        lam.delete_function(FunctionName=name)


def test_event_invocations_are_accepted_and_run(lam, tmp_path):
    name = unique("async")
    marker = tmp_path / "ran"
    lam.create_function(
        FunctionName=name, Runtime="python3.12", Role=ROLE, Handler="app.handler",
        Code={"ZipFile": package("def handler(event, context):\n    open(event['path'], 'w').write(context.aws_request_id)\n")},
    )
    try:
        lam.get_waiter("function_active_v2").wait(FunctionName=name)
        response = lam.invoke(FunctionName=name, InvocationType="Event",
                              Payload=json.dumps({"path": str(marker)}).encode())
        assert response["StatusCode"] == 202
        deadline = time.time() + 20
        while not marker.exists() and time.time() < deadline:
            time.sleep(0.05)
        assert marker.exists()
        assert marker.read_text() == response["ResponseMetadata"]["RequestId"]
        dry = lam.invoke(FunctionName=name, InvocationType="DryRun")
        assert dry["StatusCode"] == 204
    finally:
        lam.delete_function(FunctionName=name)


def test_bad_requests_get_lambdas_exceptions(lam, function):
    with pytest.raises(lam.exceptions.ResourceNotFoundException) as missing:
        lam.invoke(FunctionName="no-such-function")
    assert "Function not found: arn:aws:lambda:us-east-1:000000000000:function:no-such-function" in str(missing.value)
    with pytest.raises(lam.exceptions.ResourceConflictException) as duplicate:
        lam.create_function(FunctionName=function, Runtime="python3.12", Role=ROLE,
                            Handler="app.handler", Code={"ZipFile": package(ECHO)})
    assert f"Function already exist: {function}" in str(duplicate.value)
    with pytest.raises(lam.exceptions.InvalidParameterValueException) as bad_zip:
        lam.create_function(FunctionName=unique("badzip"), Runtime="python3.12", Role=ROLE,
                            Handler="app.handler", Code={"ZipFile": b"not a zip"})
    assert "Could not unzip uploaded file" in str(bad_zip.value)
    with pytest.raises(lam.exceptions.InvalidParameterValueException):
        lam.create_function(FunctionName=unique("old"), Runtime="python2.7", Role=ROLE,
                            Handler="app.handler", Code={"ZipFile": package(ECHO)})
    with pytest.raises(lam.exceptions.ClientError) as invalid_timeout:
        lam.update_function_configuration(FunctionName=function, Timeout=901)
    assert invalid_timeout.value.response["Error"]["Code"] == "ValidationException"
    with pytest.raises(lam.exceptions.InvalidParameterValueException) as reserved:
        lam.update_function_configuration(FunctionName=function,
                                          Environment={"Variables": {"AWS_REGION": "x"}})
    assert "reserved keys" in str(reserved.value)
    with pytest.raises(lam.exceptions.PreconditionFailedException):
        lam.update_function_configuration(FunctionName=function, Timeout=5, RevisionId="stale")
    # Nothing of the refused requests was stored.
    assert lam.get_function_configuration(FunctionName=function)["Timeout"] == 3


def test_missing_handler_module_is_an_import_error(lam):
    name = unique("noimport")
    lam.create_function(FunctionName=name, Runtime="python3.12", Role=ROLE,
                        Handler="missing.handler", Code={"ZipFile": package(ECHO)})
    try:
        lam.get_waiter("function_active_v2").wait(FunctionName=name)
        response, body = invoke(lam, name, {})
        assert response["FunctionError"] == "Unhandled"
        assert body["errorType"] == "Runtime.ImportModuleError"
        assert "Unable to import module 'missing'" in body["errorMessage"]
    finally:
        lam.delete_function(FunctionName=name)


def test_updates_take_effect_on_the_next_invocation(lam, function):
    new_code = package("def handler(event, context):\n    return 'v2'\n")
    updated = lam.update_function_code(FunctionName=function, ZipFile=new_code)
    assert updated["LastUpdateStatus"] in ("InProgress", "Successful")
    lam.get_waiter("function_updated_v2").wait(FunctionName=function)
    _, body = invoke(lam, function, {})
    assert body == "v2"
    lam.update_function_code(FunctionName=function, ZipFile=package(ECHO))
    lam.get_waiter("function_updated_v2").wait(FunctionName=function)
    lam.update_function_configuration(FunctionName=function, Environment={"Variables": {"GREETING": "hi"}},
                                      MemorySize=256, Timeout=10)
    lam.get_waiter("function_updated_v2").wait(FunctionName=function)
    _, body = invoke(lam, function, {})
    assert body["greeting"] == "hi"
    assert str(body["memory"]) == "256"
    assert body["remaining"] > 3000


def test_versions_and_weighted_aliases(lam, function):
    v1 = lam.publish_version(FunctionName=function, Description="first")
    assert v1["Version"] == "1"
    assert v1["FunctionArn"].endswith(f":function:{function}:1")
    assert lam.publish_version(FunctionName=function)["Version"] == "1"  # nothing changed
    lam.update_function_configuration(FunctionName=function, Environment={"Variables": {"GREETING": "two"}})
    lam.get_waiter("function_updated_v2").wait(FunctionName=function)
    v2 = lam.publish_version(FunctionName=function)
    assert v2["Version"] == "2"
    versions = lam.list_versions_by_function(FunctionName=function)["Versions"]
    assert [v["Version"] for v in versions] == ["$LATEST", "1", "2"]

    alias = lam.create_alias(FunctionName=function, Name="live", FunctionVersion="1")
    assert alias["AliasArn"].endswith(f":function:{function}:live")
    response, body = invoke(lam, function, {}, Qualifier="live")
    assert response["ExecutedVersion"] == "1"
    assert body["greeting"] == "hello" and body["version"] == "1"
    assert body["arn"].endswith(f":function:{function}:live")
    _, body = invoke(lam, f"{function}:2", {})
    assert body["greeting"] == "two"

    lam.update_alias(FunctionName=function, Name="live", FunctionVersion="1",
                     RoutingConfig={"AdditionalVersionWeights": {"2": 0.5}})
    seen = {invoke(lam, function, {}, Qualifier="live")[0]["ExecutedVersion"] for _ in range(40)}
    assert seen == {"1", "2"}
    assert lam.get_alias(FunctionName=function, Name="live")["RoutingConfig"] == {
        "AdditionalVersionWeights": {"2": 0.5}}
    with pytest.raises(lam.exceptions.ResourceConflictException):
        lam.delete_function(FunctionName=function, Qualifier="1")
    assert [a["Name"] for a in lam.list_aliases(FunctionName=function)["Aliases"]] == ["live"]
    lam.delete_alias(FunctionName=function, Name="live")
    lam.delete_function(FunctionName=function, Qualifier="1")
    with pytest.raises(lam.exceptions.ResourceNotFoundException):
        lam.get_function(FunctionName=function, Qualifier="1")


def test_permissions_build_the_function_policy(lam, function):
    source = "arn:aws:execute-api:us-east-1:000000000000:abc123/*/GET/pets"
    added = lam.add_permission(FunctionName=function, StatementId="apigw", Action="lambda:InvokeFunction",
                               Principal="apigateway.amazonaws.com", SourceArn=source)
    statement = json.loads(added["Statement"])
    assert statement["Principal"] == {"Service": "apigateway.amazonaws.com"}
    assert statement["Condition"] == {"ArnLike": {"AWS:SourceArn": source}}
    policy = json.loads(lam.get_policy(FunctionName=function)["Policy"])
    assert [s["Sid"] for s in policy["Statement"]] == ["apigw"]
    with pytest.raises(lam.exceptions.ResourceConflictException):
        lam.add_permission(FunctionName=function, StatementId="apigw", Action="lambda:InvokeFunction",
                           Principal="apigateway.amazonaws.com")
    lam.remove_permission(FunctionName=function, StatementId="apigw")
    with pytest.raises(lam.exceptions.ResourceNotFoundException):
        lam.get_policy(FunctionName=function)
    with pytest.raises(lam.exceptions.ResourceNotFoundException):
        lam.remove_permission(FunctionName=function, StatementId="apigw")


def test_each_alias_has_its_own_policy(lam, function):
    lam.publish_version(FunctionName=function)
    lam.create_alias(FunctionName=function, Name="prod", FunctionVersion="1")
    grant = dict(StatementId="apigw", Action="lambda:InvokeFunction", Principal="apigateway.amazonaws.com")
    lam.add_permission(FunctionName=function, Qualifier="prod", **grant)
    lam.add_permission(FunctionName=function, **grant)  # the same id in another policy
    with pytest.raises(lam.exceptions.ResourceConflictException):
        lam.add_permission(FunctionName=f"{function}:prod", **grant)
    prod = json.loads(lam.get_policy(FunctionName=function, Qualifier="prod")["Policy"])
    assert [s["Resource"] for s in prod["Statement"]] == [
        f"arn:aws:lambda:{REGION}:000000000000:function:{function}:prod"]
    unqualified = json.loads(lam.get_policy(FunctionName=function)["Policy"])
    assert [s["Resource"] for s in unqualified["Statement"]] == [
        f"arn:aws:lambda:{REGION}:000000000000:function:{function}"]
    with pytest.raises(lam.exceptions.InvalidParameterValueException) as latest:
        lam.add_permission(FunctionName=function, Qualifier="$LATEST", **grant)
    assert "$LATEST" in latest.value.response["Error"]["Message"]

    lam.remove_permission(FunctionName=function, Qualifier="prod", StatementId="apigw")
    with pytest.raises(lam.exceptions.ResourceNotFoundException):
        lam.get_policy(FunctionName=function, Qualifier="prod")
    assert json.loads(lam.get_policy(FunctionName=function)["Policy"]) == unqualified
    # A deleted alias takes its policy along.
    lam.add_permission(FunctionName=function, Qualifier="prod", **grant)
    lam.delete_alias(FunctionName=function, Name="prod")
    lam.create_alias(FunctionName=function, Name="prod", FunctionVersion="1")
    with pytest.raises(lam.exceptions.ResourceNotFoundException):
        lam.get_policy(FunctionName=function, Qualifier="prod")


def test_reserved_concurrency_zero_throttles_invocations(lam, function):
    assert lam.put_function_concurrency(FunctionName=function, ReservedConcurrentExecutions=0)[
        "ReservedConcurrentExecutions"] == 0
    assert lam.get_function_concurrency(FunctionName=function)["ReservedConcurrentExecutions"] == 0
    assert lam.get_function(FunctionName=function)["Concurrency"] == {"ReservedConcurrentExecutions": 0}
    no_retries = boto3.client(
        "lambda", endpoint_url=lam.meta.endpoint_url, region_name=REGION,
        aws_access_key_id=ACCESS_KEY, aws_secret_access_key=SECRET_KEY,
        config=Config(retries={"max_attempts": 1, "mode": "standard"}),
    )
    with pytest.raises(no_retries.exceptions.TooManyRequestsException) as throttled:
        no_retries.invoke(FunctionName=function, Payload=b"{}")
    assert throttled.value.response["Reason"] == "ReservedFunctionConcurrentInvocationLimitExceeded"
    with pytest.raises(lam.exceptions.InvalidParameterValueException):
        lam.put_function_concurrency(FunctionName=function, ReservedConcurrentExecutions=950)
    lam.delete_function_concurrency(FunctionName=function)
    response, _ = invoke(lam, function, {})
    assert response["StatusCode"] == 200


def test_list_functions_pages_and_tags(lam, function):
    names = set()
    for page in lam.get_paginator("list_functions").paginate(PaginationConfig={"PageSize": 1}):
        names.update(f["FunctionName"] for f in page["Functions"])
    assert function in names
    arn = lam.get_function_configuration(FunctionName=function)["FunctionArn"]
    assert lam.list_tags(Resource=arn)["Tags"] == {"team": "payments"}
    lam.tag_resource(Resource=arn, Tags={"env": "test"})
    lam.untag_resource(Resource=arn, TagKeys=["team"])
    assert lam.list_tags(Resource=arn)["Tags"] == {"env": "test"}


def test_deleted_function_is_gone(lam):
    name = unique("gone")
    lam.create_function(FunctionName=name, Runtime="python3.12", Role=ROLE,
                        Handler="app.handler", Code={"ZipFile": package(ECHO)})
    lam.get_waiter("function_active_v2").wait(FunctionName=name)
    lam.delete_function(FunctionName=name)
    with pytest.raises(lam.exceptions.ResourceNotFoundException):
        lam.invoke(FunctionName=name)
    with pytest.raises(lam.exceptions.ResourceNotFoundException):
        lam.delete_function(FunctionName=name)


def test_functions_survive_a_restart():
    own = Portico()
    try:
        client = lambda_client(own)
        name = unique("durable")
        first_code = package(ECHO)
        client.create_function(FunctionName=name, Runtime="python3.12", Role=ROLE,
                               Handler="app.handler", Code={"ZipFile": first_code})
        client.get_waiter("function_active_v2").wait(FunctionName=name)
        client.publish_version(FunctionName=name)
        client.create_alias(FunctionName=name, Name="live", FunctionVersion="1")
        # $LATEST moves on to new code; another function comes and goes.
        latest_code = package(ECHO + "\n# second revision\n")
        client.update_function_code(FunctionName=name, ZipFile=latest_code)
        client.get_waiter("function_updated_v2").wait(FunctionName=name)
        dropped_code = package(ECHO + "\n# short-lived\n")
        dropped = unique("dropped")
        client.create_function(FunctionName=dropped, Runtime="python3.12", Role=ROLE,
                               Handler="app.handler", Code={"ZipFile": dropped_code})
        client.delete_function(FunctionName=dropped)

        own.restart()

        client = lambda_client(own)
        _, body = invoke(client, name, {"after": "restart"}, Qualifier="live")
        assert body["event"] == {"after": "restart"} and body["version"] == "1"
        _, body = invoke(client, name, {"latest": True})
        assert body["version"] == "$LATEST"
        # Start-up removed the code no version runs any more, and only that.
        stored = {path.name for path in pathlib.Path(own.data_dir, "functions", "code").iterdir()}
        digest = lambda code: hashlib.sha256(code).hexdigest() + ".zip"
        assert stored == {digest(first_code), digest(latest_code)}
    finally:
        own.stop()


def lambda_client(server):
    return boto3.client(
        "lambda", endpoint_url=server.admin_url, region_name=REGION,
        aws_access_key_id=ACCESS_KEY, aws_secret_access_key=SECRET_KEY,
    )


def test_users_need_lambda_permissions(portico, lam, iam):
    user = unique("dev")
    iam.create_user(UserName=user)
    key = iam.create_access_key(UserName=user)["AccessKey"]
    client = boto3.client(
        "lambda", endpoint_url=portico.admin_url, region_name=REGION,
        aws_access_key_id=key["AccessKeyId"], aws_secret_access_key=key["SecretAccessKey"],
    )
    with pytest.raises(client.exceptions.ClientError) as denied:
        client.list_functions()
    assert denied.value.response["Error"]["Code"] == "AccessDeniedException"
    assert "lambda:ListFunctions" in str(denied.value)
    iam.put_user_policy(UserName=user, PolicyName="list", PolicyDocument=json.dumps({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "lambda:ListFunctions", "Resource": "*"}],
    }))
    assert "Functions" in client.list_functions()
    iam.delete_user_policy(UserName=user, PolicyName="list")
    iam.delete_access_key(UserName=user, AccessKeyId=key["AccessKeyId"])
    iam.delete_user(UserName=user)


def test_portico_logs_prints_the_functions_log(portico, lam, function):
    import subprocess
    from conftest import portico_binary
    invoke(lam, function, {"logged": "yes"})
    completed = subprocess.run(
        [portico_binary(), "logs", function, "--data-dir", portico.data_dir],
        capture_output=True, text=True, timeout=30,
    )
    assert completed.returncode == 0, completed.stderr
    assert "START RequestId: " in completed.stdout
    assert 'echo handler saw {"logged": "yes"}' in completed.stdout
    assert "REPORT RequestId: " in completed.stdout
    missing = subprocess.run(
        [portico_binary(), "logs", "never-ran", "--data-dir", portico.data_dir],
        capture_output=True, text=True, timeout=30,
    )
    assert missing.returncode != 0
    assert "no log for function never-ran" in missing.stderr


CHATTY = """
def handler(event, context):
    for line in range(event["lines"]):
        print(f"{event['tag']} line {line:04d} " + "x" * 1000)
    return {"printed": event["lines"]}
"""


def test_function_logs_rotate_at_their_limit_and_portico_logs_follows_them():
    """A log is rotated to NAME.log.1 at --function-log-max-mib; nothing printed is lost to
    `portico logs --follow`, and the files stay bounded."""
    import subprocess
    from conftest import portico_binary
    own = Portico(["--function-log-max-mib", "1"])
    follower = None
    try:
        client = lambda_client(own)
        name = unique("chatty")
        client.create_function(FunctionName=name, Runtime="python3.12", Role=ROLE,
                               Handler="app.handler", Code={"ZipFile": package(CHATTY)})
        client.get_waiter("function_active_v2").wait(FunctionName=name)
        _, body = invoke(client, name, {"tag": "before", "lines": 10})
        assert body == {"printed": 10}
        # Into a file: a pipe nobody reads until the end would stall the follower.
        followed_path = pathlib.Path(own.data_dir, "followed.txt")
        with open(followed_path, "w") as followed_file:
            follower = subprocess.Popen(
                [portico_binary(), "logs", name, "--follow", "--data-dir", own.data_dir],
                stdout=followed_file, stderr=subprocess.DEVNULL,
            )
        time.sleep(0.5)
        # 3.6 MB of lines through a 1 MiB limit: at least three rotations.
        request_ids = []
        for round in range(9):
            response, body = invoke(client, name, {"tag": f"round{round}", "lines": 400})
            assert body == {"printed": 400}
            request_ids.append(response["ResponseMetadata"]["RequestId"])
            time.sleep(0.1)  # --follow looks every 200 ms; a rotation takes ~3 rounds
        deadline = time.time() + 15
        while (f"REPORT RequestId: {request_ids[-1]}" not in followed_path.read_text()
               and time.time() < deadline):
            time.sleep(0.1)
        time.sleep(0.5)  # two more looks: nothing else must arrive (no line twice)
        follower.terminate()
        follower.wait(timeout=10)
        follower = None
        followed = followed_path.read_text()

        logs = pathlib.Path(own.data_dir, "functions", "logs")
        assert sorted(path.name for path in logs.iterdir()) == [f"{name}.log", f"{name}.log.1"]
        for path in logs.iterdir():
            # The limit, plus at most what one write added before the rotation.
            assert path.stat().st_size <= (1 << 20) + 256 * 1024, path
        # Everything printed after --follow started reached it, in order and whole.
        for round, request_id in enumerate(request_ids):
            assert f"START RequestId: {request_id}" in followed
            assert f"END RequestId: {request_id}" in followed
            printed = [line for line in followed.splitlines() if line.startswith(f"round{round} ")]
            assert printed == [f"round{round} line {line:04d} " + "x" * 1000 for line in range(400)]
        # Without --follow it prints what is kept: the rotated part, then the current one.
        kept = subprocess.run(
            [portico_binary(), "logs", name, "--data-dir", own.data_dir],
            capture_output=True, text=True, timeout=30,
        )
        assert kept.returncode == 0, kept.stderr
        assert kept.stdout.rstrip().splitlines()[-1].startswith(f"REPORT RequestId: {request_ids[-1]}")
        assert "before line 0000" not in kept.stdout
        assert len(kept.stdout) <= 2 * ((1 << 20) + 256 * 1024)
    finally:
        if follower is not None:
            follower.kill()
        own.stop()
