"""Model labels and value-list labels follow the interface language; the catalogue is complete."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from django.conf import settings
from django.urls import reverse
from django.utils import translation

from jingzhun.accounts.models import User
from jingzhun.accounts.roles import Role
from jingzhun.areas.models import Area, Level
from jingzhun.audit.models import AuditEntry, Source
from jingzhun.registry import choices as c
from jingzhun.registry.models import Conditions, Household, Income, Member
from tests.conftest import login

PO_FILE = Path(settings.BASE_DIR, "locale", "en", "LC_MESSAGES", "django.po")


def labels() -> dict[str, str]:
    return {
        "household_type": str(Household._meta.get_field("household_type").verbose_name),
        "household": str(Household._meta.verbose_name),
        "per_capita_net": str(Income._meta.get_field("per_capita_net").verbose_name),
        "relation": str(Member._meta.get_field("relation").verbose_name),
        "main_fuel": str(Conditions._meta.get_field("main_fuel").verbose_name),
        "role": str(User._meta.get_field("role").verbose_name),
        "level": str(Area._meta.get_field("level").verbose_name),
        "source": str(AuditEntry._meta.get_field("source").verbose_name),
        "exited": str(c.HouseholdType.EXITED.label),
        "marginal": str(c.MonitoringCategory.MARGINAL.label),
        "illness": str(c.PovertyCause.ILLNESS.label),
        "dibao": str(c.PovertyAttribute.DIBAO.label),
        "cadre": str(Role.VILLAGE_CADRE.label),
        "reviewer": str(Role.TOWNSHIP_REVIEWER.label),
        "village": str(Level.VILLAGE.label),
        "form": str(Source.FORM.label),
    }


def test_model_and_choice_labels_are_english_under_english():
    with translation.override("en"):
        got = labels()
        choices = {k: str(v) for k, v in Household._meta.get_field("household_type").choices}
        message = f"{c.Relation(c.Relation.SON).label}/{c.Sex(c.Sex.MALE).label}"
    assert got == {
        "household_type": "Household type",
        "household": "Households",
        "per_capita_net": "Net income per person",
        "relation": "Relation to head",
        "main_fuel": "Main fuel",
        "role": "Role",
        "level": "Level",
        "source": "Source",
        "exited": "Exited households",
        "marginal": "Marginal household prone to poverty",
        "illness": "Illness",
        "dibao": "Poor household on minimum living allowance (dibao)",
        "cadre": "Village cadre",
        "reviewer": "Township reviewer",
        "village": "Village",
        "form": "Web form",
    }
    assert choices["ordinary"] == "Ordinary households"
    assert message == "Son/Male"


def test_model_and_choice_labels_stay_chinese_by_default():
    with translation.override("zh-hans"):
        got = labels()
        message = f"{c.Relation(c.Relation.SON).label}/{c.Sex(c.Sex.MALE).label}"
    assert got == {
        "household_type": "户类型",
        "household": "农户",
        "per_capita_net": "人均纯收入",
        "relation": "与户主关系",
        "main_fuel": "主要燃料类型",
        "role": "角色",
        "level": "级别",
        "source": "来源",
        "exited": "脱贫户",
        "marginal": "边缘易致贫户",
        "illness": "因病",
        "dibao": "低保贫困户",
        "cadre": "村干部",
        "reviewer": "乡镇审核员",
        "village": "村",
        "form": "页面表单",
    }
    assert message == "之子/男"


def test_stored_codes_do_not_depend_on_the_language():
    with translation.override("en"):
        assert c.HouseholdType("exited") is c.HouseholdType.EXITED
        assert c.HouseholdType.EXITED == "exited"
        assert Role.VILLAGE_CADRE == "village_cadre"
        assert Level.VILLAGE == 5


def test_the_household_form_shows_english_labels_and_choices(client, world, household):
    login(client, world.cadre)
    url = reverse("household_edit", args=[household.pk])
    chinese = client.get(url).content.decode()
    assert "户类型" in chinese and "脱贫户" in chinese and "因病" in chinese
    client.post(reverse("set_language"), {"language": "en", "next": url})
    english = client.get(url).content.decode()
    assert "Household type" in english
    assert "Exited households" in english
    assert "Marginal household prone to poverty" in english
    assert "Illness" in english


def po_entries(path: Path) -> list[dict]:
    """The catalogue's entries: flags, msgid and every msgstr (obsolete ``#~`` ones skipped)."""
    entries = []
    for block in re.split(r"\n\s*\n", path.read_text(encoding="utf-8").strip()):
        lines = [x for x in block.splitlines() if not x.startswith("#~")]
        entry: dict = {"flags": set(), "msgid": None, "msgstr": []}
        current = None
        for line in lines:
            if line.startswith("#,"):
                entry["flags"] |= {f.strip() for f in line[2:].split(",")}
            elif line.startswith("#"):
                continue
            elif match := re.match(
                r'^(msgctxt|msgid_plural|msgid|msgstr(?:\[\d+\])?) (".*")$', line
            ):
                current, value = match.group(1), ast.literal_eval(match.group(2))
                if current == "msgid":
                    entry["msgid"] = value
                elif current.startswith("msgstr"):
                    entry["msgstr"].append(value)
            elif line.startswith('"') and current:
                value = ast.literal_eval(line)
                if current == "msgid":
                    entry["msgid"] += value
                elif current.startswith("msgstr"):
                    entry["msgstr"][-1] += value
        if entry["msgid"] is not None:
            entries.append(entry)
    return entries


def test_the_english_catalogue_has_no_empty_or_fuzzy_entry():
    entries = po_entries(PO_FILE)
    assert entries[0]["msgid"] == "", "the header comes first"
    messages = entries[1:]
    assert len(messages) > 300
    empty = [e["msgid"] for e in messages if not e["msgstr"] or not all(e["msgstr"])]
    fuzzy = [e["msgid"] for e in entries if "fuzzy" in e["flags"]]
    assert empty == []
    assert fuzzy == []
