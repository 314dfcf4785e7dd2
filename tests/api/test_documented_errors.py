"""What schemathesis found (tests/api/test_schemathesis.py): the API answers only as its schema
says — every error it can give is documented, a wrong URL under /api/v1/ answers in JSON, and a
page size that is no positive number is refused rather than ignored."""

from __future__ import annotations

import json

import pytest
from django.test import Client

LIST = "/api/v1/households/"


@pytest.fixture
def schema(world) -> dict:
    client = Client()
    client.force_login(world.analyst)  # the schema is for signed-in users
    return json.loads(client.get("/api/v1/schema", {"format": "json"}).content)


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


# On PostgreSQL, which cannot compare text with a NUL in it, each of these was a server error.


@pytest.mark.parametrize(
    ("path", "params"),
    [
        ("/api/v1/households/", {"q": "张\x00"}),
        ("/api/v1/households/", {"area": "14\x00"}),
        ("/api/v1/areas/", {"parent": "14\x00"}),
        ("/api/v1/areas/14%00/", {}),
        ("/api/v1/cases/", {"step_code": "x\x00"}),
    ],
)
def test_a_nul_character_in_a_url_or_its_query_is_refused_with_400(world, path, params):
    client = Client()
    client.force_login(world.cadre)
    response = client.get(path, params)
    assert response.status_code == 400
    assert "空字符" in response.json()["detail"]


def test_a_page_with_a_nul_character_in_its_query_is_refused_with_400(world):
    client = Client()
    client.force_login(world.cadre)
    response = client.get("/households/", {"q": "张\x00"})
    assert response.status_code == 400
    assert "空字符" in response.content.decode()


@pytest.mark.parametrize("fmt", ["json", "multipart"])
def test_an_area_code_that_is_not_digits_reads_as_absent(world, fmt):
    from rest_framework.test import APIClient

    client = APIClient()
    client.force_authenticate(world.cadre)
    response = client.post(LIST, {"village": "14\x00", "number": "140922100009001"}, format=fmt)
    assert response.status_code == 400
    assert "不存在或不在您的管辖范围内" in response.json()["village"][0]
