"""The OpenAPI document declares how each operation authenticates and which errors it answers; unknown API
paths answer JSON."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


@pytest.fixture
def document(manager_client) -> dict:
    response = manager_client.get("/api/openapi.json")
    assert response.status_code == 200
    return response.json()


def test_it_declares_the_three_ways_to_send_a_key(document):
    schemes = document["components"]["securitySchemes"]
    assert schemes["apiKeyQuery"] == {**schemes["apiKeyQuery"], "type": "apiKey", "in": "query", "name": "api_key"}
    assert schemes["apiKeyBasic"]["type"] == "http" and schemes["apiKeyBasic"]["scheme"] == "basic"
    assert schemes["segmentWriteKey"]["scheme"] == "basic" and "write key" in schemes["segmentWriteKey"]["description"]


def test_each_operation_says_how_it_authenticates(document):
    paths = document["paths"]
    assert paths["/v1/batch"]["post"]["security"] == [{"segmentWriteKey": []}]
    assert paths["/api/v2/accounts"]["get"]["security"] == [{"apiKeyQuery": []}, {"apiKeyBasic": []}]
    assert paths["/api/v2/imports/{target}"]["post"]["security"] == [{"apiKeyQuery": []}, {"apiKeyBasic": []}]
    assert "keys in the path" in paths["/v1/{auth_key}/{api_key}"]["post"]["description"]


def test_each_operation_lists_its_error_answers(document):
    for path, item in document["paths"].items():
        for method, operation in item.items():
            responses = operation["responses"]
            for status in ("400", "401", "403", "404", "422"):
                assert status in responses, (method, path, status)
                assert responses[status]["content"]["application/json"]["schema"] == {
                    "$ref": "#/components/schemas/Error"
                }
            assert ("413" in responses) == ("requestBody" in operation), (method, path)
    assert "detail" in document["components"]["schemas"]["Error"]["properties"]


@pytest.mark.parametrize("path", ["/api/v2/nope", "/v1/nope", "/v1/a/b/c/d", "/api/", "/webhooks/nope/"])
def test_an_unknown_api_path_answers_json(client, path):
    for method in (client.get, client.post):
        response = method(path)
        assert response.status_code == 404
        assert response["Content-Type"] == "application/json"
        assert response.json() == {"detail": "Not Found"}


def test_an_unknown_page_still_answers_the_html_page(manager_client):
    response = manager_client.get("/nope/")
    assert response.status_code == 404 and response["Content-Type"].startswith("text/html")
