"""What schemathesis found (tests/api/test_schemathesis.py): the API answers only as its schema
says — every error it can give is documented, a wrong URL under /api/v1/ answers in JSON, and a
page size that is no positive number is refused rather than ignored."""

from __future__ import annotations

import json

import pytest
from django.test import Client

LIST = "/api/v1/households/"


@pytest.fixture
def schema(db) -> dict:
    return json.loads(Client().get("/api/v1/schema", {"format": "json"}).content)


def test_every_error_the_machinery_gives_is_documented(schema):
    paths = schema["paths"]
    detail = paths["/api/v1/households/{household_id}/"]
    assert {"401", "403", "404"} <= set(detail["get"]["responses"])
    assert {"400", "409", "415"} <= set(detail["patch"]["responses"])
    assert "404" in paths[LIST]["get"]["responses"]  # an invalid cursor
    assert "401" not in paths["/api/v1/auth/token/"]["post"]["responses"]
    # The case views' own refusals stay as they were written.
    assert (
        paths["/api/v1/cases/"]["post"]["responses"]["400"] != detail["patch"]["responses"]["400"]
    )


def test_parameters_say_what_the_urls_and_views_accept(schema):
    paths = schema["paths"]
    (household_id,) = paths["/api/v1/households/{household_id}/"]["get"]["parameters"]
    assert household_id["schema"]["minimum"] == 0
    filters = {p["name"]: p for p in paths[LIST]["get"]["parameters"]}
    assert filters["year"]["allowEmptyValue"] is True
    assert filters["page_size"]["schema"]["minimum"] == 1


@pytest.mark.parametrize("path", ["/api/v1/households/-1/", "/api/v1/households/abc/members/"])
def test_a_url_under_the_api_that_matches_no_route_answers_404_in_json(world, path):
    client = Client(enforce_csrf_checks=True)  # a token client's POST has no CSRF token
    client.force_login(world.cadre)
    for method in (client.get, client.post):
        response = method(path)
        assert response.status_code == 404
        assert response.json() == {"detail": "未找到。"}


def test_a_url_without_its_slash_is_still_redirected_first(world):
    response = Client().get("/api/v1/households")
    assert response.status_code == 301 and response["Location"] == LIST


@pytest.mark.parametrize("size", ["abc", "0", "-5", "1.5"])
def test_a_page_size_that_is_no_positive_whole_number_is_refused(world, household, size):
    client = Client()
    client.force_login(world.cadre)
    response = client.get(LIST, {"page_size": size})
    assert response.status_code == 400
    assert "page_size" in response.json()


def test_a_page_size_is_capped_and_an_empty_one_is_the_default(world, household):
    client = Client()
    client.force_login(world.cadre)
    for size in ("", "1", "100000"):
        response = client.get(LIST, {"page_size": size})
        assert response.status_code == 200
        assert len(response.json()["results"]) == 1
