"""Department batches for the demo county, built from the generated registry with planted
signals, so the first login shows alerts, links with their reasons, and the loop from an alert
to a case. The records are written the way departments write them: names in traditional
characters, one-character typos, IDs missing or in the old 15-digit form, dates as 19750308 or
1975年3月8日 — and a namesake of a listed member (same name, another birth date) who must not
link. Every batch goes through the same staging and comparison as a county's own.
"""

from __future__ import annotations

import csv
import datetime as dt
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import opencc

from jingzhun.accounts.models import User
from jingzhun.areas.models import Area
from jingzhun.audit.models import Source
from jingzhun.core.actions import Actor
from jingzhun.crosscheck import actions, intake
from jingzhun.crosscheck.kinds import get_kind
from jingzhun.registry import choices as c
from jingzhun.registry.models import Member

_S2T = opencc.OpenCC("s2t")
# Names whose one-character typo stays a plausible name (the typo is the second character).
_TYPO = {"建": "健", "秀": "绣", "国": "果", "明": "铭", "华": "化", "英": "瑛", "军": "君"}


def _traditional(name: str) -> str:
    return _S2T.convert(name)


def _typo(name: str) -> str:
    for i, ch in enumerate(name[1:], start=1):
        if ch in _TYPO:
            return name[:i] + _TYPO[ch] + name[i + 1 :]
    return name[:-1] + ("明" if name[-1] != "明" else "铭")


def _fifteen(id_number: str) -> str:
    return id_number[:6] + id_number[8:17]


def _chinese_date(day: dt.date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def _write(folder: Path, name: str, kind: str, rows: list[dict[str, Any]]) -> Path:
    """A CSV with each field under its column's first title (as the department exports it)."""
    columns = [col for col in get_kind(kind).columns if any(col.field in r for r in rows)]
    path = folder / f"{name}.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow([col.label for col in columns])
        for row in rows:
            writer.writerow([row.get(col.field, "") for col in columns])
    return path


def _address(member: Member) -> str:
    village = member.household.village
    return f"{village.parent.name if village.parent else ''}{village.name}"


def _pick(members: list[Member], test: Callable[[Member], bool], skip: set[int]) -> Member | None:
    for member in members:
        if member.pk not in skip and test(member):
            skip.add(member.pk)
            return member
    return None


def load_demo_department_data(village: Area, approver: User) -> dict[str, int]:
    """Load the demo's department batches for ``village``'s county; returns alerts by rule."""
    today = actions.today()
    county = approver.area
    # The home village's members first (the demo cadre's inbox), then its township's and its
    # county's (a small demo spreads few households over many villages).
    members: list[Member] = []
    for area in (village, village.parent or village, county):
        members += (
            Member.objects.filter(
                household__village_code__startswith=area.scope_prefix,
                is_deleted=False,
                household__is_deleted=False,
            )
            .exclude(pk__in=[m.pk for m in members])
            .select_related("household__village__parent")
            .order_by("household_id", "id")[:2000]
        )
    used: set[int] = set()

    def age(m: Member) -> int:
        return today.year - m.birth_date.year

    registered = (c.HouseholdType.EXITED, c.HouseholdType.MONITORED)
    adult = lambda m: 30 <= age(m) <= 70 and bool(m.id_number)  # noqa: E731
    dead = _pick(members, lambda m: age(m) >= 70 and bool(m.id_number), used)
    dead_15 = _pick(members, lambda m: age(m) >= 60 and bool(m.id_number), used)
    patient = _pick(members, lambda m: adult(m) and m.household.household_type in registered, used)
    patient_typo = _pick(members, adult, used)
    child = _pick(members, lambda m: 8 <= age(m) <= 14, used)
    house = _pick(
        members, lambda m: m.relation == "head" and m.household.household_type in registered, used
    )
    car = _pick(members, lambda m: adult(m) and m.household.household_type in registered, used)
    batches: dict[str, list[dict[str, Any]]] = {
        k: [] for k in ("deaths", "medical_stays", "students", "house_safety", "vehicles")
    }

    def base(m: Member, *, with_id: bool = True, name: str | None = None) -> dict[str, Any]:
        return {
            "name": name or m.name,
            "id_number": m.id_number if with_id else "",
            "birth_date": m.birth_date.isoformat(),
            "sex": "男" if m.sex == "M" else "女",
            "address": _address(m),
        }

    if dead:
        batches["deaths"].append(
            base(dead) | {"event_date": (today - dt.timedelta(days=40)).isoformat()}
        )
    if dead_15:
        batches["deaths"].append(
            base(dead_15)
            | {
                "id_number": _fifteen(dead_15.id_number),
                "birth_date": "",
                "event_date": (today - dt.timedelta(days=12)).strftime("%Y%m%d"),
            }
        )
    if patient:  # no ID, the name in traditional characters, the date written out in Chinese
        batches["medical_stays"].append(
            base(patient, with_id=False, name=_traditional(patient.name))
            | {
                "birth_date": _chinese_date(patient.birth_date),
                "event_date": (today - dt.timedelta(days=9)).isoformat(),
                "amount": "12860.50",
                "hospital": "忻州市人民医院",
            }
        )
        # A namesake: the same name in the same village, born another year, not in the registry.
        batches["medical_stays"].append(
            base(patient, with_id=False)
            | {
                "birth_date": patient.birth_date.replace(
                    year=patient.birth_date.year - 7
                ).isoformat(),
                "event_date": (today - dt.timedelta(days=6)).isoformat(),
                "amount": "26000",
            }
        )
    if patient_typo:  # a one-character typo, no ID, birth date as 19750308
        batches["medical_stays"].append(
            base(patient_typo, with_id=False, name=_typo(patient_typo.name))
            | {
                "birth_date": patient_typo.birth_date.strftime("%Y%m%d"),
                "event_date": (today - dt.timedelta(days=3)).isoformat(),
                "amount": "31500",
            }
        )
    if child:
        batches["students"].append(
            base(child, with_id=False, name=_traditional(child.name))
            | {
                "status": "辍学",
                "school": f"{village.name}小学",
                "event_date": (today - dt.timedelta(days=20)).isoformat(),
            }
        )
    if house:
        batches["house_safety"].append(
            base(house)
            | {"rating": "C级", "event_date": (today - dt.timedelta(days=30)).isoformat()}
        )
    if car:
        batches["vehicles"].append(
            base(car)
            | {
                "amount": "86000",
                "vehicle_type": "小型轿车",
                "event_date": (today - dt.timedelta(days=60)).isoformat(),
            }
        )
    actor = Actor(user=approver, source=Source.DEMO)
    alerts: dict[str, int] = {}
    with tempfile.TemporaryDirectory() as folder:
        for kind, rows in batches.items():
            if not rows:
                continue
            path = _write(Path(folder), f"演示-{get_kind(kind).department}-{kind}", kind, rows)
            batch, new = intake.stage_file(
                actor=actor, kind=kind, area=county, path=path, as_of=today, source="command"
            )
            if new:
                batch = actions.do_apply_batch(batch, actor=actor)
            alerts[kind] = batch.counts.get("alerts", 0)
    return alerts
