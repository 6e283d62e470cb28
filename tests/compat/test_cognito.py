"""COGNITO_USER_POOLS authorizers against a user pool the test plays: RSA keys it generates, a
JWKS it serves on loopback, tokens it signs; Portico maps the pool ARN to that issuer with
`--user-pool`. Valid ID and access tokens, scopes, expiry, issuer, audience, tampering."""

import base64
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import boto3
import pytest
import requests
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from conftest import ACCESS_KEY, REGION, SECRET_KEY, Portico

POOL_ARN = "arn:aws:cognito-idp:us-east-1:000000000000:userpool/us-east-1_compat"
KID = "compat-key-1"


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def int_b64url(number):
    return b64url(number.to_bytes((number.bit_length() + 7) // 8, "big"))


class UserPool:
    """Signs tokens and serves its JWKS, counting fetches."""

    def __init__(self):
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.other_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.fetches = 0
        pool = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                pool.fetches += 1
                numbers = pool.key.public_key().public_numbers()
                body = json.dumps({"keys": [{"kty": "RSA", "kid": KID, "use": "sig", "alg": "RS256",
                                             "n": int_b64url(numbers.n), "e": int_b64url(numbers.e)}]}).encode()
                self.send_response(200 if self.path == "/pool/.well-known/jwks.json" else 404)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.issuer = f"http://127.0.0.1:{self.server.server_address[1]}/pool"

    def token(self, key=None, **overrides):
        now = int(time.time())
        claims = {"sub": "user-1", "iss": self.issuer, "token_use": "id", "aud": "client-app",
                  "email": "ada@example.com", "cognito:groups": ["admins"], "iat": now, "exp": now + 600,
                  **overrides}
        header = b64url(json.dumps({"alg": "RS256", "kid": KID, "typ": "JWT"}).encode())
        payload = b64url(json.dumps(claims).encode())
        signing_input = f"{header}.{payload}".encode()
        signature = (key or self.key).sign(signing_input, padding.PKCS1v15(), hashes.SHA256())
        return f"{header}.{payload}.{b64url(signature)}"


@pytest.fixture(scope="module")
def pool():
    user_pool = UserPool()
    yield user_pool
    user_pool.server.shutdown()


@pytest.fixture(scope="module")
def gateway(pool):
    server = Portico(extra_args=["--user-pool", f"{POOL_ARN}={pool.issuer}"])
    apigw = boto3.client("apigateway", endpoint_url=server.admin_url, region_name=REGION,
                         aws_access_key_id=ACCESS_KEY, aws_secret_access_key=SECRET_KEY)
    api = apigw.create_rest_api(name="cognito")
    api_id, root = api["id"], api["rootResourceId"]
    authorizer = apigw.create_authorizer(
        restApiId=api_id, name="pool", type="COGNITO_USER_POOLS", providerARNs=[POOL_ARN],
        identitySource="method.request.header.Authorization", identityValidationExpression="client-app")
    for path, scopes in (("profile", None), ("admin", ["admin/write"])):
        resource = apigw.create_resource(restApiId=api_id, parentId=root, pathPart=path)["id"]
        method = {"authorizationScopes": scopes} if scopes else {}
        apigw.put_method(restApiId=api_id, resourceId=resource, httpMethod="GET",
                         authorizationType="COGNITO_USER_POOLS", authorizerId=authorizer["id"], **method)
        apigw.put_integration(restApiId=api_id, resourceId=resource, httpMethod="GET", type="MOCK",
                              requestTemplates={"application/json": '{"statusCode": 200}'})
        apigw.put_method_response(restApiId=api_id, resourceId=resource, httpMethod="GET", statusCode="200")
        apigw.put_integration_response(
            restApiId=api_id, resourceId=resource, httpMethod="GET", statusCode="200",
            responseTemplates={"application/json":
                               '{"sub": "$context.authorizer.claims.sub", '
                               '"email": "$context.authorizer.claims.email", '
                               '"groups": "$context.authorizer.claims[\'cognito:groups\']"}'})
    apigw.create_deployment(restApiId=api_id, stageName="dev")
    yield server, api_id
    server.stop()


def call(gateway, path, token=None):
    server, api_id = gateway
    headers = {"Authorization": token} if token is not None else {}
    return requests.get(server.invoke_url(api_id, "dev", path), headers=headers, timeout=10)


def test_valid_id_token_passes_with_its_claims(gateway, pool):
    response = call(gateway, "/profile", pool.token())
    assert response.status_code == 200, response.text
    assert response.json() == {"sub": "user-1", "email": "ada@example.com", "groups": "admins"}
    bearer = call(gateway, "/profile", "Bearer " + pool.token())
    assert bearer.status_code == 200


def test_bad_tokens_are_unauthorized(gateway, pool):
    now = int(time.time())
    tampered = pool.token().rsplit(".", 2)
    tampered[1] = base64.urlsafe_b64encode(json.dumps({"sub": "admin", "iss": pool.issuer, "token_use": "id",
                                                       "aud": "client-app", "exp": now + 600}).encode()).rstrip(b"=").decode()
    for token in (
        None,
        "",
        "not-a-jwt",
        pool.token(exp=now - 10),
        pool.token(nbf=now + 600),
        pool.token(iss="https://evil.example/pool"),
        pool.token(aud="other-client"),
        pool.token(token_use="access", scope="admin/write"),
        pool.token(key=pool.other_key),
        ".".join(tampered),
    ):
        response = call(gateway, "/profile", token)
        assert response.status_code == 401, token
        assert response.json() == {"message": "Unauthorized"}


def test_scoped_methods_need_an_access_token_with_a_scope(gateway, pool):
    assert call(gateway, "/admin", pool.token()).status_code == 401, "an ID token is not enough"
    assert call(gateway, "/admin", pool.token(token_use="access", scope="admin/read")).status_code == 401
    granted = call(gateway, "/admin", pool.token(token_use="access", scope="openid admin/write"))
    assert granted.status_code == 200


def test_key_set_is_fetched_once(gateway, pool):
    before = pool.fetches
    for _ in range(5):
        assert call(gateway, "/profile", pool.token(sub="user-2")).status_code == 200
    assert pool.fetches - before <= 1


def test_test_invoke_authorizer_validates_the_token_and_reports_its_claims(gateway, pool):
    server, api_id = gateway
    apigw = boto3.client("apigateway", endpoint_url=server.admin_url, region_name=REGION,
                         aws_access_key_id=ACCESS_KEY, aws_secret_access_key=SECRET_KEY)
    authorizer_id = apigw.get_authorizers(restApiId=api_id)["items"][0]["id"]

    def test_invoke(**request):
        return apigw.test_invoke_authorizer(restApiId=api_id, authorizerId=authorizer_id, **request)

    valid = test_invoke(headers={"Authorization": pool.token(sub="user-9")})
    assert valid["clientStatus"] == 0, valid
    assert valid["claims"]["sub"] == "user-9"
    assert valid["claims"]["email"] == "ada@example.com"
    assert valid["claims"]["token_use"] == "id"
    assert "policy" not in valid
    # The header's name is matched in any case, and multiValueHeaders serve as well.
    lower = test_invoke(multiValueHeaders={"authorization": [pool.token()]})
    assert lower["clientStatus"] == 0, lower

    now = int(time.time())
    for request in (
        {},
        {"headers": {"Authorization": ""}},
        {"headers": {"Authorization": pool.token(exp=now - 10)}},
        {"headers": {"Authorization": pool.token(aud="other-client")}},
        {"headers": {"Authorization": pool.token(key=pool.other_key)}},
    ):
        refused = test_invoke(**request)
        assert refused["clientStatus"] == 401, request
        assert "claims" not in refused
        assert refused["log"].startswith("Unauthorized request")
