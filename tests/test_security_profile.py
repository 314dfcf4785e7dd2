"""What a level-3 (等保三级) assessor checks: the client address behind a trusted proxy, the
production profile (no demo accounts, check --deploy, a strict Content-Security-Policy, a
private data directory), password rules and expiry, a second factor for approvers and
administrators, and a lockout that nobody can use against the administrator."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import threading
import urllib.request
from pathlib import Path

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.test import APIClient
from waitress.server import create_server

from jingzhun.accounts.models import User
from jingzhun.accounts.passwords import CompositionValidator, NotDemoPasswordValidator
from jingzhun.audit.models import AuditEntry
from jingzhun.core.actions import Actor
from jingzhun.core.checks import demo_password_check
from jingzhun.core.management.commands.serve import proxy_options
from jingzhun.core.middleware import CONTENT_SECURITY_POLICY
from jingzhun.demo.generator import DEMO_PASSWORD
from tests.conftest import PASSWORD

FROZEN = dt.datetime(2026, 6, 1, 10, 0, 5, tzinfo=dt.UTC)
TEMPLATES = Path(__file__).resolve().parent.parent / "jingzhun"


# --- the client's address -----------------------------------------------------------------------


def test_a_forged_forwarded_for_header_is_not_taken_as_the_address(world):
    request = RequestFactory().get(
        "/", REMOTE_ADDR="198.51.100.7", HTTP_X_FORWARDED_FOR="203.0.113.66"
    )
    request.user = world.cadre
    assert Actor.from_request(request).ip == "198.51.100.7"


def _echo(environ, start_response):
    body = json.dumps(
        {
            "addr": environ.get("REMOTE_ADDR"),
            "scheme": environ.get("wsgi.url_scheme"),
            "forwarded": environ.get("HTTP_X_FORWARDED_FOR"),
        }
    ).encode()
    start_response("200 OK", [("Content-Type", "application/json")])
    return [body]


def _through_waitress(options: dict, headers: dict) -> dict:
    server = create_server(_echo, host="127.0.0.1", port=0, **options)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        port = server.effective_port
        request = urllib.request.Request(f"http://127.0.0.1:{port}/", headers=headers)
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 (loopback)
            return json.loads(response.read())
    finally:
        server.close()
        thread.join(timeout=30)


FORWARDED = {"X-Forwarded-For": "203.0.113.9", "X-Forwarded-Proto": "https"}


def test_serve_takes_address_and_scheme_from_the_trusted_proxy_only(settings):
    settings.JINGZHUN_TRUSTED_PROXY = "127.0.0.1"
    seen = _through_waitress(proxy_options(), FORWARDED)
    assert (seen["addr"], seen["scheme"]) == ("203.0.113.9", "https")


def test_without_a_trusted_proxy_forwarded_headers_change_nothing(settings):
    settings.JINGZHUN_TRUSTED_PROXY = ""
    seen = _through_waitress(proxy_options(), FORWARDED)
    assert (seen["addr"], seen["scheme"]) == ("127.0.0.1", "http")


def test_an_untrusted_peer_cannot_forge_the_headers_through_a_trusted_setting(settings):
    settings.JINGZHUN_TRUSTED_PROXY = "192.0.2.1"  # the proxy is elsewhere: we are not it
    seen = _through_waitress(proxy_options(), FORWARDED)
    assert (seen["addr"], seen["scheme"], seen["forwarded"]) == ("127.0.0.1", "http", None)


# --- the production profile ---------------------------------------------------------------------


def test_setup_in_production_creates_no_demo_accounts(db, settings, capsys):
    settings.PRODUCTION = True
    call_command("setup")
    assert not User.objects.exists()
    assert "不生成演示数据" in capsys.readouterr().out


def test_the_demo_command_refuses_in_production(db, settings):
    from django.core.management.base import CommandError

    settings.PRODUCTION = True
    with pytest.raises(CommandError, match="生产配置"):
        call_command("demo", households=10)


def test_check_deploy_fails_while_an_account_has_the_demo_password(world):
    assert demo_password_check() == []
    world.inspector.set_password(DEMO_PASSWORD)
    world.inspector.save()
    errors = demo_password_check()
    assert [e.id for e in errors] == ["jingzhun.E001"]
    assert "inspector" in errors[0].msg


def test_every_page_carries_a_strict_content_security_policy(client, world, household):
    client.force_login(world.cadre)
    for url in ("/", f"/households/{household.pk}/", "/login/", "/api/v1/"):
        response = client.get(url, HTTP_ACCEPT="text/html")
        policy = response.headers["Content-Security-Policy"]
        assert policy == CONTENT_SECURITY_POLICY
    assert "script-src 'self'" in CONTENT_SECURITY_POLICY
    assert "unsafe-inline" not in CONTENT_SECURITY_POLICY.split("style-src-attr")[0]
    assert "unsafe-eval" not in CONTENT_SECURITY_POLICY


INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)[^>]*>", re.I)
HANDLER = re.compile(r"\son[a-z]+\s*=", re.I)


def test_no_template_has_inline_script_handlers_or_style_elements():
    offenders = []
    for path in TEMPLATES.rglob("*.html"):
        text = path.read_text("utf-8")
        if INLINE_SCRIPT.search(text) or HANDLER.search(text) or "<style" in text:
            offenders.append(str(path.relative_to(TEMPLATES)))
    assert offenders == []


def test_the_data_directory_is_private():
    from django.conf import settings

    assert Path(settings.VAR_DIR).stat().st_mode & 0o077 == 0
    mask = os.umask(0o077)
    os.umask(mask)
    assert mask == 0o077


# --- passwords ----------------------------------------------------------------------------------


@pytest.mark.parametrize("password", ["alllowercase123", "ALLUPPERCASE!!", "abcdefghij-"])
def test_a_password_of_fewer_than_three_kinds_is_refused(password):
    with pytest.raises(ValidationError):
        CompositionValidator().validate(password)


def test_a_password_of_three_kinds_is_accepted():
    CompositionValidator().validate("Abcdefgh12")


def test_nobody_may_choose_the_demo_password():
    with pytest.raises(ValidationError):
        NotDemoPasswordValidator().validate(DEMO_PASSWORD)


def test_an_expired_password_must_be_changed_before_anything_else(client, world, settings):
    settings.JINGZHUN_PASSWORD_MAX_DAYS = 90
    User.objects.filter(pk=world.cadre.pk).update(
        password_changed_at=timezone.now() - dt.timedelta(days=91)
    )
    client.post(reverse("login"), {"username": "cadre", "password": PASSWORD})
    response = client.get("/households/")
    assert response.status_code == 302 and response["Location"] == reverse("password_change")
    assert client.get("/api/v1/households/").status_code == 403
    new = "Fresh-Start-2027"
    response = client.post(
        reverse("password_change"),
        {"old_password": PASSWORD, "new_password1": new, "new_password2": new},
    )
    assert response.status_code == 302
    assert client.get("/households/").status_code == 200
    assert AuditEntry.objects.filter(action="change_password", object_id=str(world.cadre.pk))


def test_the_password_page_refuses_a_weak_new_password(client, world):
    client.force_login(world.cadre)
    response = client.post(
        reverse("password_change"),
        {"old_password": PASSWORD, "new_password1": "abcdefghijk", "new_password2": "abcdefghijk"},
    )
    assert response.status_code == 400
    world.cadre.refresh_from_db()
    assert world.cadre.check_password(PASSWORD)


# --- the second factor --------------------------------------------------------------------------


def _code(device: TOTPDevice, drift: int = 0) -> str:
    """The authenticator's code (``drift=1``: the next 30 seconds' code — the device accepts one
    step either side, and never the same code twice)."""
    code = totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=drift)
    return f"{code:06d}"


def test_an_approver_enrols_a_second_factor_and_needs_it_at_every_sign_in(world, settings):
    # The codes follow the clock: it stands still here, so no 30-second boundary is crossed.
    with time_machine.travel(FROZEN, tick=False):
        settings.JINGZHUN_REQUIRE_SECOND_FACTOR = True
        # django-otp delays the next try after a wrong code (2, 4, 8 … seconds): off here, where
        # a wrong code is followed at once by the right one.
        settings.OTP_TOTP_THROTTLE_FACTOR = 0
        client = Client()
        client.post(reverse("login"), {"username": "approver", "password": PASSWORD})
        response = client.get("/households/")
        assert response.status_code == 302 and response["Location"] == reverse("second_factor")
        page = client.get(reverse("second_factor")).content.decode()
        assert "<svg" in page  # the QR code, drawn on the server
        device = TOTPDevice.objects.get(user=world.approver, confirmed=False)
        assert client.post(reverse("second_factor"), {"code": "000000"}).status_code == 200
        client.post(reverse("second_factor"), {"code": _code(device)})
        assert client.get("/households/").status_code == 200
        # The next sign-in asks for the code again.
        again = Client()
        again.post(reverse("login"), {"username": "approver", "password": PASSWORD})
        assert again.get("/households/").status_code == 302
        again.post(reverse("second_factor"), {"code": _code(device)})  # already used: refused
        assert again.get("/households/").status_code == 302
        again.post(reverse("second_factor"), {"code": _code(device, drift=1)})
        assert again.get("/households/").status_code == 200


def test_a_village_cadre_needs_no_second_factor(world, settings):
    settings.JINGZHUN_REQUIRE_SECOND_FACTOR = True
    client = Client()
    client.post(reverse("login"), {"username": "cadre", "password": PASSWORD})
    assert client.get("/households/").status_code == 200


@time_machine.travel("2026-06-01 10:00:05+08:00", tick=False)
def test_an_approvers_api_token_needs_the_code(world, settings):
    settings.JINGZHUN_REQUIRE_SECOND_FACTOR = True
    device = TOTPDevice.objects.create(user=world.approver, name="手机", confirmed=True)
    api = APIClient()
    url = "/api/v1/auth/token/"
    refused = api.post(url, {"username": "approver", "password": PASSWORD}, format="json")
    assert refused.status_code == 400 and "otp" in refused.json()
    granted = api.post(
        url,
        {"username": "approver", "password": PASSWORD, "otp": _code(device)},
        format="json",
    )
    assert granted.status_code == 200


def test_the_second_factor_is_not_required_outside_production(world):
    client = Client()
    client.post(reverse("login"), {"username": "approver", "password": PASSWORD})
    assert client.get("/households/").status_code == 200


# --- lockout -----------------------------------------------------------------------------------


def test_failures_from_one_address_do_not_lock_the_administrator_out_elsewhere(world):
    attacker = Client(REMOTE_ADDR="203.0.113.50")
    for _ in range(10):
        attacker.post(reverse("login"), {"username": "admin", "password": "wrong"})
    locked = attacker.post(reverse("login"), {"username": "admin", "password": PASSWORD})
    assert locked.status_code == 429
    office = Client(REMOTE_ADDR="10.1.2.3")
    response = office.post(reverse("login"), {"username": "admin", "password": PASSWORD})
    assert response.status_code == 302
    entry = AuditEntry.objects.filter(actor=world.admin).order_by("-seq").first()
    assert entry is None or entry.ip in (None, "10.1.2.3")


def test_the_client_address_is_recorded_in_the_audit_trail(world, household):
    client = Client(REMOTE_ADDR="10.9.8.7")
    client.force_login(world.cadre)
    client.get(reverse("household_detail", args=[household.pk]))
    assert AuditEntry.objects.get(action="read_household").ip == "10.9.8.7"
