"""Dataset kinds: what each department sends, read from one reviewed YAML file per kind
(``crosscheck/datasets/*.yaml``): the department, the columns with their meaning and the titles
they go by, which fields identify a person, and which alert rules apply to its records.

Adding a kind is adding a file; the loader, the linker and the pages read these definitions.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from django.utils.translation import gettext

DATASET_DIR = Path(__file__).parent / "datasets"

# The meanings a column may have. The identifying ones are what linkage compares.
FIELD_KINDS = frozenset({"name", "id_number", "date", "sex", "address", "text", "amount", "choice"})
IDENTIFYING = ("name", "id_number", "birth_date", "sex", "address")


class KindError(ValueError):
    """A dataset definition file is wrong (raised when the files are read: at start-up)."""


@dataclass(frozen=True, eq=False)  # compared and hashed by identity: one per kind's file
class Column:
    field: str
    kind: str
    titles: tuple[str, ...]
    required: bool = False
    values: dict[str, tuple[str, ...]] = field(default_factory=dict)  # code → labels

    @property
    def label(self) -> str:
        return self.titles[0]

    def code_for(self, label: str) -> str | None:
        wanted = fold(label)
        for code, labels in self.values.items():
            if wanted == fold(code) or wanted in {fold(x) for x in labels}:
                return code
        return None

    def value_label(self, code: str) -> str:
        return self.values.get(code, (code,))[0]


@dataclass(frozen=True)
class DatasetKind:
    code: str
    name: str
    department: str
    columns: tuple[Column, ...]
    rules: tuple[str, ...]

    def column(self, name: str) -> Column | None:
        return next((c for c in self.columns if c.field == name), None)

    @property
    def title_index(self) -> dict[str, Column]:
        return {fold(title): column for column in self.columns for title in column.titles}

    def recognise(self, cells: list[Any]) -> dict[int, Column]:
        """0-based index → column, when ``cells`` is this kind's header row (it names every
        required column); {} otherwise."""
        index = self.title_index
        found: dict[int, Column] = {}
        for position, title in enumerate(cells):
            column = index.get(fold(title)) if title not in (None, "") else None
            if column is not None and column not in found.values():
                found[position] = column
        required = {c.field for c in self.columns if c.required}
        return found if required <= {c.field for c in found.values()} else {}


def fold(text: Any) -> str:
    """A header or label as compared: width-folded, without spaces or a trailing colon."""
    folded = unicodedata.normalize("NFKC", str(text or ""))
    return "".join(folded.split()).rstrip(":").lower()


def _column(raw: dict[str, Any], where: str) -> Column:
    for key in ("field", "kind", "titles"):
        if key not in raw:
            raise KindError(f"{where}: 列定义缺少“{key}”")
    if raw["kind"] not in FIELD_KINDS:
        raise KindError(f"{where}: 列“{raw['field']}”的类型“{raw['kind']}”未知")
    values = {str(k): tuple(str(x) for x in v) for k, v in (raw.get("values") or {}).items()}
    if raw["kind"] == "choice" and not values:
        raise KindError(f"{where}: 选项列“{raw['field']}”须列出可取的值（values）")
    return Column(
        raw["field"],
        raw["kind"],
        tuple(str(t) for t in raw["titles"]),
        raw.get("required", False),
        values,
    )


def _read(path: Path) -> DatasetKind:
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    where = path.name
    for key in ("kind", "name", "department", "columns"):
        if key not in raw:
            raise KindError(f"{where}: 缺少“{key}”")
    columns = tuple(_column(c, where) for c in raw["columns"])
    fields = [c.field for c in columns]
    if len(set(fields)) != len(fields):
        raise KindError(f"{where}: 列名重复")
    if "name" not in fields or "event_date" not in fields:
        raise KindError(f"{where}: 须有姓名（name）和事项日期（event_date）列")
    return DatasetKind(
        raw["kind"], raw["name"], raw["department"], columns, tuple(raw.get("rules") or ())
    )


@cache
def all_kinds() -> dict[str, DatasetKind]:
    kinds = {}
    for path in sorted(DATASET_DIR.glob("*.yaml")):
        kind = _read(path)
        if kind.code in kinds:
            raise KindError(f"{path.name}: 数据类型“{kind.code}”重复")
        kinds[kind.code] = kind
    return kinds


def get_kind(code: str) -> DatasetKind:
    try:
        return all_kinds()[code]
    except KeyError:
        known = "、".join(f"{k}（{v.name}）" for k, v in all_kinds().items())
        raise KindError(f"没有“{code}”这种部门数据。可用的有：{known}") from None


def kind_choices() -> list[tuple[str, str]]:
    """(code, "department：name") per kind, in the interface language (shown in forms)."""
    return [(k.code, f"{gettext(k.department)}：{gettext(k.name)}") for k in all_kinds().values()]


def best_other_kind(titles: list[str], but: str) -> DatasetKind | None:
    """The kind whose header the titles match, when they are not ``but``'s (a file of the wrong
    kind: 学籍 uploaded as 死亡人员)."""
    for kind in all_kinds().values():
        if kind.code != but and kind.recognise(titles):
            return kind
    return None
