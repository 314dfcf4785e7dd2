"""Personas and a small world, built through the real actions.

The division list of Shanxi (province 14) is loaded once per test database; each test then
creates two villages in Xinzhou (忻州市) and one persona per role, in a transaction that
pytest-django rolls back.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.test import Client

from jingzhun.accounts.models import User
from jingzhun.accounts.roles import Role
from jingzhun.areas.actions import do_create_area
from jingzhun.areas.loading import load_divisions_into_db
from jingzhun.areas.models import Area
from jingzhun.core.actions import Actor
from tests import factories

PASSWORD = "Correct-Horse-42"


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        load_divisions_into_db(["14"])


@dataclass
class World:
    province: Area  # 山西省 140000
    city: Area  # 忻州市 140900
    county: Area  # 五台县 140922
    other_county: Area  # 定襄县 140921
    township: Area  # a township of 五台县
    other_township: Area  # another township of 五台县
    village: Area
    sibling_village: Area  # same township, other village
    far_village: Area  # under other_township
    other_county_village: Area
    cadre: User
    sibling_cadre: User
    reviewer: User
    other_reviewer: User
    approver: User
    analyst: User
    city_viewer: User
    province_viewer: User
    inspector: User
    admin: User
    outsider: User  # a village cadre of 定襄县

    def actor(self, user: User | None = None, source: str = "form") -> Actor:
        return Actor(user=user or self.cadre, source=source, ip="127.0.0.1")


def make_user(username: str, role: str, area: Area) -> User:
    user = User(username=username, role=role, area=area, full_name=username)
    user.set_password(PASSWORD)
    user.save()
    return user


@pytest.fixture
def world(db) -> World:
    system = Actor(user=None, source="system")
    province = Area.objects.get(code="140000")
    city = Area.objects.get(code="140900")
    county = Area.objects.get(code="140922")
    other_county = Area.objects.get(code="140921")
    townships = list(Area.objects.filter(parent=county).order_by("code")[:2])
    other_ts = Area.objects.filter(parent=other_county).order_by("code").first()
    village = do_create_area(townships[0], actor=system, name="东冶村")
    sibling = do_create_area(townships[0], actor=system, name="西冶村")
    far = do_create_area(townships[1], actor=system, name="南村")
    other_v = do_create_area(other_ts, actor=system, name="北村")
    return World(
        province=province,
        city=city,
        county=county,
        other_county=other_county,
        township=townships[0],
        other_township=townships[1],
        village=village,
        sibling_village=sibling,
        far_village=far,
        other_county_village=other_v,
        cadre=make_user("cadre", Role.VILLAGE_CADRE, village),
        sibling_cadre=make_user("cadre2", Role.VILLAGE_CADRE, sibling),
        reviewer=make_user("reviewer", Role.TOWNSHIP_REVIEWER, townships[0]),
        other_reviewer=make_user("reviewer2", Role.TOWNSHIP_REVIEWER, townships[1]),
        approver=make_user("approver", Role.COUNTY_APPROVER, county),
        analyst=make_user("analyst", Role.COUNTY_ANALYST, county),
        city_viewer=make_user("cityviewer", Role.CITY_VIEWER, city),
        province_viewer=make_user("provviewer", Role.PROVINCE_VIEWER, province),
        inspector=make_user("inspector", Role.INSPECTOR, county),
        admin=make_user("admin", Role.ADMIN, county),
        outsider=make_user("outsider", Role.VILLAGE_CADRE, other_v),
    )


@pytest.fixture
def household(world):
    """A 脱贫户 of three in the cadre's village, with a 2024 income."""
    return factories.make_household(world.actor(), world.village, number="140922100001001")


def run_worker() -> None:
    """The real worker over the real queue, in batch mode. Its per-loop close_old_connections()
    would close the test's transaction-bound connection on PostgreSQL, so it is skipped here."""
    from unittest import mock

    from django.core.management import call_command

    with mock.patch(
        "django_tasks_db.management.commands.db_worker.close_old_connections", lambda: None
    ):
        call_command("worker", "--batch", verbosity=0)


def login(client: Client, user: User) -> Client:
    client.force_login(user)
    return client


@pytest.fixture(autouse=True)
def _fast_hashing(settings):
    # Argon2 is what production uses (tests/test_security.py checks it); tests hash quickly.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _session_touched_once(settings):
    # A session's idle expiry is renewed at most once a minute; a slow test must not see a
    # renewal's queries between two requests it counts (tests/test_security.py tests renewal).
    settings.SESSION_TOUCH_SECONDS = 24 * 3600


@pytest.fixture(autouse=True)
def _no_heartbeat_thread(settings):
    # A job run inside a test holds this process's lease; no thread writes heartbeats into the
    # test database (tests/test_jobs.py starts real worker processes, which do).
    settings.JINGZHUN_JOB_HEARTBEAT = False
