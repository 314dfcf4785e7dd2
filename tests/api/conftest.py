"""API clients for the personas of tests/conftest.py."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from rest_framework.test import APIClient

from jingzhun.accounts.models import User


@pytest.fixture
def api() -> Callable[[User | None], APIClient]:
    """``api(user)``: a client authenticated as ``user`` (anonymous with ``None``)."""

    def make(user: User | None) -> APIClient:
        client = APIClient()
        if user is not None:
            client.force_authenticate(user)
        return client

    return make
