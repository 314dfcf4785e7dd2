"""The API client fixture of tests/api, for the policy endpoint."""

from tests.api.conftest import api  # noqa: F401
