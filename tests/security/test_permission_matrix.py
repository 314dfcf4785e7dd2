"""The permission matrix: every route of the URL configuration (pages and API, the API's methods
from its OpenAPI schema) × every persona (each role, a user without a role, nobody signed in) ×
inside and outside the area of the fixture's records, against the table in
tests/security/table.py.

For each request it checks the status the table says; that a refused write changed nothing
(the audit trail and the route's tables, before and after); that a record of another area
answers exactly like a missing one; that no response shows another area's records; that no
response to a role that sees masked numbers holds a full ID, phone or bank number of the
fixture (in their fields or typed into free text); that member-level responses hide health
from roles that may not see it; and that the roles that may see them get them in full.

One test per route (a new route without a table entry fails, naming the route); its failures
are collected and listed together, each naming method, URL, persona and scope. Every request
runs in a savepoint that is rolled back, so an accepted write does not change what the next
persona sees.
"""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from importlib import import_module
from pathlib import Path
from typing import Any

import pytest
import time_machine
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.db import transaction
from django.db.models import Count, Sum
from django.http import HttpResponseBase
from django.shortcuts import resolve_url
from django.test import Client
from django.urls import reverse

from jingzhun.accounts.models import User
from jingzhun.audit.models import AuditEntry
from jingzhun.core.masking import (
    HEALTH_HIDDEN,
    mask_bank_account,
    mask_free_text,
    mask_id_number,
    mask_phone,
)
from tests.conftest import World
from tests.security.data import (
    ANONYMOUS,
    CASE_PHONE,
    HEALTH_LABELS,
    INSIDE,
    MEASURE_PHONE,
    NO_ROLE,
    NOW,
    OUTSIDE,
    PERSONAS,
    REASON_PHONE,
    TYPED_PHONE,
    UPLOAD_PHONE,
    MatrixData,
    foreign_to,
)
from tests.security.routes import Route, api_methods_by_name, api_operations, url_routes
from tests.security.table import RECORD, STATIC_FILES, TABLE, Entry

ROUTES = url_routes()
REFUSALS = frozenset({401, 403, 404, 405})
MISSING_ID = 987_654_321
MISSING_CODE = "999999999999"
TABLE_FILE = "tests/security/table.py"

# What a route's ``shows`` names: (the values in full, the same values masked, whether seeing
# them in full is health rather than numbers).
Evidence = tuple[list[str], list[str], bool]


def _numbers(values: list[str], mask: Callable[[str], str]) -> Evidence:
    return values, [mask(v) for v in values], False


EVIDENCE: dict[str, Callable[[MatrixData], Evidence]] = {
    "id": lambda d: _numbers([d.head.id_number], mask_id_number),
    "phone": lambda d: _numbers([d.household.phone], mask_phone),
    "bank": lambda d: _numbers([d.household.bank_account], mask_bank_account),
    "remark": lambda d: _numbers([TYPED_PHONE], mask_free_text),
    "measure": lambda d: _numbers([MEASURE_PHONE], mask_free_text),
    "reason": lambda d: _numbers([REASON_PHONE], mask_free_text),
    "case": lambda d: _numbers([CASE_PHONE], mask_free_text),
    "upload_id": lambda d: _numbers([d.upload_numbers[0]], mask_id_number),
    "upload_phone": lambda d: _numbers([UPLOAD_PHONE], mask_free_text),
    "failed_id": lambda d: _numbers([d.upload_numbers[3]], mask_id_number),
    "health": lambda d: (list(HEALTH_LABELS), [str(HEALTH_HIDDEN)], True),
    "head_health": lambda d: (["长期慢性病"], [str(HEALTH_HIDDEN)], True),
    "health_signals": lambda d: (["有长期慢性病或大病成员", "有残疾成员"], [], True),
    "upload_health": lambda d: (["患有大病"], [str(HEALTH_HIDDEN)], True),
}


def missing_entry_message(route: Route) -> str:
    return (
        f"The route {route.name!r} (/{route.pattern}) has no entry in the permission table. "
        f"Add one to TABLE in {TABLE_FILE}: how to fill its URL parameters "
        f"{list(route.params)} from the fixture data, which roles may read it and which may "
        "write it (with a minimal body), whether it is public, and what it shows of personal "
        "data. The matrix then checks it for every persona inside and outside its area."
    )


# --- the table covers the URL configuration and the API schema ----------------------------------


def test_every_named_route_of_the_url_configuration_has_an_entry_in_the_table():
    missing = [missing_entry_message(route) for name, route in ROUTES.items() if name not in TABLE]
    assert not missing, "\n".join(missing)


def test_the_table_has_no_entry_for_a_route_that_no_longer_exists():
    stale = sorted(set(TABLE) - set(ROUTES))
    assert not stale, f"{TABLE_FILE} names routes the URL configuration no longer has: {stale}"


def test_every_operation_of_the_api_schema_is_in_the_table_with_its_method():
    problems = []
    for (path, method), name in sorted(api_operations().items()):
        entry = TABLE.get(name)
        if entry is None:
            problems.append(f"{method} {path} ({name}): no entry in {TABLE_FILE}")
        elif method not in methods_of(entry):
            problems.append(
                f"{method} {path} ({name}): the entry does not say which roles may {method} it "
                "(add the method to its ``writes`` or ``public``)"
            )
        elif method == "GET" and entry.read is None and entry.public is None:
            problems.append(f"GET {path} ({name}): the schema has GET, the entry says GET is 405")
    for name, methods in api_methods_by_name().items():
        entry = TABLE.get(name)
        reads = entry is not None and entry.read is not None and entry.public is None
        if reads and "GET" not in methods:
            problems.append(f"{name}: the entry reads it with GET; the schema has no GET")
    assert not problems, "\n".join(problems)


def methods_of(entry: Entry) -> list[str]:
    if entry.public is not None:
        return list(entry.public)
    return ["GET", *entry.writes]


# --- the matrix -----------------------------------------------------------------------------------


@pytest.fixture
def data(world: World, settings: Any, tmp_path: Path) -> Iterator[MatrixData]:
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.UPLOAD_DIR = tmp_path / "uploads"
    settings.EXPORT_DIR = tmp_path / "exports"
    settings.SNAPSHOT_DIR = tmp_path / "snapshot"
    settings.VAR_DIR = tmp_path / "var"
    with time_machine.travel(NOW, tick=False):
        yield MatrixData(world, tmp_path)


@pytest.fixture(scope="module")
def client() -> Client:
    """One client for every request of the module: a new one loads the middleware again, and
    whitenoise's middleware reads the whole static tree each time. Each persona signs in
    afresh on it (its cookies cleared first)."""
    return Client(raise_request_exception=False)


def sign_in(client: Client, user: User | None) -> None:
    """The client as ``user`` (None: nobody): a new session holding what
    ``Client.force_login`` stores — the user's id, backend and session hash — without the
    sign-in signals (last_login, axes' log), which the matrix's 1,700 sign-ins would otherwise
    spend a tenth of its time on."""
    client.cookies.clear()
    if user is None:
        return
    session = import_module(settings.SESSION_ENGINE).SessionStore()
    session[SESSION_KEY] = user._meta.pk.value_to_string(user)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.save()
    client.cookies[settings.SESSION_COOKIE_NAME] = session.session_key


@pytest.mark.parametrize("name", sorted(ROUTES))
def test_the_route_answers_every_persona_inside_and_outside_its_area_as_the_table_says(
    name: str, data: MatrixData, client: Client
) -> None:
    entry = TABLE.get(name)
    if entry is None:
        pytest.fail(missing_entry_message(ROUTES[name]))
    failures = Matrix(ROUTES[name], entry, data).run(client)
    assert not failures, f"{name}: {len(failures)} failed check(s)\n" + "\n".join(failures)


def test_static_files_are_served_to_anyone(world: World) -> None:
    for path in STATIC_FILES:
        for user in (None, world.analyst):
            client = Client()
            if user is not None:
                client.force_login(user)
            response = client.get(path)
            assert response.status_code == 200, (path, user)


def test_a_notice_that_has_ended_is_gone_for_everyone(data: MatrixData) -> None:
    notice = data.ended_notice
    for name in ("notices:public", "notices:pdf"):
        url = reverse(name, kwargs={"token": notice.token})
        for persona in PERSONAS:
            client = Client()
            user = data.personas.user(persona, INSIDE)
            if user is not None:
                client.force_login(user)
            response = client.get(url)
            assert response.status_code == 410, (url, persona)
            assert notice.entries.first().head_name not in response.content.decode()


def test_a_user_without_a_role_is_shown_no_run_of_the_county(data: MatrixData, client: Client):
    quality, evaluation = data.quality_run, data.evaluation_run
    pages = {
        "quality_home": f'id="run-{quality.pk}"',
        "evaluation_list": f'href="?run={evaluation.pk}"',
    }
    for name, run in pages.items():
        for user, shown in ((data.world.approver, True), (data.personas.inside[NO_ROLE], False)):
            sign_in(client, user)
            page = client.get(reverse(name)).content.decode()
            assert (run in page) is shown, (name, user.username)


@dataclass(frozen=True)
class Expect:
    """The statuses a request may answer (None: any that is not a refusal and not an error)
    and whether it is a refusal (then nothing may change)."""

    statuses: frozenset[int] | None
    refused: bool

    def matches(self, status: int) -> bool:
        if self.statuses is None:
            return status < 500 and status not in REFUSALS
        return status in self.statuses

    def __str__(self) -> str:
        if self.statuses is None:
            return "an accepted write (not 401/403/404/405, no error)"
        return " or ".join(str(s) for s in sorted(self.statuses))


@dataclass(frozen=True)
class Outcome:
    status: int
    text: str
    location: str
    error: str


def body_text(response: HttpResponseBase) -> str:
    """What a response shows, as text: HTML, JSON and CSV as they are, an xlsx file's XML
    parts (its cells), nothing of a PDF or Parquet file (compressed)."""
    raw = (
        b"".join(response.streaming_content)  # type: ignore[attr-defined]
        if response.streaming
        else response.content  # type: ignore[attr-defined]
    )
    kind = response.get("Content-Type", "")
    if "spreadsheetml" in kind:
        with zipfile.ZipFile(io.BytesIO(raw)) as book:
            return "\n".join(
                book.read(n).decode("utf-8") for n in book.namelist() if n.endswith(".xml")
            )
    if "pdf" in kind or "parquet" in kind:
        return ""
    return raw.decode("utf-8", "replace")


class Matrix:
    """One route against every persona and scope."""

    def __init__(self, route: Route, entry: Entry, data: MatrixData) -> None:
        self.route, self.entry, self.data = route, entry, data
        self.api = entry.kind == "api" if entry.kind else route.is_api
        params = entry.params(data) if entry.params else {}
        for need in entry.needs:
            built = getattr(data, need)
            if callable(built):
                built()
        self.body = entry.body(data) if entry.body else {}
        self.url = self._url(params)
        self.missing_url = self._url(self._missing(params)) if entry.scope == RECORD else self.url
        self.methods = methods_of(entry)
        self.failures: list[str] = []
        if self.api and entry.public is None:
            for method in sorted(api_methods_by_name().get(route.name, set()) - {"GET"}):
                if method not in entry.writes:
                    self.failures.append(
                        f"{method} of {route.name} is in the API schema but not in the table's "
                        f"entry: add it to its ``writes`` in {TABLE_FILE}"
                    )
        self.secrets = data.secret_numbers()
        self.markers = data.markers()
        self.login_url = resolve_url(settings.LOGIN_URL)

    def _url(self, params: dict[str, Any]) -> str:
        return reverse(self.route.name, kwargs=params or None)

    def _missing(self, params: dict[str, Any]) -> dict[str, Any]:
        """The same parameters naming a record that does not exist (the first names it)."""
        key = self.route.params[0]
        value = params[key]
        return {**params, key: MISSING_ID if isinstance(value, int) else MISSING_CODE}

    def run(self, client: Client) -> list[str]:
        for persona in PERSONAS:
            for scope in (INSIDE, OUTSIDE):
                user = self.data.personas.user(persona, scope)
                sign_in(client, user)
                for method in self.methods:
                    self.check(client, persona, scope, user, method)
        return self.failures

    # --- one request --------------------------------------------------------------------------

    def check(
        self, client: Client, persona: str, scope: str, user: User | None, method: str
    ) -> None:
        hidden = self.hidden(persona, user)
        url = self.missing_url if persona == ANONYMOUS and scope == OUTSIDE else self.url
        who = f"{persona or 'no role'} ({user.username if user else 'anonymous'}, {scope})"
        label = f"{method} {url} as {who}"
        entry = self.entry
        expect = self.expect(persona, scope, method, hidden)
        outcome, changed = self.send(client, method, url)

        if not expect.matches(outcome.status):
            self.fail(f"{label}: answered {outcome.status}, expected {expect}{outcome.error}")
        if method != "GET" and expect.refused and changed:
            self.fail(f"{label}: a refused write changed the database ({changed})")
        if method != "GET" and not expect.refused and entry.changes and not changed:
            self.fail(f"{label}: accepted but nothing changed — is the table's body still valid?")
        to_login = outcome.location.startswith(f"{self.login_url}?next=")
        if persona == ANONYMOUS and entry.public is None and not self.api and not to_login:
            self.fail(f"{label}: should redirect to {self.login_url}, not {outcome.location!r}")
        if hidden and user is not None:
            same, _ = self.send(client, method, self.missing_url)
            if same.status != outcome.status:
                self.fail(
                    f"{label}: answered {outcome.status} for the record of another area but "
                    f"{same.status} for a missing one ({self.missing_url})"
                )
        self.check_content(label, outcome, persona, scope, user, method, hidden)

    def hidden(self, persona: str, user: User | None) -> bool:
        """Whether the route's record is one the user may not see (then: like a missing one)."""
        if self.entry.scope != RECORD or user is None:
            return False
        if persona == NO_ROLE:
            return True
        if self.entry.visible is not None:
            return not self.entry.visible(user, self.data)
        return not self.data.world.village.code.startswith(user.scope_prefix)

    def expect(self, persona: str, scope: str, method: str, hidden: bool) -> Expect:
        entry = self.entry
        if entry.public is not None:
            statuses = entry.public if persona == ANONYMOUS else {**entry.public, **entry.signed_in}
            return Expect(frozenset({statuses[method]}), refused=False)
        if persona == ANONYMOUS:
            return Expect(frozenset({401, 403} if self.api else {302}), refused=True)
        if method == "GET":
            if entry.read is None:
                return Expect(frozenset({405}), refused=True)
            if hidden:
                refusals = {404} | ({entry.read_refused} if persona not in entry.read else set())
                return Expect(frozenset(refusals), refused=True)
            if persona in entry.read:
                return Expect(frozenset({entry.ok}), refused=False)
            refusals = {entry.read_refused} | ({404} if persona == NO_ROLE else set())
            return Expect(frozenset(refusals), refused=True)
        allowed = persona in entry.writes.get(method, frozenset())
        if hidden or (entry.body_scoped and (scope == OUTSIDE or persona == NO_ROLE)):
            refusals = {404, entry.write_refused} | (set() if allowed else {403})
            return Expect(frozenset(refusals), refused=True)
        if allowed:
            return Expect(entry.accepted, refused=False)
        refusals = {entry.write_refused} | ({403, 404} if persona == NO_ROLE else set())
        return Expect(frozenset(refusals), refused=True)

    def send(self, client: Client, method: str, url: str) -> tuple[Outcome, str]:
        """The request in a savepoint rolled back afterwards; what changed in the route's
        tables and the audit trail ("" when nothing did)."""
        watch = method != "GET"
        with transaction.atomic():
            before = self.snapshot() if watch else None
            if method == "GET":
                response = client.get(url)
            elif self.api:
                response = client.generic(
                    method, url, json.dumps(self.body), content_type="application/json"
                )
            else:
                response = client.post(url, self.body)
            text = body_text(response)
            after = self.snapshot() if watch else None
            transaction.set_rollback(True)
        error = ""
        if getattr(response, "exc_info", None):
            error = f" — {response.exc_info[0].__name__}: {response.exc_info[1]}"
        changed = "" if before == after else f"{before} → {after}"
        return Outcome(response.status_code, text, response.get("Location", ""), error), changed

    def snapshot(self) -> dict[str, Any]:
        state: dict[str, Any] = {"audit entries": AuditEntry.objects.count()}
        for model in self.entry.touches:
            fields = {f.name for f in model._meta.concrete_fields}
            totals: dict[str, Any] = {"n": Count("pk")}
            if "version" in fields:
                totals["versions"] = Sum("version")
            state[model.__name__] = tuple(model.objects.aggregate(**totals).values())
        return state

    # --- what the response shows --------------------------------------------------------------

    def check_content(
        self,
        label: str,
        outcome: Outcome,
        persona: str,
        scope: str,
        user: User | None,
        method: str,
        hidden: bool,
    ) -> None:
        entry, text = self.entry, outcome.text
        if entry.binary:
            return
        numbers = bool(user is not None and user.sees_personal_numbers)
        health = bool(user is not None and user.sees_health)
        if not numbers:
            leaked = sorted(n for n in self.secrets if n in text)
            if leaked:
                self.fail(f"{label}: shows full personal numbers to a masked role: {leaked}")
        if entry.member_level and not health:
            shown = [h for h in HEALTH_LABELS if h in text]
            if shown:
                self.fail(f"{label}: shows health ({shown}) to a role that may not see it")
        if user is not None and entry.public is None:
            foreign = [m for m in foreign_to(user, self.markers) if m in text]
            if foreign:
                self.fail(f"{label}: shows records outside the user's area: {foreign}")
        if (
            entry.shows
            and method == entry.shows_on
            and outcome.status == 200
            and scope == INSIDE
            and not hidden
            and persona not in (NO_ROLE, ANONYMOUS)
        ):
            for key in entry.shows:
                full, masked, is_health = EVIDENCE[key](self.data)
                sees = health if is_health else numbers
                wanted = full if sees else masked
                absent = [w for w in wanted if w not in text]
                if absent:
                    how = "in full" if sees else "masked"
                    self.fail(f"{label}: should show {key} {how}, lacks {absent}")

    def fail(self, message: str) -> None:
        self.failures.append(message)
