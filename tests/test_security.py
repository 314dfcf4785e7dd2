"""Sign-in hardening: argon2, lockout, session expiry, CSRF, production settings."""

from __future__ import annotations

import os
import subprocess
import sys

from django.conf import settings
from django.test import Client
from django.urls import reverse

from jingzhun.settings import PASSWORD_HASHERS as CONFIGURED_HASHERS
from tests.conftest import PASSWORD


def test_passwords_are_hashed_with_argon2_by_configuration():
    # The test run swaps in a fast hasher; the shipped settings put argon2id first, with OWASP's
    # minimum parameters (jingzhun.accounts.hashers).
    from jingzhun.accounts.hashers import Argon2Hasher

    assert CONFIGURED_HASHERS[0] == "jingzhun.accounts.hashers.Argon2Hasher"
    assert (Argon2Hasher.memory_cost, Argon2Hasher.time_cost) == (19456, 2)


def test_argon2_actually_hashes(world, settings):
    settings.PASSWORD_HASHERS = CONFIGURED_HASHERS
    world.cadre.set_password(PASSWORD)
    assert world.cadre.password.startswith("argon2")
    assert world.cadre.check_password(PASSWORD)


def test_a_user_is_locked_out_after_repeated_failures(world):
    client = Client()
    statuses = [
        client.post(reverse("login"), {"username": "cadre", "password": "wrong"}).status_code
        for _ in range(settings.AXES_FAILURE_LIMIT)
    ]
    # Failures before the limit show the form again; the one reaching the limit locks.
    assert statuses == [200] * (settings.AXES_FAILURE_LIMIT - 1) + [429]
    locked = client.post(reverse("login"), {"username": "cadre", "password": PASSWORD})
    assert locked.status_code == 429
    assert "锁定" in locked.content.decode()
    assert "_auth_user_id" not in client.session
    # Another user of the same office (same address) is not locked out.
    other = client.post(reverse("login"), {"username": "reviewer", "password": PASSWORD})
    assert other.status_code == 302


def test_a_correct_login_signs_in(world):
    client = Client()
    response = client.post(reverse("login"), {"username": "cadre", "password": PASSWORD})
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(world.cadre.pk)


def test_sessions_expire_when_idle_and_at_browser_close():
    assert settings.SESSION_COOKIE_AGE <= 30 * 60
    assert settings.SESSION_EXPIRE_AT_BROWSER_CLOSE


def test_using_a_session_renews_its_idle_expiry_at_most_once_a_minute(world, settings):
    import datetime as dt

    from jingzhun import settings as configured

    assert configured.SESSION_TOUCH_SECONDS == 60
    settings.SESSION_TOUCH_SECONDS = configured.SESSION_TOUCH_SECONDS  # tests set a day

    import time_machine
    from django.contrib.sessions.models import Session

    start = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
    client = Client()
    with time_machine.travel(start, tick=False):
        client.post(reverse("login"), {"username": "cadre", "password": PASSWORD})
        key = client.session.session_key
        first = Session.objects.get(pk=key).expire_date
    with time_machine.travel(start + dt.timedelta(seconds=30), tick=False):
        client.get("/")
        assert Session.objects.get(pk=key).expire_date == first  # not written again
    with time_machine.travel(start + dt.timedelta(minutes=20), tick=False):
        client.get("/")
        renewed = Session.objects.get(pk=key).expire_date
    assert renewed == first + dt.timedelta(minutes=20)
    with time_machine.travel(renewed + dt.timedelta(seconds=1), tick=False):
        assert client.get("/").status_code == 302  # idle too long: signed out


def test_posts_without_a_csrf_token_are_refused(world, household):
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.cadre)
    response = client.post(reverse("household_delete", args=[household.pk]), {"reason": "重复"})
    assert response.status_code == 403
    household.refresh_from_db()
    assert not household.is_deleted


def test_check_deploy_is_clean_in_the_production_profile(tmp_path):
    env = {
        **os.environ,
        "JINGZHUN_PROFILE": "production",
        "DJANGO_SECRET_KEY": "x" * 20 + "-production-key-with-enough-entropy-0123456789abcdef",
        "DJANGO_ALLOWED_HOSTS": "jingzhun.example.gov.cn",
        "JINGZHUN_VAR_DIR": str(tmp_path),
    }
    env.pop("DATABASE_URL", None)
    result = subprocess.run(
        [sys.executable, "-m", "jingzhun.cli", "check", "--deploy", "--fail-level", "WARNING"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_every_log_handler_masks_personal_numbers():
    handlers = settings.LOGGING["handlers"]
    assert handlers
    assert all("mask_personal" in h.get("filters", []) for h in handlers.values())
