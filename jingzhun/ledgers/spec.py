"""What a ledger is, declared once: its columns (Chinese titles, aliases, how a cell is read),
its natural key, and the action that stores a row.

A ledger (台账) is one spreadsheet a county keeps today — cadres and pairings, work teams,
resettlement sites, relocated households … Each is one module in :mod:`jingzhun.ledgers.kinds`
defining ``LEDGER = Ledger(...)``; the staging flow (:mod:`jingzhun.ledgers.actions`), the
template and failed-rows files (:mod:`jingzhun.ledgers.files`), the pages and the command are
the same for all of them. See docs/ledgers.md, "Adding a ledger".

The contract of a ledger's two functions:

* ``find(ctx, row)`` returns the stored record the row's natural key names, or None. It may
  raise ``ValidationError({column key: [message]})`` when the row names something that does not
  exist (a village, a household) — the row is then refused under that column.
* ``write(ctx, row, existing)`` stores the row through the domain app's actions (never
  ``.save()``) and returns an :class:`Outcome`: "create", "change" or "unchanged". A row whose
  content is already stored must come back "unchanged" and write nothing. It raises what the
  actions raise (``ValidationError`` with messages per field, ``NotFound``,
  ``PermissionDenied``, ``ConcurrentEditError``): the row is refused and nothing of it is kept.

Both run inside a savepoint per row, at preview (in a transaction that is rolled back) and at
apply (in the transaction that is kept), so the preview's refusals are the actions' own.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db.models import Model

from jingzhun.areas.models import Area, Level
from jingzhun.imports.cells import choice_labels, to_simplified
from jingzhun.registry.scoping import areas_for, households_for

if TYPE_CHECKING:
    from jingzhun.core.actions import Actor
    from jingzhun.registry.models import Household

# How a column's cells are read (jingzhun.imports.cells does the reading).
KIND_HELP = {
    "text": "文本",
    "name": "姓名（按原样保存）",
    "date": "日期，如2024-03-08、2024/3/8、2024年3月8日或202403",
    "int": "整数",
    "decimal": "数字（可带小数）",
    "bool": "是/否（也可填√、1、有、无）",
    "choice": "从取值中选择",
    "options": "从取值中选择",
}

Row = dict[str, Any]


@dataclass(frozen=True)
class Column:
    """One column of a ledger. ``key`` is the name the ledger's functions read the value under,
    and the key of the action's ``ValidationError`` shown under this column (with ``errors``:
    other keys of the action that belong here)."""

    key: str
    title: str
    kind: str = "text"
    aliases: tuple[str, ...] = ()
    required: bool = False  # a header row must have this column to be recognised
    meaning: str = ""
    example: Any = ""
    choices: str = ""  # kind "choice": a value list of jingzhun.registry.choices (by class name)
    # kind "options": (stored value, (label, other spellings …)) for lists outside the registry
    options: tuple[tuple[str, tuple[str, ...]], ...] = ()
    errors: tuple[str, ...] = ()

    @property
    def allowed(self) -> str:
        """What may be written in the column, for the notes sheet and the refusals."""
        if self.kind == "choice":
            return "、".join(choice_labels(self.choices))
        if self.kind == "options":
            return "、".join(labels[0] for _, labels in self.options)
        return KIND_HELP.get(self.kind, "文本")


@dataclass(frozen=True)
class Outcome:
    """What storing one row did: ``action`` is "create", "change" or "unchanged"; ``summary``
    says it in words (shown in the preview); ``changes`` maps a label to [old, new]."""

    action: str
    summary: str
    changes: dict[str, list[Any]] = field(default_factory=dict)


@dataclass
class Context:
    """What a ledger's functions work with: the acting user and the upload's area, and
    look-ups scoped to that area (cached for the file: a ledger names the same villages and
    households many times)."""

    actor: Actor
    scope: Area
    _cache: dict[tuple[str, str], Any] = field(default_factory=dict)

    @property
    def user(self) -> Any:
        return self.actor.user

    def area(self, key: str, value: Any, *, levels: tuple[int, ...], what: str) -> Area:
        """The area ``value`` names — a code, or a name (村委会/居委会 suffixes ignored) —
        among the user's areas of ``levels`` under the upload's scope. Absent, outside the
        scope and ambiguous are refusals under column ``key``."""
        text = str(value or "").strip()
        if not text:
            raise ValidationError({key: [f"请填写{what}。"]})
        cache_key = (f"area:{levels}", text)
        if cache_key in self._cache:
            return self._cache[cache_key]
        low, high = self.scope.scope_prefix, self.scope.scope_prefix + ":"
        areas = areas_for(self.user).filter(code__gte=low, code__lt=high, level__in=levels)
        if text.isdigit():
            found = list(areas.filter(code=text))
        else:
            wanted = {to_simplified(text)}
            for suffix in ("村民委员会", "村委会", "居民委员会", "居委会"):
                if text.endswith(suffix):
                    wanted.add(to_simplified(text[: -len(suffix)] + "村"))
                    wanted.add(to_simplified(text[: -len(suffix)]))
            found = [a for a in areas.select_related("parent") if to_simplified(a.name) in wanted]
        if not found:
            raise ValidationError(
                {
                    key: [
                        f"{what}“{text}”不存在或不在{self.scope.name}范围内：请核对名称或填写区划代码。"
                    ]
                }
            )
        if len(found) > 1:
            parents = "、".join(
                f"{a.parent.name if a.parent else ''}{a.name}（{a.code}）" for a in found
            )
            raise ValidationError(
                {key: [f"{what}“{text}”有重名（{parents}）：请改填区划代码，或填写所属乡镇。"]}
            )
        self._cache[cache_key] = found[0]
        return found[0]

    def village(self, key: str, value: Any, *, township: Any = None) -> Area:
        """A village by code or name; a township's name (optional) narrows a name shared by
        villages of several townships."""
        if township not in (None, "") and not str(value or "").strip().isdigit():
            town = self.area(key, township, levels=(Level.TOWNSHIP,), what="乡镇")
            inner = Context(self.actor, town, self._cache)
            return inner.area(key, value, levels=(Level.VILLAGE,), what="行政村")
        return self.area(key, value, levels=(Level.VILLAGE,), what="行政村")

    def household(
        self, key: str, number: Any, *, head_name: Any = None, head_key: str = ""
    ) -> Household:
        """The household with 户编号 ``number`` under the upload's scope (absent, deleted and
        outside answer alike). A 户主姓名 given that is not the household's head is a refusal:
        the row is then not identified."""
        text = str(number or "").strip()
        if not text:
            raise ValidationError({key: ["请填写户编号。"]})
        cache_key = ("household", text)
        household = self._cache.get(cache_key)
        if household is None:
            household = (
                households_for(self.user, within=self.scope.scope_prefix)
                .filter(number=text)
                .first()
            )
            if household is None:
                raise ValidationError(
                    {key: [f"户编号{text}不存在，或不在{self.scope.name}范围内：请核对户编号。"]}
                )
            self._cache[cache_key] = household
        given = str(head_name or "").strip()
        if (
            given
            and household.head_name
            and to_simplified(given) != to_simplified(household.head_name)
        ):
            raise ValidationError(
                {
                    head_key or key: [
                        f"户编号{text}的户主是{household.head_name}，表中写的是{given}："
                        "请核对户编号和户主姓名。"
                    ]
                }
            )
        return household


@dataclass(frozen=True)
class Ledger:
    """One kind of ledger. ``roles`` may load and apply it (the roles its action allows);
    ``key`` states the natural key in words (the page and the notes sheet show it)."""

    kind: str
    title: str
    columns: tuple[Column, ...]
    roles: frozenset[str]
    key: str
    find: Callable[[Context, Row], Model | None]
    write: Callable[[Context, Row, Any], Outcome]
    order: int = 100
    notes: tuple[str, ...] = ()

    def column_for(self, error_key: str) -> Column | None:
        """The column an action's error key is shown under (None: the row as a whole)."""
        for column in self.columns:
            if error_key == column.key or error_key in column.errors:
                return column
        return None


# --- the ledgers: every module of jingzhun.ledgers.kinds that defines LEDGER ----------------


@cache
def _all() -> dict[str, Ledger]:
    from jingzhun.ledgers import kinds

    found: dict[str, Ledger] = {}
    for info in pkgutil.iter_modules(kinds.__path__):
        module = importlib.import_module(f"{kinds.__name__}.{info.name}")
        spec = getattr(module, "LEDGER", None)
        if isinstance(spec, Ledger):
            if spec.kind in found:
                raise ImportError(f"two ledgers of kind {spec.kind!r}")
            found[spec.kind] = spec
    return dict(sorted(found.items(), key=lambda item: (item[1].order, item[0])))


def ledgers() -> list[Ledger]:
    """Every ledger, in the order the pages list them."""
    return list(_all().values())


def get_ledger(kind: str) -> Ledger | None:
    return _all().get(kind)


def kind_title(kind: str) -> str:
    spec = get_ledger(kind)
    return spec.title if spec else kind


def given(row: Mapping[str, Any], *keys: str) -> dict[str, Any]:
    """The row's values of ``keys`` that the file gave (blank cells left out: a blank cell
    keeps what is stored, it never erases it)."""
    return {k: row[k] for k in keys if row.get(k) not in (None, "")}
