"""No number leaks: one disclosure policy on pages, the API, exports and the audit trail — numbers
masked in their fields and inside free text, health hidden, for the roles that may not see them;
roles fail closed."""

from __future__ import annotations

import datetime as dt
import io

import openpyxl
import pytest
from django.test import Client
from rest_framework.test import APIClient

from jingzhun.core.actions import Actor
from jingzhun.core.masking import Disclosure, mask_free_text
from jingzhun.exports.layouts import ExportSpec
from jingzhun.exports.service import export_to_file
from jingzhun.registry import actions
from jingzhun.registry.models import Household
from tests.conftest import make_user

PHONE_IN_TEXT = "13987654321"
ID_IN_TEXT = "140922198503041039"


@pytest.fixture
def ill_household(world, household):
    """The cadre's household with a chronically ill member and numbers typed into free text."""
    member = household.members.get(relation="spouse")
    actions.do_update_member(
        member, actor=world.actor(), changes={"health": "chronic"}, expected_version=member.version
    )
    household.refresh_from_db()
    actions.do_update_household(
        household,
        actor=world.actor(),
        changes={
            "household_type": "monitored",
            "monitoring_category": "marginal",
            "monitoring_identified_on": dt.date(2023, 4, 1),
            "address": f"东冶村三组，联系电话{PHONE_IN_TEXT}",
        },
        risks=[("other", f"户主身份证{ID_IN_TEXT}遗失")],
        expected_version=household.version,
        reason=f"核实人电话{PHONE_IN_TEXT}",
    )
    household.refresh_from_db()
    return household


# The member's own health cell (the policy panel's criteria count ill members of the household
# without naming them: an explanation of the decision, shown to everyone who reads decisions).
HEALTH_CELL = ">长期慢性病</td>"  # the member table's health cell (a card label on a phone)
SECRETS = (PHONE_IN_TEXT, ID_IN_TEXT, HEALTH_CELL)


def _page(user, url: str) -> str:
    client = Client()
    client.force_login(user)
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return response.content.decode()


@pytest.mark.parametrize("role", ["analyst", "city_viewer", "province_viewer", "inspector"])
def test_read_only_roles_see_no_number_in_free_text_and_no_health(world, ill_household, role):
    user = getattr(world, role)
    page = _page(user, f"/households/{ill_household.pk}/")
    for secret in SECRETS:
        assert secret not in page, (role, secret)
    assert "已隐藏" in page
    api = APIClient()
    api.force_authenticate(user)
    body = api.get(f"/api/v1/households/{ill_household.pk}/").content.decode()
    members = api.get(f"/api/v1/households/{ill_household.pk}/members/").content.decode()
    for secret in (PHONE_IN_TEXT, ID_IN_TEXT):
        assert secret not in body
    assert '"chronic"' not in members and "长期慢性病" not in members


def test_the_cadre_who_handles_the_paperwork_sees_everything(world, ill_household):
    page = _page(world.cadre, f"/households/{ill_household.pk}/")
    for secret in SECRETS:
        assert secret in page


def test_the_audit_trail_masks_numbers_in_reasons_for_the_inspector(world, ill_household):
    page = _page(world.inspector, f"/audit/?household={ill_household.pk}")
    assert "核实人电话" in page
    assert PHONE_IN_TEXT not in page and ID_IN_TEXT not in page
    approver = _page(world.approver, f"/audit/?household={ill_household.pk}")
    assert PHONE_IN_TEXT in approver


def test_an_analysts_export_hides_health_and_masks_free_text(world, ill_household, tmp_path):
    out = tmp_path / "members.xlsx"
    spec = ExportSpec(what="members", format="xlsx", layout="national")
    export_to_file(spec, actor=Actor(user=world.analyst, source="form"), path=out)
    cells = repr([list(r) for r in openpyxl.load_workbook(out).active.iter_rows(values_only=True)])
    assert "长期慢性病" not in cells and "已隐藏" in cells
    out = tmp_path / "households.xlsx"
    spec = ExportSpec(what="households", format="xlsx", layout="project")
    export_to_file(spec, actor=Actor(user=world.analyst, source="form"), path=out)
    book = openpyxl.load_workbook(out)
    cells = repr([list(r) for ws in book.worksheets for r in ws.iter_rows(values_only=True)])
    assert PHONE_IN_TEXT not in cells


def test_masking_catches_numbers_as_people_type_them():
    for text in (
        "电话：１３９１２３４５６７８",
        "138-1234-5678",
        "+86 13912345678",
        "身份证14092219850304103x号",
        "卡号6222 0212 3456 7890 123",
    ):
        masked = mask_free_text(text)
        assert not any(run in masked for run in ("12345678", "5678 ", "850304")), (text, masked)
    for kept in ("2023-03-15", "收入12000元", "村代码140922100001", "20230315"):
        assert mask_free_text(kept) == kept


def test_disclosure_follows_the_role(world):
    assert Disclosure.of(world.cadre).full
    assert Disclosure.of(world.approver).full
    assert Disclosure.of(world.analyst) == Disclosure(numbers=False, health=False)
    assert Disclosure.of(None) == Disclosure()


def test_a_user_without_a_role_reads_nothing(world, household):
    nobody = make_user("nobody", "", world.county)
    client = Client()
    client.force_login(nobody)
    assert household.number not in client.get("/households/").content.decode()
    assert client.get(f"/households/{household.pk}/").status_code == 404
    api = APIClient()
    api.force_authenticate(nobody)
    assert api.get("/api/v1/households/").json()["results"] == []
    assert api.get(f"/api/v1/households/{household.pk}/").status_code == 404
    response = api.patch(
        f"/api/v1/households/{household.pk}/", {"address": "x", "version": 1}, format="json"
    )
    assert response.status_code in (403, 404)
    assert Household.objects.get(pk=household.pk).address != "x"


def test_the_export_file_is_unreadable_by_others_of_the_machine(world, household, tmp_path):
    out = tmp_path / "m.xlsx"
    export_to_file(ExportSpec(), actor=Actor(user=world.cadre, source="form"), path=out)
    assert out.stat().st_mode & 0o077 == 0
    assert io.BytesIO(out.read_bytes()).getbuffer().nbytes > 0
