"""The schema's OpenAPI links (securebank/openapi_links.py): the flows are there, and every link
names an operation, parameters and body fields that exist and reads values from where the
source response (or request) really has them — so renaming an operation, a path parameter or a
response field fails here instead of silently cutting a chain."""

from __future__ import annotations

import copy

import pytest

from securebank import openapi_links

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def schema(django_db_blocker) -> dict:
    from drf_spectacular.generators import SchemaGenerator

    with django_db_blocker.unblock():
        return SchemaGenerator().get_schema(request=None, public=True)


def _operations(schema: dict) -> dict[str, dict]:
    return {
        op["operationId"]: op
        for item in schema["paths"].values() for op in item.values()
        if isinstance(op, dict) and "operationId" in op
    }


def _resolve(schema: dict, node: dict) -> dict:
    while "$ref" in node:
        node = schema["components"]["schemas"][node["$ref"].rsplit("/", 1)[1]]
    if "allOf" in node and "properties" not in node:
        merged: dict = {"properties": {}}
        for part in node["allOf"]:
            merged["properties"].update(_resolve(schema, part).get("properties", {}))
        return merged
    return node


def _has_pointer(schema: dict, node: dict, pointer: str) -> bool:
    for token in [t for t in pointer.split("/") if t]:
        node = _resolve(schema, node)
        if token.isdigit() and node.get("type") == "array":
            node = node["items"]
        elif token in node.get("properties", {}):
            node = node["properties"][token]
        else:
            return False
    return True


def _body_schema(operation: dict) -> dict:
    return operation.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema", {})


def link_problems(schema: dict) -> list[str]:
    """Every way a declared link could be broken."""
    operations = _operations(schema)
    problems = []
    for source_id, by_status in openapi_links.LINKS.items():
        source = operations.get(source_id)
        if source is None:
            problems.append(f"{source_id}: no such source operation")
            continue
        for status, links in by_status.items():
            response = source["responses"].get(status)
            if response is None:
                problems.append(f"{source_id} {status}: no such response")
                continue
            if response.get("links", {}).keys() != links.keys():
                problems.append(f"{source_id} {status}: the schema does not carry the links")
            response_schema = response.get("content", {}).get("application/json", {}).get("schema", {})
            for name, link in links.items():
                where = f"{source_id} {status} {name}"
                target = operations.get(link["operationId"])
                if target is None:
                    problems.append(f"{where}: no operation {link['operationId']}")
                    continue
                declared = {(p["in"], p["name"]) for p in target.get("parameters", [])}
                target_body = _resolve(schema, _body_schema(target))
                expressions = list(link.get("parameters", {}).values())
                for parameter in link.get("parameters", {}):
                    location, name_ = parameter.split(".", 1)
                    if (location, name_) not in declared:
                        problems.append(f"{where}: {link['operationId']} has no {location} parameter {name_}")
                for field, value in (link.get("requestBody") or {}).items():
                    if field not in target_body.get("properties", {}):
                        problems.append(f"{where}: {link['operationId']}'s body has no field {field}")
                    if isinstance(value, str) and value.startswith("$"):
                        expressions.append(value)
                for expression in expressions:
                    if expression.startswith("$response.body#"):
                        if not _has_pointer(schema, response_schema, expression.split("#", 1)[1]):
                            problems.append(f"{where}: the {status} response has no {expression}")
                    elif expression.startswith("$request.body#"):
                        if not _has_pointer(schema, _body_schema(source), expression.split("#", 1)[1]):
                            problems.append(f"{where}: {source_id}'s body has no {expression}")
                    else:
                        problems.append(f"{where}: unexpected expression {expression}")
    return problems


def test_every_link_names_what_exists(schema):
    assert link_problems(schema) == []


@pytest.mark.parametrize(("source", "status", "target"), [
    ("auth_register_create", "201", "auth_login_create"),
    ("auth_register_create", "201", "payments_send_create"),
    ("payments_send_create", "201", "transactions_retrieve"),
    ("transactions_transfer_create", "201", "transactions_retrieve"),
    ("transactions_retrieve", "200", "transactions_proof_retrieve"),
    ("payments_request_create", "201", "payments_requests_accept_create"),
    ("payments_request_create", "201", "payments_requests_decline_create"),
    ("payments_request_create", "201", "payments_requests_cancel_create"),
    ("blockchain_generate_qr_create", "201", "blockchain_verify_qr_create"),
    ("blockchain_verify_qr_create", "201", "transactions_retrieve"),
    ("fraud_alerts_list", "200", "fraud_alerts_review_create"),
])
def test_the_flows_are_linked(schema, source, status, target):
    links = _operations(schema)[source]["responses"][status]["links"]
    assert target in {link["operationId"] for link in links.values()}


def test_a_renamed_operation_or_field_is_caught(schema, monkeypatch):
    links = copy.deepcopy(openapi_links.LINKS)
    links["transactions_retrieve"]["200"]["GetProof"]["operationId"] = "transactions_proof"
    links["payments_request_create"]["201"]["Cancel"]["parameters"] = {"path.id": "$response.body#/request/id"}
    links["blockchain_generate_qr_create"]["201"]["VerifyQR"]["requestBody"] = {"qr_data": "$response.body#/qr"}
    monkeypatch.setattr(openapi_links, "LINKS", links)
    problems = link_problems(schema)
    assert any("no operation transactions_proof" in p for p in problems)
    assert any("has no path parameter id" in p for p in problems)
    assert any("has no $response.body#/qr" in p for p in problems)
