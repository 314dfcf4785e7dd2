"""schemathesis over the OpenAPI schema: every operation, with generated parameters and bodies
(valid and invalid), as a village cadre (who may write) and as an inspector (read-only).

The schema is fetched the way a client fetches it, signed in with a token from the real token
endpoint; every request carries that token. No operation may answer with a server error, and
every answer must conform to the schema (schemathesis' default checks: status codes, content
types, headers and bodies as documented, invalid data refused, and so on).

The WSGI application runs in this test's thread, on its database connection (kept open between
requests, as django.test.Client keeps it): it sees the world built by the fixtures, and
everything it writes is rolled back with the test. schemathesis is
driven as a library (one hypothesis test per operation), not through its pytest plugin, which
pyproject.toml switches off (it does not work with pytest 9).
"""

from __future__ import annotations

import pytest
import schemathesis
import werkzeug.test
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jingzhun.wsgi import application
from tests.conftest import PASSWORD

TOKEN_URL = "/api/v1/auth/token/"
PERSONAS = ["cadre", "inspector"]  # a village cadre; a county inspector (read-only)
BOUNDED = settings(
    max_examples=15,  # per operation and persona: about a minute for all of them
    deadline=None,
    derandomize=True,  # the same requests every run: a failure here is never a fluke
    database=None,
    suppress_health_check=list(HealthCheck),
)
LONGER = settings(BOUNDED, max_examples=150)
# positive_data_acceptance wants every schema-valid request accepted, but the entry rules
# refuse much that a schema cannot express (a village code that does not exist or lies outside
# the user's area, an ID number's check digit, a read-only role's write): 400 and 403 there are
# the API working. Every other default check runs.
RULES_BEYOND_THE_SCHEMA = [schemathesis.checks.positive_data_acceptance]
# Every operation of the schema as generated here (the test fetches the served one).
OPERATIONS = sorted(
    (method.upper(), path)
    for path, item in SchemaGenerator().get_schema(request=None, public=True)["paths"].items()
    for method in item
)


@pytest.fixture(autouse=True)
def _one_connection():
    """The WSGI application answers on this test's connection, inside its transaction, as
    django.test.Client arranges: Django closes a connection that is inside a transaction when
    a request starts and ends (close_old_connections), which would break every later query on
    PostgreSQL."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


def sign_in(world, persona: str) -> str:
    """A token for ``persona``, from the token endpoint of the WSGI application (as a client
    gets one; not through django.test.Client, which would put back close_old_connections)."""
    user = getattr(world, persona)
    response = werkzeug.test.Client(application).post(
        TOKEN_URL, json={"username": user.username, "password": PASSWORD}
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()["token"]


def exercise(world, persona: str, method: str, path: str, examples: settings) -> None:
    token = {"Authorization": f"Token {sign_in(world, persona)}"}
    schema = schemathesis.openapi.from_wsgi("/api/v1/schema", application, headers=token)
    operation = schema[path][method]

    # Valid requests and invalid ones (wrong types, missing fields, values out of range).
    requests = st.one_of(operation.as_strategy(mode) for mode in schemathesis.GenerationMode)

    @examples
    @given(case=requests)
    def answers_as_documented(case):
        case.call_and_validate(headers=token, excluded_checks=RULES_BEYOND_THE_SCHEMA)

    answers_as_documented()


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize(("method", "path"), OPERATIONS)
def test_every_operation_answers_as_documented_and_never_with_a_server_error(
    world, household, persona, method, path
):
    exercise(world, persona, method, path, BOUNDED)


@pytest.mark.slow
@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize(("method", "path"), OPERATIONS)
def test_many_more_requests_to_every_operation_answer_as_documented(
    world, household, persona, method, path
):
    exercise(world, persona, method, path, LONGER)
