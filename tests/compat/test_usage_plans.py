"""API keys, usage plans, usage plan keys and the account through boto3, as users' scripts call them.

The Portico instance is shared by the whole session, so every test names its keys and plans
uniquely and deletes what it created.
"""

import uuid
from concurrent.futures import ThreadPoolExecutor

import botocore.exceptions
import pytest


def unique(prefix):
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def error_of(excinfo):
    return excinfo.value.response["Error"]


def without_metadata(response):
    return {k: v for k, v in response.items() if k != "ResponseMetadata"}


def deploy_stage(apigw, api_id, root_id, stage):
    """A MOCK GET on `/` deployed to `stage`."""
    apigw.put_method(restApiId=api_id, resourceId=root_id, httpMethod="GET", authorizationType="NONE")
    apigw.put_integration(restApiId=api_id, resourceId=root_id, httpMethod="GET", type="MOCK",
                          requestTemplates={"application/json": '{"statusCode": 200}'})
    apigw.create_deployment(restApiId=api_id, stageName=stage)


@pytest.fixture
def staged_api(apigw, api):
    """A RestApi with stages `prod` and `dev`."""
    deploy_stage(apigw, api["id"], api["rootResourceId"], "prod")
    apigw.create_deployment(restApiId=api["id"], stageName="dev")
    return api


def delete_plan(apigw, plan_id):
    """Unbinds the plan's stages (AWS refuses to delete a bound plan), then deletes it."""
    plan = apigw.get_usage_plan(usagePlanId=plan_id)
    operations = [{"op": "remove", "path": "/apiStages", "value": f"{s['apiId']}:{s['stage']}"}
                  for s in plan.get("apiStages", [])]
    if operations:
        apigw.update_usage_plan(usagePlanId=plan_id, patchOperations=operations)
    apigw.delete_usage_plan(usagePlanId=plan_id)


@pytest.fixture
def cleanup(apigw):
    """Collects ("key"|"plan", id) pairs and deletes them after the test."""
    created = []
    yield created
    for kind, ident in reversed(created):
        try:
            if kind == "key":
                apigw.delete_api_key(apiKey=ident)
            else:
                delete_plan(apigw, ident)
        except apigw.exceptions.NotFoundException:
            pass


def create_key(apigw, cleanup, **kwargs):
    key = apigw.create_api_key(**kwargs)
    cleanup.append(("key", key["id"]))
    return key


def create_plan(apigw, cleanup, **kwargs):
    plan = apigw.create_usage_plan(**kwargs)
    cleanup.append(("plan", plan["id"]))
    return plan


# --- API keys ---------------------------------------------------------------------------


def test_create_api_key_generates_a_value_and_is_disabled_by_default(apigw, cleanup):
    key = create_key(apigw, cleanup, name=unique("gen"))
    assert len(key["id"]) == 10 and all(c.islower() or c.isdigit() for c in key["id"])
    assert len(key["value"]) == 40 and key["value"].isalnum()
    assert key["enabled"] is False
    assert key["createdDate"] == key["lastUpdatedDate"]


def test_create_api_key_keeps_a_given_value_and_members(apigw, api, cleanup):
    value = "Given" + uuid.uuid4().hex
    key = create_key(apigw, cleanup, name=unique("given"), value=value, enabled=True, description="d",
                     customerId="cust-1", stageKeys=[{"restApiId": api["id"], "stageName": "prod"}],
                     tags={"team": "a"})
    assert key["value"] == value
    assert key["enabled"] is True
    assert key["customerId"] == "cust-1"
    assert key["stageKeys"] == [f"{api['id']}/prod"]
    assert key["tags"] == {"team": "a"}


def test_short_and_duplicate_values_are_rejected(apigw, cleanup):
    with pytest.raises(apigw.exceptions.BadRequestException) as short:
        apigw.create_api_key(name="short", value="tooshort")
    assert error_of(short)["Message"] == "API Key value should be at least 20 characters"
    value = "Dup" + uuid.uuid4().hex
    create_key(apigw, cleanup, name=unique("dup"), value=value)
    with pytest.raises(apigw.exceptions.ConflictException) as duplicate:
        apigw.create_api_key(name="again", value=value)
    assert error_of(duplicate)["Message"] == "API Key already exists"


def test_values_are_shown_only_when_asked_for(apigw, cleanup):
    prefix = unique("vis")
    key = create_key(apigw, cleanup, name=prefix + "-a")
    fetched = apigw.get_api_key(apiKey=key["id"])
    assert "value" not in fetched
    assert apigw.get_api_key(apiKey=key["id"], includeValue=True)["value"] == key["value"]
    listed = apigw.get_api_keys(nameQuery=prefix)["items"]
    assert [item["id"] for item in listed] == [key["id"]]
    assert "value" not in listed[0]
    listed = apigw.get_api_keys(nameQuery=prefix, includeValues=True)["items"]
    assert listed[0]["value"] == key["value"]


def test_get_api_keys_filters_by_name_prefix_and_customer_and_pages(apigw, cleanup):
    prefix = unique("list")
    ids = {create_key(apigw, cleanup, name=f"{prefix}-{i}", customerId=f"c{i % 2}")["id"] for i in range(3)}
    create_key(apigw, cleanup, name=unique("other"))
    named = apigw.get_api_keys(nameQuery=prefix)["items"]
    assert {item["id"] for item in named} == ids
    customer = apigw.get_api_keys(nameQuery=prefix, customerId="c1")["items"]
    assert [item["name"] for item in customer] == [f"{prefix}-1"]
    pages = apigw.get_paginator("get_api_keys").paginate(nameQuery=prefix, PaginationConfig={"PageSize": 2})
    paged = [item["id"] for page in pages for item in page["items"]]
    assert sorted(paged) == sorted(ids)


def test_update_api_key(apigw, cleanup):
    key = create_key(apigw, cleanup, name=unique("upd"))
    updated = apigw.update_api_key(apiKey=key["id"], patchOperations=[
        {"op": "replace", "path": "/name", "value": "renamed"},
        {"op": "replace", "path": "/description", "value": "about"},
        {"op": "replace", "path": "/enabled", "value": "true"},
        {"op": "replace", "path": "/customerId", "value": "cust-9"},
        {"op": "add", "path": "/stages", "value": "abc123/prod"},
    ])
    assert updated["name"] == "renamed"
    assert updated["description"] == "about"
    assert updated["enabled"] is True
    assert updated["customerId"] == "cust-9"
    assert updated["stageKeys"] == ["abc123/prod"]
    assert "value" not in updated
    assert updated["lastUpdatedDate"] >= key["lastUpdatedDate"]
    removed = apigw.update_api_key(apiKey=key["id"], patchOperations=[
        {"op": "remove", "path": "/stages", "value": "abc123/prod"}])
    assert removed["stageKeys"] == []
    with pytest.raises(apigw.exceptions.BadRequestException):
        apigw.update_api_key(apiKey=key["id"], patchOperations=[
            {"op": "replace", "path": "/value", "value": "x" * 30}])


def test_delete_api_key(apigw, cleanup):
    key = create_key(apigw, cleanup, name=unique("del"))
    apigw.delete_api_key(apiKey=key["id"])
    with pytest.raises(apigw.exceptions.NotFoundException) as missing:
        apigw.get_api_key(apiKey=key["id"])
    assert error_of(missing)["Message"] == "Invalid API Key identifier specified"
    with pytest.raises(apigw.exceptions.NotFoundException):
        apigw.delete_api_key(apiKey=key["id"])


# --- ImportApiKeys ----------------------------------------------------------------------


def test_import_api_keys_from_csv(apigw, staged_api, cleanup):
    plan = create_plan(apigw, cleanup, name=unique("import"),
                       apiStages=[{"apiId": staged_api["id"], "stage": "prod"}])
    prefix = unique("imp")
    first, second = "ImpA" + uuid.uuid4().hex, "ImpB" + uuid.uuid4().hex
    csv = (
        "Name,Key,Description,Enabled,UsagePlanIds\n"
        f"{prefix}-1,{first},first key,TRUE,\"{plan['id']}\"\n"
        f"{prefix}-2,{second},\"second, quoted\",false,\n"
        f"{prefix}-3,short,bad,true,\n"
    ).encode()
    result = apigw.import_api_keys(body=csv, format="csv")
    for key_id in result["ids"]:
        cleanup.append(("key", key_id))
    assert len(result["ids"]) == 2
    assert len(result["warnings"]) == 1 and "Line 4" in result["warnings"][0]
    keys = {k["name"]: k for k in apigw.get_api_keys(nameQuery=prefix, includeValues=True)["items"]}
    assert keys[f"{prefix}-1"]["value"] == first and keys[f"{prefix}-1"]["enabled"] is True
    assert keys[f"{prefix}-2"]["description"] == "second, quoted"
    assert keys[f"{prefix}-2"]["enabled"] is False
    members = apigw.get_usage_plan_keys(usagePlanId=plan["id"])["items"]
    assert [m["id"] for m in members] == [keys[f"{prefix}-1"]["id"]]


def test_import_api_keys_fails_on_warnings_when_asked(apigw, cleanup):
    prefix = unique("strict")
    csv = f"key,name\n{'S' + uuid.uuid4().hex},{prefix}\nshort,{prefix}-bad\n".encode()
    with pytest.raises(apigw.exceptions.BadRequestException):
        apigw.import_api_keys(body=csv, format="csv", failOnWarnings=True)
    assert apigw.get_api_keys(nameQuery=prefix)["items"] == []
    with pytest.raises(apigw.exceptions.BadRequestException):
        apigw.import_api_keys(body=b"name\nno-key-column\n", format="csv")


# --- Usage plans ------------------------------------------------------------------------


def test_usage_plan_create_get_list_delete(apigw, staged_api, cleanup):
    api_id = staged_api["id"]
    plan = create_plan(
        apigw, cleanup, name=unique("gold"), description="best",
        apiStages=[{"apiId": api_id, "stage": "prod",
                    "throttle": {"//GET": {"burstLimit": 10, "rateLimit": 5.0}}}],
        throttle={"burstLimit": 100, "rateLimit": 50.0},
        quota={"limit": 1000, "offset": 10, "period": "MONTH"},
        tags={"tier": "gold"},
    )
    assert len(plan["id"]) == 6
    assert plan["apiStages"] == [{"apiId": api_id, "stage": "prod",
                                  "throttle": {"//GET": {"burstLimit": 10, "rateLimit": 5.0}}}]
    assert plan["throttle"] == {"burstLimit": 100, "rateLimit": 50.0}
    assert plan["quota"] == {"limit": 1000, "offset": 10, "period": "MONTH"}
    fetched = apigw.get_usage_plan(usagePlanId=plan["id"])
    assert without_metadata(fetched) == without_metadata(plan)
    listed = [p["id"] for page in apigw.get_paginator("get_usage_plans").paginate(PaginationConfig={"PageSize": 1})
              for p in page["items"]]
    assert plan["id"] in listed
    with pytest.raises(apigw.exceptions.BadRequestException) as bound:
        apigw.delete_usage_plan(usagePlanId=plan["id"])
    assert error_of(bound)["Message"] == (
        f"Cannot delete Usage Plan {plan['id']} because there are API Stages associated with it, "
        f"including {api_id}:prod")
    delete_plan(apigw, plan["id"])
    with pytest.raises(apigw.exceptions.NotFoundException) as missing:
        apigw.get_usage_plan(usagePlanId=plan["id"])
    assert error_of(missing)["Message"] == "Invalid Usage Plan ID specified"


def test_usage_plan_with_unknown_stage_or_api_is_rejected(apigw, staged_api):
    with pytest.raises(apigw.exceptions.BadRequestException) as stage:
        apigw.create_usage_plan(name=unique("bad"), apiStages=[{"apiId": staged_api["id"], "stage": "nope"}])
    assert error_of(stage)["Message"].startswith(
        f"Invalid API Stage {{api: {staged_api['id']}, stage: nope}} specified for usageplan ")
    with pytest.raises(apigw.exceptions.NotFoundException) as api:
        apigw.create_usage_plan(name=unique("bad"), apiStages=[{"apiId": "missingapi", "stage": "prod"}])
    assert error_of(api)["Message"] == "Invalid API identifier specified 000000000000:missingapi"


def test_usage_plan_validation(apigw):
    with pytest.raises(apigw.exceptions.BadRequestException):
        apigw.create_usage_plan(name=unique("q"), quota={"limit": 10, "offset": 10, "period": "DAY"})
    with pytest.raises(apigw.exceptions.BadRequestException):
        apigw.create_usage_plan(name=unique("q"), quota={"limit": 10})
    with pytest.raises(apigw.exceptions.BadRequestException) as period:
        apigw.create_usage_plan(name=unique("q"), quota={"limit": 10, "period": "YEAR"})
    assert "[DAY, WEEK, MONTH]" in error_of(period)["Message"]


def test_update_usage_plan_patch_paths(apigw, staged_api, cleanup):
    api_id = staged_api["id"]
    plan = create_plan(apigw, cleanup, name=unique("patch"), apiStages=[{"apiId": api_id, "stage": "prod"}])
    plan_id = plan["id"]
    updated = apigw.update_usage_plan(usagePlanId=plan_id, patchOperations=[
        {"op": "replace", "path": "/name", "value": "renamed"},
        {"op": "replace", "path": "/description", "value": "about"},
        {"op": "add", "path": "/apiStages", "value": f"{api_id}:dev"},
        {"op": "replace", "path": f"/apiStages/{api_id}:prod/throttle/~1/GET/rateLimit", "value": "7"},
        {"op": "replace", "path": f"/apiStages/{api_id}:prod/throttle/~1/GET/burstLimit", "value": "9"},
        {"op": "replace", "path": f"/apiStages/{api_id}:dev/throttle",
         "value": '{"/pets/POST": {"rateLimit": 1, "burstLimit": 2}}'},
        {"op": "replace", "path": "/throttle/rateLimit", "value": "20"},
        {"op": "replace", "path": "/throttle/burstLimit", "value": "40"},
        {"op": "add", "path": "/quota/limit", "value": "500"},
        {"op": "add", "path": "/quota/period", "value": "WEEK"},
        {"op": "add", "path": "/quota/offset", "value": "5"},
    ])
    assert updated["name"] == "renamed" and updated["description"] == "about"
    stages = {(s["apiId"], s["stage"]): s.get("throttle") for s in updated["apiStages"]}
    assert stages == {
        (api_id, "prod"): {"//GET": {"burstLimit": 9, "rateLimit": 7.0}},
        (api_id, "dev"): {"/pets/POST": {"burstLimit": 2, "rateLimit": 1.0}},
    }
    assert updated["throttle"] == {"burstLimit": 40, "rateLimit": 20.0}
    assert updated["quota"] == {"limit": 500, "offset": 5, "period": "WEEK"}
    assert apigw.get_usage_plan(usagePlanId=plan_id)["quota"] == updated["quota"]

    removed = apigw.update_usage_plan(usagePlanId=plan_id, patchOperations=[
        {"op": "remove", "path": f"/apiStages/{api_id}:prod/throttle/~1/GET"},
        {"op": "remove", "path": "/apiStages", "value": f"{api_id}:dev"},
        {"op": "remove", "path": "/throttle"},
        {"op": "remove", "path": "/quota"},
    ])
    assert removed["apiStages"] == [{"apiId": api_id, "stage": "prod"}]
    assert "throttle" not in removed and "quota" not in removed

    with pytest.raises(apigw.exceptions.BadRequestException) as stage:
        apigw.update_usage_plan(usagePlanId=plan_id, patchOperations=[
            {"op": "add", "path": "/apiStages", "value": f"{api_id}:nope"}])
    assert "Invalid API Stage" in error_of(stage)["Message"]
    with pytest.raises(apigw.exceptions.BadRequestException):
        apigw.update_usage_plan(usagePlanId=plan_id, patchOperations=[
            {"op": "replace", "path": "/id", "value": "x"}])
    with pytest.raises(apigw.exceptions.BadRequestException):
        apigw.update_usage_plan(usagePlanId=plan_id, patchOperations=[
            {"op": "add", "path": "/quota/limit", "value": "10"}])
    with pytest.raises(apigw.exceptions.NotFoundException):
        apigw.update_usage_plan(usagePlanId="nope00", patchOperations=[
            {"op": "replace", "path": "/name", "value": "x"}])


# --- Usage plan keys --------------------------------------------------------------------


def test_usage_plan_keys_create_list_get_delete(apigw, staged_api, cleanup):
    plan = create_plan(apigw, cleanup, name=unique("keys"), apiStages=[{"apiId": staged_api["id"], "stage": "prod"}])
    prefix = unique("member")
    first = create_key(apigw, cleanup, name=prefix + "-a")
    second = create_key(apigw, cleanup, name=prefix + "-b")
    created = apigw.create_usage_plan_key(usagePlanId=plan["id"], keyId=first["id"], keyType="API_KEY")
    assert {k: created[k] for k in ("id", "type", "value", "name")} == {
        "id": first["id"], "type": "API_KEY", "value": first["value"], "name": first["name"]}
    apigw.create_usage_plan_key(usagePlanId=plan["id"], keyId=second["id"], keyType="API_KEY")

    listed = apigw.get_usage_plan_keys(usagePlanId=plan["id"])["items"]
    assert sorted(k["id"] for k in listed) == sorted([first["id"], second["id"]])
    named = apigw.get_usage_plan_keys(usagePlanId=plan["id"], nameQuery=prefix + "-b")["items"]
    assert [k["id"] for k in named] == [second["id"]]
    pages = apigw.get_paginator("get_usage_plan_keys").paginate(usagePlanId=plan["id"],
                                                               PaginationConfig={"PageSize": 1})
    assert sum(len(page["items"]) for page in pages) == 2
    fetched = apigw.get_usage_plan_key(usagePlanId=plan["id"], keyId=first["id"])
    assert fetched["id"] == first["id"] and fetched["type"] == "API_KEY"
    assert [p["id"] for p in apigw.get_usage_plans(keyId=first["id"])["items"]] == [plan["id"]]

    apigw.delete_usage_plan_key(usagePlanId=plan["id"], keyId=first["id"])
    with pytest.raises(apigw.exceptions.NotFoundException) as missing:
        apigw.get_usage_plan_key(usagePlanId=plan["id"], keyId=first["id"])
    assert error_of(missing)["Message"] == "Invalid Usage Plan Key identifier specified"
    assert apigw.get_usage_plans(keyId=first["id"])["items"] == []

    # Deleting a key takes it out of its plans.
    apigw.delete_api_key(apiKey=second["id"])
    assert apigw.get_usage_plan_keys(usagePlanId=plan["id"])["items"] == []


def test_usage_plan_key_rules(apigw, staged_api, cleanup):
    api_id = staged_api["id"]
    prod = create_plan(apigw, cleanup, name=unique("prod"), apiStages=[{"apiId": api_id, "stage": "prod"}])
    also_prod = create_plan(apigw, cleanup, name=unique("prod2"),
                            apiStages=[{"apiId": api_id, "stage": "dev"}, {"apiId": api_id, "stage": "prod"}])
    dev = create_plan(apigw, cleanup, name=unique("dev"), apiStages=[{"apiId": api_id, "stage": "dev"}])
    key = create_key(apigw, cleanup, name=unique("rules"))

    with pytest.raises(apigw.exceptions.BadRequestException):
        apigw.create_usage_plan_key(usagePlanId=prod["id"], keyId=key["id"], keyType="OTHER")
    with pytest.raises(apigw.exceptions.NotFoundException) as unknown_key:
        apigw.create_usage_plan_key(usagePlanId=prod["id"], keyId="missingkey", keyType="API_KEY")
    assert error_of(unknown_key)["Message"] == "Invalid API Key identifier specified"
    with pytest.raises(apigw.exceptions.NotFoundException) as unknown_plan:
        apigw.create_usage_plan_key(usagePlanId="nope00", keyId=key["id"], keyType="API_KEY")
    assert error_of(unknown_plan)["Message"] == "Invalid Usage Plan ID specified"

    apigw.create_usage_plan_key(usagePlanId=prod["id"], keyId=key["id"], keyType="API_KEY")
    with pytest.raises(apigw.exceptions.ConflictException):
        apigw.create_usage_plan_key(usagePlanId=prod["id"], keyId=key["id"], keyType="API_KEY")
    with pytest.raises(apigw.exceptions.ConflictException) as shared:
        apigw.create_usage_plan_key(usagePlanId=also_prod["id"], keyId=key["id"], keyType="API_KEY")
    assert error_of(shared)["Message"] == (
        f"Usage Plan {also_prod['id']} cannot be added because API Key {key['id']} cannot reference "
        f"multiple Usage Plans with the same API Stage: {api_id}:prod")
    # A plan on another stage is fine, but that plan cannot then take on the first plan's stage.
    apigw.create_usage_plan_key(usagePlanId=dev["id"], keyId=key["id"], keyType="API_KEY")
    with pytest.raises(apigw.exceptions.ConflictException):
        apigw.update_usage_plan(usagePlanId=dev["id"], patchOperations=[
            {"op": "add", "path": "/apiStages", "value": f"{api_id}:prod"}])
    assert sorted(p["id"] for p in apigw.get_usage_plans(keyId=key["id"])["items"]) == sorted([prod["id"], dev["id"]])

    # Deleting a plan releases its keys.
    delete_plan(apigw, prod["id"])
    assert [p["id"] for p in apigw.get_usage_plans(keyId=key["id"])["items"]] == [dev["id"]]
    with pytest.raises(apigw.exceptions.NotFoundException):
        apigw.get_usage_plan_keys(usagePlanId=prod["id"])


def race(calls):
    """Runs the calls at the same time; returns how many succeeded and the error codes of the rest."""
    def attempt(call):
        try:
            call()
            return None
        except botocore.exceptions.ClientError as error:
            return error.response["Error"]["Code"]
    with ThreadPoolExecutor(len(calls)) as pool:
        outcomes = list(pool.map(attempt, calls))
    return outcomes.count(None), [code for code in outcomes if code is not None]


def test_concurrent_joins_of_plans_sharing_a_stage_admit_one(apigw, staged_api, cleanup):
    api_id = staged_api["id"]
    for round_ in range(3):
        plans = [create_plan(apigw, cleanup, name=unique(f"race{round_}"),
                             apiStages=[{"apiId": api_id, "stage": "prod"}]) for _ in range(4)]
        key = create_key(apigw, cleanup, name=unique("racer"))
        succeeded, errors = race([
            lambda plan=plan: apigw.create_usage_plan_key(usagePlanId=plan["id"], keyId=key["id"], keyType="API_KEY")
            for plan in plans
        ])
        assert succeeded == 1 and errors == ["ConflictException"] * 3
        assert len(apigw.get_usage_plans(keyId=key["id"])["items"]) == 1


def test_concurrent_creates_of_one_value_admit_one(apigw, cleanup):
    value = "Race" + uuid.uuid4().hex
    prefix = unique("samevalue")
    succeeded, errors = race([lambda: apigw.create_api_key(name=prefix, value=value) for _ in range(4)])
    for key in apigw.get_api_keys(nameQuery=prefix)["items"]:
        cleanup.append(("key", key["id"]))
    assert succeeded == 1 and errors == ["ConflictException"] * 3


# --- Account ----------------------------------------------------------------------------


def test_account_defaults_and_updates(apigw):
    account = apigw.get_account()
    assert account["apiKeyVersion"] == "4"
    assert "UsagePlans" in account["features"]
    try:
        updated = apigw.update_account(patchOperations=[
            {"op": "replace", "path": "/cloudwatchRoleArn", "value": "arn:aws:iam::000000000000:role/logs"},
            {"op": "add", "path": "/features", "value": "UsagePlans"},
            {"op": "replace", "path": "/throttleSettings/rateLimit", "value": "20000"},
            {"op": "replace", "path": "/throttleSettings/burstLimit", "value": "9000"},
        ])
        assert updated["cloudwatchRoleArn"] == "arn:aws:iam::000000000000:role/logs"
        assert updated["throttleSettings"] == {"burstLimit": 9000, "rateLimit": 20000.0}
        assert updated["features"] == ["UsagePlans"]
        assert apigw.get_account()["throttleSettings"] == updated["throttleSettings"]
        with pytest.raises(apigw.exceptions.BadRequestException):
            apigw.update_account(patchOperations=[
                {"op": "replace", "path": "/throttleSettings/rateLimit", "value": "0"}])
        with pytest.raises(apigw.exceptions.BadRequestException):
            apigw.update_account(patchOperations=[
                {"op": "replace", "path": "/throttleSettings/burstLimit", "value": "-1"}])
        with pytest.raises(apigw.exceptions.BadRequestException):
            apigw.update_account(patchOperations=[{"op": "replace", "path": "/apiKeyVersion", "value": "5"}])
    finally:
        apigw.update_account(patchOperations=[
            {"op": "replace", "path": "/cloudwatchRoleArn", "value": ""},
            {"op": "replace", "path": "/throttleSettings/rateLimit", "value": "10000"},
            {"op": "replace", "path": "/throttleSettings/burstLimit", "value": "5000"},
        ])
    assert apigw.get_account()["throttleSettings"] == {"burstLimit": 5000, "rateLimit": 10000.0}


def test_api_keys_and_usage_plans_are_taggable(apigw, staged_api, cleanup):
    key = create_key(apigw, cleanup, name=unique("tagged"), tags={"team": "a"})
    plan = create_plan(apigw, cleanup, name=unique("tagged"),
                       apiStages=[{"apiId": staged_api["id"], "stage": "prod"}])
    for arn in (f"arn:aws:apigateway:us-east-1::/apikeys/{key['id']}",
                f"arn:aws:apigateway:us-east-1::/usageplans/{plan['id']}"):
        apigw.tag_resource(resourceArn=arn, tags={"env": "test"})
        assert apigw.get_tags(resourceArn=arn)["tags"].get("env") == "test"
        apigw.untag_resource(resourceArn=arn, tagKeys=["env"])
        assert "env" not in apigw.get_tags(resourceArn=arn)["tags"]
    assert apigw.get_api_key(apiKey=key["id"])["tags"] == {"team": "a"}
    with pytest.raises(apigw.exceptions.NotFoundException):
        apigw.get_tags(resourceArn="arn:aws:apigateway:us-east-1::/apikeys/nosuchkey0")
