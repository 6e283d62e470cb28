"""Portico's Python runtime for Lambda functions.

A small, standard-library-only client of the AWS Lambda Runtime API (2018-06-01): it imports
the handler named by _HANDLER (module.function, dotted module paths allowed), then loops:
fetch the next event, call the handler with a LambdaContext, post the JSON result or an error
in awslambdaric's shape ({"errorMessage", "errorType", "requestId", "stackTrace"}).
Portico writes this file to LAMBDA_RUNTIME_DIR and runs it with `python -u`.
"""

import http.client
import importlib
import json
import os
import sys
import time
import traceback

RUNTIME_API = os.environ["AWS_LAMBDA_RUNTIME_API"]
BASE = "/2018-06-01/runtime"


class RuntimeClient:
    """One keep-alive HTTP connection to the Runtime API, reopened when it drops."""

    def __init__(self, address):
        host, _, port = address.rpartition(":")
        self.host = host
        self.port = int(port)
        self.conn = None

    def request(self, method, path, body=None, headers=None):
        for attempt in (1, 2):
            if self.conn is None:
                self.conn = http.client.HTTPConnection(self.host, self.port)
            try:
                self.conn.request(method, BASE + path, body=body, headers=headers or {})
                response = self.conn.getresponse()
                return response.status, response.headers, response.read()
            except (ConnectionError, http.client.HTTPException, OSError):
                self.conn.close()
                self.conn = None
                if attempt == 2:
                    raise
        raise RuntimeError("unreachable")

    def next(self):
        return self.request("GET", "/invocation/next")

    def post_response(self, request_id, payload):
        return self.request(
            "POST",
            "/invocation/%s/response" % request_id,
            body=payload,
            headers={"Content-Type": "application/json"},
        )

    def post_error(self, request_id, error):
        return self.request(
            "POST",
            "/invocation/%s/error" % request_id,
            body=json.dumps(error).encode("utf-8"),
            headers={
                "Content-Type": "application/json",
                "Lambda-Runtime-Function-Error-Type": error["errorType"],
            },
        )

    def post_init_error(self, error):
        return self.request(
            "POST",
            "/init/error",
            body=json.dumps(error).encode("utf-8"),
            headers={
                "Content-Type": "application/json",
                "Lambda-Runtime-Function-Error-Type": error["errorType"],
            },
        )


class CognitoIdentity:
    __slots__ = ["cognito_identity_id", "cognito_identity_pool_id"]

    def __init__(self, document):
        self.cognito_identity_id = document.get("cognitoIdentityId")
        self.cognito_identity_pool_id = document.get("cognitoIdentityPoolId")


class Client:
    __slots__ = [
        "installation_id",
        "app_title",
        "app_version_name",
        "app_version_code",
        "app_package_name",
    ]

    def __init__(self, document):
        self.installation_id = document.get("installation_id")
        self.app_title = document.get("app_title")
        self.app_version_name = document.get("app_version_name")
        self.app_version_code = document.get("app_version_code")
        self.app_package_name = document.get("app_package_name")


class ClientContext:
    __slots__ = ["custom", "env", "client"]

    def __init__(self, document):
        client = document.get("client")
        self.client = Client(client) if client else None
        self.custom = document.get("custom")
        self.env = document.get("env")


class LambdaContext:
    def __init__(self, request_id, deadline_ms, invoked_function_arn, client_context, identity):
        self.aws_request_id = request_id
        self.invoked_function_arn = invoked_function_arn
        self.function_name = os.environ.get("AWS_LAMBDA_FUNCTION_NAME")
        self.function_version = os.environ.get("AWS_LAMBDA_FUNCTION_VERSION")
        self.memory_limit_in_mb = os.environ.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE")
        self.log_group_name = os.environ.get("AWS_LAMBDA_LOG_GROUP_NAME")
        self.log_stream_name = os.environ.get("AWS_LAMBDA_LOG_STREAM_NAME")
        self.client_context = ClientContext(client_context) if client_context else None
        self.identity = CognitoIdentity(identity or {})
        self._deadline_ms = deadline_ms

    def get_remaining_time_in_millis(self):
        return max(self._deadline_ms - int(time.time() * 1000), 0)

    def __repr__(self):
        return "LambdaContext([aws_request_id=%s,function_name=%s,function_version=%s])" % (
            self.aws_request_id,
            self.function_name,
            self.function_version,
        )


def error_document(error_type, message, request_id="", stack=None):
    return {
        "errorMessage": message,
        "errorType": error_type,
        "requestId": request_id,
        "stackTrace": stack or [],
    }


def exception_document(exc, request_id):
    stack = traceback.format_list(traceback.extract_tb(exc.__traceback__))
    return error_document(type(exc).__name__, str(exc), request_id, stack)


def log_error(document):
    lines = ["[ERROR] %s: %s" % (document["errorType"], document["errorMessage"])]
    if document["stackTrace"]:
        lines.append("Traceback (most recent call last):")
        lines.extend(frame.rstrip("\n") for frame in document["stackTrace"])
    print("\n".join(lines), file=sys.stderr, flush=True)


def load_handler(spec):
    """Returns (handler, None) or (None, error document) for the _HANDLER value `spec`."""
    module_name, _, function_name = spec.rpartition(".")
    if not module_name or not function_name:
        return None, error_document(
            "Runtime.MalformedHandlerName",
            "Bad handler '%s': not enough values to unpack (expected 2, got 1)" % spec,
        )
    module_name = module_name.replace("/", ".")
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        return None, error_document(
            "Runtime.ImportModuleError",
            "Unable to import module '%s': %s" % (module_name, exc),
        )
    except SyntaxError as exc:
        return None, error_document(
            "Runtime.UserCodeSyntaxError",
            "Syntax error in module '%s': %s" % (module_name, exc),
        )
    except Exception as exc:  # noqa: BLE001 - any failure at import is an init error
        return None, exception_document(exc, "")
    handler = getattr(module, function_name, None)
    if handler is None:
        return None, error_document(
            "Runtime.HandlerNotFound",
            "Handler '%s' missing on module '%s'" % (function_name, module_name),
        )
    return handler, None


def invoke(handler, client, status_headers, body):
    request_id = status_headers.get("Lambda-Runtime-Aws-Request-Id")
    deadline_ms = int(status_headers.get("Lambda-Runtime-Deadline-Ms") or 0)
    trace_id = status_headers.get("Lambda-Runtime-Trace-Id")
    if trace_id:
        os.environ["_X_AMZN_TRACE_ID"] = trace_id
    else:
        os.environ.pop("_X_AMZN_TRACE_ID", None)
    try:
        client_context = status_headers.get("Lambda-Runtime-Client-Context")
        identity = status_headers.get("Lambda-Runtime-Cognito-Identity")
        context = LambdaContext(
            request_id,
            deadline_ms,
            status_headers.get("Lambda-Runtime-Invoked-Function-Arn"),
            json.loads(client_context) if client_context else None,
            json.loads(identity) if identity else None,
        )
        event = json.loads(body) if body else {}
    except ValueError as exc:
        document = error_document("Runtime.UnmarshalError", "Unable to unmarshal input: %s" % exc, request_id)
        log_error(document)
        client.post_error(request_id, document)
        return
    try:
        result = handler(event, context)
    except Exception as exc:  # noqa: BLE001 - the handler's failure is reported, not fatal
        document = exception_document(exc, request_id)
        log_error(document)
        client.post_error(request_id, document)
        return
    try:
        payload = json.dumps(result).encode("utf-8")
    except (TypeError, ValueError, OverflowError) as exc:
        document = error_document("Runtime.MarshalError", "Unable to marshal response: %s" % exc, request_id)
        log_error(document)
        client.post_error(request_id, document)
        return
    status, _, _ = client.post_response(request_id, payload)
    if status == 413:
        print("[ERROR] Response payload size exceeded the maximum allowed", file=sys.stderr, flush=True)


def main():
    client = RuntimeClient(RUNTIME_API)
    task_root = os.environ.get("LAMBDA_TASK_ROOT")
    if task_root and task_root not in sys.path:
        sys.path.insert(0, task_root)
    handler, init_error = load_handler(os.environ.get("_HANDLER", ""))
    if init_error is not None:
        log_error(init_error)
        client.post_init_error(init_error)
        sys.exit(1)
    while True:
        status, headers, body = client.next()
        if status != 200:
            print("[ERROR] Runtime API answered %d to next" % status, file=sys.stderr, flush=True)
            sys.exit(1)
        invoke(handler, client, headers, body)


if __name__ == "__main__":
    main()
