"""Signing in for a token (guarded by django-axes; tokens stored hashed, expiring, revoked on
sign-out and password change, listed and revoked by their owner), and the schema and docs pages
(for signed-in users only)."""

from __future__ import annotations

import json
import re

import pytest
from django.core.management import call_command
from django.test import Client
from drf_spectacular.validation import validate_schema
from rest_framework.test import APIClient

from jingzhun.accounts.models import ApiToken
from tests.conftest import PASSWORD

TOKEN_URL = "/api/v1/auth/token/"
# Any URL of another server: intranets have no internet, so nothing may come from a CDN.
EXTERNAL_URL = re.compile(r"""(?:src|href)\s*=\s*["']?(?:https?:)?//|https?://(?!testserver)""")
# A script, stylesheet or image fetched from another server.
EXTERNAL_ASSET = re.compile(
    r"""<(?:script|link|img)\b[^>]*\b(?:src|href)\s*=\s*["']?(?:https?:)?//""", re.IGNORECASE
)


def test_the_right_password_gets_a_token_that_authenticates(world):
    client = APIClient()
    response = client.post(TOKEN_URL, {"username": "cadre", "password": PASSWORD}, format="json")
    assert response.status_code == 200
    token = response.json()["token"]
    stored = ApiToken.objects.get(user=world.cadre)
    assert stored.key_hash == ApiToken.digest(token) != token  # only the hash is kept
    assert token not in repr(list(ApiToken.objects.values()))
    assert stored.expires_at > stored.created_at

    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert client.get("/api/v1/households/").status_code == 200


def test_a_wrong_password_gets_no_token(world):
    response = APIClient().post(
        TOKEN_URL, {"username": "cadre", "password": "wrong-password"}, format="json"
    )
    assert response.status_code == 400
    assert "non_field_errors" in response.json()
    assert not ApiToken.objects.filter(user=world.cadre).exists()


def test_anonymous_requests_are_refused(world):
    response = APIClient().get("/api/v1/households/")
    assert response.status_code == 401


def test_a_bad_token_is_refused(world):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")
    assert client.get("/api/v1/households/").status_code == 401


def test_a_locked_out_user_gets_no_token_even_with_the_right_password(world, settings):
    client = APIClient()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        response = client.post(TOKEN_URL, {"username": "cadre", "password": "nope"}, format="json")
        assert response.status_code in (400, 429)
    assert response.status_code == 429  # the failure that reached the limit says so

    response = client.post(TOKEN_URL, {"username": "cadre", "password": PASSWORD}, format="json")

    assert response.status_code == 429
    assert "锁定" in response.json()["detail"]
    assert not ApiToken.objects.filter(user=world.cadre).exists()


def test_a_token_sign_in_resets_the_failure_count(world, settings):
    client = APIClient()
    wrong = {"username": "cadre", "password": "nope"}
    right = {"username": "cadre", "password": PASSWORD}
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        client.post(TOKEN_URL, wrong, format="json")
    assert client.post(TOKEN_URL, right, format="json").status_code == 200
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        client.post(TOKEN_URL, wrong, format="json")

    assert client.post(TOKEN_URL, right, format="json").status_code == 200


@pytest.mark.parametrize("path", ["/api/v1/schema", "/api/v1/schema/"])
def test_the_schema_is_valid_openapi_listing_the_endpoints(world, path):
    client = Client()
    client.force_login(world.analyst)
    response = client.get(path, {"format": "json"})

    assert response.status_code == 200
    schema = json.loads(response.content)
    validate_schema(schema)  # raises on an invalid OpenAPI document
    assert schema["openapi"].startswith("3.")
    for endpoint in (
        "/api/v1/households/",
        "/api/v1/households/{household_id}/",
        "/api/v1/households/{household_id}/members/",
        "/api/v1/households/{household_id}/incomes/",
        "/api/v1/households/{household_id}/conditions/",
        "/api/v1/members/{member_id}/",
        "/api/v1/incomes/{income_id}/",
        "/api/v1/areas/",
        "/api/v1/auth/token/",
    ):
        assert endpoint in schema["paths"]


@pytest.mark.parametrize("path", ["/api/v1/schema", "/api/v1/schema/"])
def test_the_schema_is_refused_to_anyone_not_signed_in(db, path):
    assert Client().get(path, {"format": "json"}).status_code in (401, 403)


def test_the_docs_page_sends_anyone_not_signed_in_to_the_login_page(db):
    response = Client().get("/api/v1/docs/")

    assert response.status_code == 302
    assert response["Location"].startswith("/login/?next=/api/v1/docs/")


def test_the_docs_page_loads_every_asset_from_this_server(world):
    client = Client()
    client.force_login(world.analyst)
    response = client.get("/api/v1/docs/")

    assert response.status_code == 200
    html = response.content.decode()
    assert "swagger-ui" in html
    assert "/static/drf_spectacular_sidecar/" in html
    assert not EXTERNAL_URL.search(html), EXTERNAL_URL.search(html)
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>\s*\S", html)  # CSP: script-src 'self'


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/",
        "/api/v1/households/",
        "/api/v1/households/{household}/",
        "/api/v1/households/{household}/members/",
        "/api/v1/households/{household}/incomes/",
        "/api/v1/households/{household}/incomes/2024/",
        "/api/v1/households/{household}/conditions/",
        "/api/v1/members/{member}/",
        "/api/v1/areas/",
    ],
)
def test_the_browsable_api_renders_for_a_signed_in_user_without_external_assets(
    world, household, path
):
    client = Client()
    client.force_login(world.cadre)
    url = path.format(household=household.pk, member=household.members.first().pk)

    response = client.get(url, HTTP_ACCEPT="text/html")

    assert response.status_code == 200
    html = response.content.decode()
    assert "/static/rest_framework/" in html
    # (DRF's navbar links to its home page; that is a link, not something the page loads.)
    assert not EXTERNAL_ASSET.search(html), EXTERNAL_ASSET.search(html)


def test_the_schema_generates_without_warnings(db, tmp_path):
    # Warnings mean a view or field the generator had to guess about: the docs would lie.
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "s.yaml"))


def _token(client: APIClient, password: str = PASSWORD) -> str:
    response = client.post(TOKEN_URL, {"username": "cadre", "password": password}, format="json")
    assert response.status_code == 200, response.content
    return response.json()["token"]


def test_an_expired_token_is_refused(world):
    client = APIClient()
    token = _token(client)
    ApiToken.objects.filter(user=world.cadre).update(expires_at="2000-01-01T00:00:00Z")
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert client.get("/api/v1/households/").status_code == 401


def test_signing_out_revokes_the_users_tokens(world):
    api = APIClient()
    token = _token(api)
    web = Client()
    web.force_login(world.cadre)
    web.post("/logout/")
    api.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert api.get("/api/v1/households/").status_code == 401
    assert ApiToken.objects.get(user=world.cadre).revoked_reason == "退出登录"


def test_changing_the_password_revokes_the_users_tokens(world):
    api = APIClient()
    token = _token(api)
    web = Client()
    web.force_login(world.cadre)
    new = "Another-Horse-77"
    response = web.post(
        "/account/password/",
        {"old_password": PASSWORD, "new_password1": new, "new_password2": new},
    )
    assert response.status_code == 302
    api.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert api.get("/api/v1/households/").status_code == 401
    assert _token(APIClient(), password=new)


def test_a_user_lists_and_revokes_only_their_own_tokens(world):
    mine, theirs = APIClient(), APIClient()
    token = _token(mine)
    other = theirs.post(
        TOKEN_URL, {"username": "reviewer", "password": PASSWORD}, format="json"
    ).json()["token"]
    mine.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    listed = mine.get("/api/v1/auth/tokens/").json()
    assert [t["prefix"] for t in listed] == [token[:8]]
    assert "key_hash" not in listed[0] and token not in json.dumps(listed)
    foreign = ApiToken.objects.get(user=world.reviewer)
    assert mine.delete(f"/api/v1/auth/tokens/{foreign.pk}/").status_code == 404
    theirs.credentials(HTTP_AUTHORIZATION=f"Token {other}")
    assert theirs.get("/api/v1/households/").status_code == 200
    own = ApiToken.objects.get(user=world.cadre)
    assert mine.delete(f"/api/v1/auth/tokens/{own.pk}/").status_code == 204
    assert mine.get("/api/v1/households/").status_code == 401


def test_the_tokens_page_lists_and_revokes(world, client):
    _token(APIClient())
    client.force_login(world.cadre)
    token = ApiToken.objects.get(user=world.cadre)
    page = client.get("/account/tokens/").content.decode()
    assert token.prefix in page and token.key_hash not in page
    client.post(f"/account/tokens/{token.pk}/revoke/")
    token.refresh_from_db()
    assert token.revoked_at is not None
