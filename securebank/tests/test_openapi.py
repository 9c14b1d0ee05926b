"""/api/schema/ and /api/docs/ render; the schema declares JWT bearer auth and documents every
endpoint with its request, its response and its errors in the one error shape."""

from __future__ import annotations

import pytest
import yaml

pytestmark = pytest.mark.django_db

PUBLIC = {("post", "/api/auth/login"), ("post", "/api/auth/register"), ("post", "/api/auth/refresh"),
          ("get", "/api/health"), ("get", "/api/health/live"), ("get", "/api/health/ready")}


@pytest.fixture(scope="module")
def schema(django_db_blocker) -> dict:
    from drf_spectacular.generators import SchemaGenerator

    with django_db_blocker.unblock():
        return SchemaGenerator().get_schema(request=None, public=True)


def operations(schema: dict):
    for path, item in schema["paths"].items():
        for method, op in item.items():
            if method in {"get", "post", "put", "patch", "delete"}:
                yield method, path, op


def test_schema_endpoint_renders_yaml_and_json(client):
    resp = client.get("/api/schema/")
    assert resp.status_code == 200
    body = yaml.safe_load(resp.content)
    assert body["openapi"].startswith("3.") and body["info"]["title"] == "SecureBank API"
    as_json = client.get("/api/schema/", {"format": "json"})
    assert as_json.status_code == 200 and as_json.json()["paths"]


def test_docs_render_swagger_ui(client):
    resp = client.get("/api/docs/")
    assert resp.status_code == 200
    assert resp["Content-Type"].startswith("text/html")
    html = resp.content.decode()
    assert "swagger-ui" in html.lower() and "/api/schema/" in html




def test_generation_has_no_warnings_or_errors():
    from drf_spectacular.drainage import GENERATOR_STATS
    from drf_spectacular.generators import SchemaGenerator

    GENERATOR_STATS.reset()
    SchemaGenerator().get_schema(request=None, public=True)
    assert not GENERATOR_STATS, (list(GENERATOR_STATS._warn_cache), list(GENERATOR_STATS._error_cache))


def test_jwt_bearer_declared(schema):
    assert schema["components"]["securitySchemes"]["jwtAuth"] == {"type": "http", "scheme": "bearer",
                                                                  "bearerFormat": "JWT"}


def test_foundation_endpoints_present(schema):
    expected = {("post", "/api/auth/register"), ("post", "/api/auth/login"), ("post", "/api/auth/refresh"),
                ("post", "/api/auth/logout"), ("get", "/api/auth/profile"), ("patch", "/api/auth/profile"),
                ("get", "/api/health")}
    assert expected <= {(m, p) for m, p, _ in operations(schema)}


def test_public_endpoints_need_no_token_and_the_rest_do(schema):
    for method, path, op in operations(schema):
        security = op.get("security", [])
        assert len(security) == len({str(s) for s in security}), (method, path, security)  # no repeats
        if (method, path) in PUBLIC:
            # No token needed: none declared, or anonymous ({}) allowed beside an optional one
            # (a staff token shows health's checks).
            assert not any(s for s in security) or {} in security, (method, path, security)
        elif not path.startswith("/api/schema") and security:
            assert {"jwtAuth": []} in security, (method, path, security)


def test_every_operation_documents_success_and_errors(schema):
    for method, path, op in operations(schema):
        codes = set(op["responses"])
        assert any(c.startswith("2") for c in codes), (method, path, codes)
        assert any(c.startswith(("4", "5")) for c in codes), (method, path, codes)
        if (method, path) not in PUBLIC and not path.startswith("/api/schema"):
            assert "401" in codes, (method, path, codes)
        if method in {"post", "put", "patch"} and not path.endswith(("/accept", "/decline", "/cancel", "/verify")):
            assert "requestBody" in op, (method, path)


def test_errors_use_the_one_error_shape(schema):
    error = schema["components"]["schemas"]["Error"]
    assert error["properties"]["error"]["$ref"] == "#/components/schemas/ErrorDetail"
    detail = schema["components"]["schemas"]["ErrorDetail"]
    assert set(detail["properties"]) == {"code", "message", "fields"}
    for method, path, op in operations(schema):
        for code, response in op["responses"].items():
            if not code.startswith("4"):
                continue
            content = response.get("content", {}).get("application/json")
            assert content, (method, path, code)
            assert content["schema"] == {"$ref": "#/components/schemas/Error"}, (method, path, code)


def test_error_examples_match_the_behaviour(schema):
    def example(path, method, status):
        examples = schema["paths"][path][method]["responses"][status]["content"]["application/json"]["examples"]
        return next(iter(examples.values()))["value"]["error"]["code"]

    assert example("/api/auth/login", "post", "401") == "invalid_credentials"
    assert example("/api/auth/refresh", "post", "401") == "authentication_failed"
    assert example("/api/auth/logout", "post", "400") == "invalid_token"
    assert example("/api/auth/register", "post", "429") == "throttled"


def test_health_503_documents_the_report_and_the_error(schema):
    response = schema["paths"]["/api/health"]["get"]["responses"]["503"]
    ref = response["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[-1]
    assert {"status", "checks", "error"} <= set(schema["components"]["schemas"][ref]["properties"])


def test_the_description_is_the_markdown_file_and_points_to_the_one_event_reference(schema):
    from django.conf import settings

    text = (settings.BASE_DIR / "securebank" / "openapi_description.md").read_text(encoding="utf-8").strip()
    assert schema["info"]["description"] == text
    assert "docs/payments.md" in text and "Idempotency-Key" in text
