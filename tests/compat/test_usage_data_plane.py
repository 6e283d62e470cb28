"""API keys, usage plans, quotas, usage reports and the stage cache as a boto3 user sets
them up and a plain HTTP client sees them."""

import datetime
import uuid

import pytest


def _key_value():
    return "k" + uuid.uuid4().hex  # 33 alphanumerics


@pytest.fixture
def keyed(apigw, api, backend):
    """`GET /{proxy+}` proxied to the echo backend with `apiKeyRequired`, stage `dev`, cached."""
    api_id, root = api["id"], api["rootResourceId"]
    proxy = apigw.create_resource(restApiId=api_id, parentId=root, pathPart="{proxy+}")["id"]
    apigw.put_method(restApiId=api_id, resourceId=proxy, httpMethod="GET", authorizationType="NONE",
                     apiKeyRequired=True, requestParameters={"method.request.path.proxy": True})
    apigw.put_integration(restApiId=api_id, resourceId=proxy, httpMethod="GET", type="HTTP_PROXY",
                          integrationHttpMethod="GET", uri=f"{backend}/{{proxy}}",
                          requestParameters={"integration.request.path.proxy": "method.request.path.proxy"},
                          cacheKeyParameters=["method.request.path.proxy"])
    apigw.create_deployment(restApiId=api_id, stageName="dev")
    value = _key_value()
    key = apigw.create_api_key(name="compat", enabled=True, value=value)
    plan = apigw.create_usage_plan(name="compat-" + uuid.uuid4().hex[:6],
                                   apiStages=[{"apiId": api_id, "stage": "dev"}],
                                   quota={"limit": 5, "period": "DAY"})
    apigw.create_usage_plan_key(usagePlanId=plan["id"], keyId=key["id"], keyType="API_KEY")
    yield {"api_id": api_id, "key": key, "value": value, "plan": plan}
    apigw.update_usage_plan(usagePlanId=plan["id"], patchOperations=[
        {"op": "remove", "path": "/apiStages", "value": f"{api_id}:dev"}])
    apigw.delete_usage_plan(usagePlanId=plan["id"])
    apigw.delete_api_key(apiKey=key["id"])


def test_keys_quota_and_usage_report(portico, apigw, keyed, http):
    url = portico.invoke_url(keyed["api_id"], "dev", "/hello")
    missing = http.get(url)
    assert (missing.status_code, missing.json()) == (403, {"message": "Forbidden"})
    assert missing.headers["x-amzn-ErrorType"] == "ForbiddenException"
    for _ in range(5):
        ok = http.get(url, headers={"x-api-key": keyed["value"]})
        assert ok.status_code == 200
        assert ok.json()["headers"]["x-api-key"] == keyed["value"]
    over = http.get(url, headers={"x-api-key": keyed["value"]})
    assert (over.status_code, over.text) == (429, '{"message":"Limit Exceeded"}')
    assert over.headers["x-amzn-ErrorType"] == "LimitExceededException"

    today = datetime.datetime.now(datetime.timezone.utc).date().isoformat()
    usage = apigw.get_usage(usagePlanId=keyed["plan"]["id"], startDate=today, endDate=today)
    assert usage["items"] == {keyed["key"]["id"]: [[5, 0]]}
    updated = apigw.update_usage(usagePlanId=keyed["plan"]["id"], keyId=keyed["key"]["id"],
                                 patchOperations=[{"op": "replace", "path": "/remaining", "value": "1"}])
    assert updated["items"][keyed["key"]["id"]][0][1] == 1
    assert http.get(url, headers={"x-api-key": keyed["value"]}).status_code == 200
    assert http.get(url, headers={"x-api-key": keyed["value"]}).status_code == 429


def test_stage_cache_and_flush(portico, apigw, keyed, http, backend):
    api_id = keyed["api_id"]
    apigw.update_stage(restApiId=api_id, stageName="dev", patchOperations=[
        {"op": "replace", "path": "/cacheClusterEnabled", "value": "true"},
        {"op": "replace", "path": "/cacheClusterSize", "value": "0.5"}])
    apigw.update_usage_plan(usagePlanId=keyed["plan"]["id"], patchOperations=[
        {"op": "remove", "path": "/quota"}])
    headers = {"x-api-key": keyed["value"]}
    url = portico.invoke_url(api_id, "dev", "/cached")
    first = http.get(url, headers=headers)
    second = http.get(url, headers=headers)
    assert first.status_code == second.status_code == 200
    # The echo body carries the request's own headers; an identical answer came from the cache.
    assert first.json() == second.json()
    fresh = http.get(url, headers={**headers, "X-Probe": "1"})
    assert "x-probe" not in fresh.json()["headers"], "headers outside the cache key do not miss"
    apigw.flush_stage_cache(restApiId=api_id, stageName="dev")
    refreshed = http.get(url, headers={**headers, "X-Probe": "1"})
    assert refreshed.json()["headers"]["x-probe"] == "1"
    metrics = http.get(f"{portico.admin_url}/metrics").text
    assert f'portico_cache_hits_total{{api_id="{api_id}",stage="dev"}} 2' in metrics


def test_account_throttle_is_reported(apigw):
    account = apigw.get_account()
    assert account["throttleSettings"]["rateLimit"] >= 1.0
    assert "UsagePlans" in account["features"]
