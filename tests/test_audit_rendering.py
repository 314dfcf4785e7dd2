"""The audit trail as people read it (jingzhun.audit.rendering): labels, values, list changes,
masking, the language, and a label for every action the project records."""

from __future__ import annotations

import ast
from collections import Counter
from pathlib import Path

import pytest
from django.apps import apps
from django.utils import translation

from jingzhun.audit.models import AuditEntry
from jingzhun.audit.rendering import (
    ACTION_LABELS,
    EMPTY,
    action_label,
    render_changes,
    render_entries,
)
from jingzhun.core.masking import Disclosure, mask_id_number, mask_phone
from jingzhun.registry import actions

FULL = Disclosure(numbers=True, health=True)


@pytest.fixture(autouse=True)
def _chinese():
    # The project's language, whatever a test before this one left active.
    with translation.override("zh-hans"):
        yield


MASKED = Disclosure(numbers=False, health=False)


def shown(object_type: str, changes: dict, disclosure: Disclosure = FULL) -> dict[str, str]:
    entry = AuditEntry(action="update_household", object_type=object_type, changes=changes)
    return {c.label: c.text for c in render_changes(entry, disclosure)}


def test_a_household_type_change_reads_as_its_labels():
    assert shown("household", {"household_type": ["exited", "monitored"]}) == {
        "户类型": "脱贫户 → 监测户"
    }


def test_a_value_list_label_is_used_for_every_choice_field():
    changes = {
        "main_cause": ["illness", "disability"],
        "monitoring_category": [None, "sudden_hardship"],
    }
    texts = shown("household", changes)
    assert texts["主要致贫原因"] == "因病 → 因残"
    assert texts["监测对象类别"] == "突发严重困难户"


def test_booleans_read_yes_or_no_and_empty_values_a_dash():
    texts = shown(
        "household",
        {
            "risk_eliminated": [None, True],
            "no_labour_guarantee": [True, False],
            "address": ["", "x"],
        },
    )
    assert texts["风险是否已消除"] == "是"
    assert texts["整户无劳动能力兜底保障户"] == "是 → 否"
    assert texts["住址"] == f"{EMPTY} → x"


def test_dates_read_as_dates_and_the_version_is_not_shown():
    texts = shown("household", {"exited_on": ["2018-12-01", None], "version": [3, 4]})
    assert texts == {"脱贫时间": f"2018年12月1日 → {EMPTY}"}


def test_a_risks_change_lists_the_risks_added_and_removed_without_empty_items():
    texts = shown("household", {"risks": [[], [["illness", ""], ["", ""]]]})
    assert texts == {"致贫/返贫风险": "新增 因病"}
    texts = shown(
        "household",
        {
            "risks": [
                [["illness", ""], ["disability", "左腿"]],
                [["illness", ""], ["schooling", ""]],
            ]
        },
    )
    assert texts == {"致贫/返贫风险": "新增 因学；移除 因残（左腿）"}
    for text in texts.values():
        assert "[" not in text and "'" not in text


def test_a_risks_change_made_through_the_actions_reads_as_added_items(world, household):
    household = actions.do_update_household(
        household,
        actor=world.actor(),
        changes={},
        expected_version=household.version,
        risks=[("illness", "")],
    )
    entry = AuditEntry.objects.filter(household=household, action="update_household").get()
    (rendered,) = render_entries([entry], FULL)
    assert rendered.action == "修改农户信息"
    assert [(c.label, c.text) for c in rendered.changes] == [("致贫/返贫风险", "新增 因病")]


def test_an_unknown_action_is_humanised_and_a_known_one_is_a_verb():
    assert action_label("frobnicate_old_records") == "Frobnicate old records"
    assert action_label("set_village_profile") == "填报村情信息"


def test_an_unknown_field_or_object_type_still_renders_its_value():
    assert shown("nosuchmodel", {"weird_field": ["a", "b"]}) == {"Weird field": "a → b"}
    assert shown("case", {"环节": ["review", "approve"]}) == {"环节": "review → approve"}


def test_a_value_that_is_no_pair_reads_as_itself():
    assert shown("member", {"dibao": True}) == {"享受低保": "是"}


def test_personal_numbers_are_masked_for_a_reader_without_the_right(world, household):
    head = household.members.get(relation="head")
    entries = AuditEntry.objects.filter(household=household, action__in=["create_household"])
    entries = list(entries) + list(
        AuditEntry.objects.filter(object_id=str(head.pk), object_type="member")
    )
    masked = "\n".join(r.changes_text for r in render_entries(entries, MASKED))
    assert head.id_number not in masked and mask_id_number(head.id_number) in masked
    assert "13912345678" not in masked and mask_phone("13912345678") in masked
    assert household.bank_account not in masked
    full = "\n".join(r.changes_text for r in render_entries(entries, FULL))
    assert head.id_number in full and "13912345678" in full


def test_health_is_hidden_and_numbers_typed_into_text_are_masked_for_such_a_reader():
    entry = AuditEntry(
        action="update_member",
        object_type="member",
        changes={"health": ["healthy", "chronic"], "work_place": [None, "电话13912345678"]},
        reason="核实人电话13912345678",
        object_label="张三",
    )
    (masked,) = render_entries([entry], MASKED)
    assert "长期慢性病" not in masked.changes_text and "已隐藏" in masked.changes_text
    assert "13912345678" not in masked.changes_text + masked.reason
    (full,) = render_entries([entry], FULL)
    assert "健康状况：健康 → 长期慢性病" in full.changes_text
    assert "13912345678" in full.reason


def test_labels_come_out_in_english_under_the_english_language():
    with translation.override("en"):
        texts = shown("household", {"household_type": ["exited", "monitored"]})
        assert texts == {"Household type": "Exited households → Monitored households"}
        assert shown("household", {"risks": [[], [["illness", ""]]]}) == {
            "Poverty risks": "Added Illness"
        }
        assert shown("household", {"risk_eliminated": [None, True]}) == {"Risk eliminated": "Yes"}
        assert action_label("update_household") == "Edit household"


def test_object_types_name_one_model_each():
    names = Counter(m._meta.model_name for m in apps.get_models())
    assert [n for n, count in names.items() if count > 1] == []


# --- every recorded action has a label -----------------------------------------------------------

SOURCE = Path(__file__).resolve().parent.parent / "jingzhun"
ACTION_ARGS = ("action", "audit_action")


def _text(node: ast.AST | None) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    return None


def _action_param(fn: ast.FunctionDef) -> int | bool | None:
    """Where ``fn`` takes an action name: its position, None (keyword-only), False (it takes no
    action name; a parameter called ``action`` annotated as anything but ``str`` is a callable)."""
    positional = fn.args.posonlyargs + fn.args.args
    for index, arg in enumerate(positional + fn.args.kwonlyargs):
        if arg.arg in ACTION_ARGS:
            if arg.annotation is not None and ast.unparse(arg.annotation) != "str":
                return False
            return index if index < len(positional) else None
    return False


class _Module:
    """One source file: the action names it passes to the audit recorder, and the places where
    it passes something this reader cannot follow."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        self.functions = {n.name: n for n in ast.walk(self.tree) if isinstance(n, ast.FunctionDef)}
        self.parents = {c: n for n in ast.walk(self.tree) for c in ast.iter_child_nodes(n)}

    def enclosing(self, node: ast.AST) -> ast.FunctionDef | None:
        while node in self.parents:
            node = self.parents[node]
            if isinstance(node, ast.FunctionDef):
                return node
        return None

    def returned(self, fn: ast.FunctionDef, index: int) -> list[str]:
        """The names at ``index`` of the tuples ``fn`` returns."""
        return [
            text
            for r in ast.walk(fn)
            if isinstance(r, ast.Return) and isinstance(r.value, ast.Tuple)
            if (text := _text(r.value.elts[index]))
        ]

    def resolve(self, expr: ast.expr, at: ast.AST) -> list[str] | None:
        """The action names ``expr`` can hold; None when it cannot tell."""
        if (text := _text(expr)) is not None:
            return [text]
        fn = self.enclosing(at)
        if not isinstance(expr, ast.Name) or fn is None:
            return None
        params = {a.arg for a in fn.args.posonlyargs + fn.args.args + fn.args.kwonlyargs}
        if expr.id in params and expr.id in ACTION_ARGS:
            return []  # passed on from the caller, whose argument is collected at its call
        for node in ast.walk(fn):
            # name, … = helper(…): the names the helper returns at that position
            if isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Tuple):
                names = [getattr(t, "id", None) for t in node.targets[0].elts]
                callee = getattr(getattr(node.value, "func", None), "id", None)
                if expr.id in names and callee in self.functions:
                    return self.returned(self.functions[callee], names.index(expr.id))
            # for name, … in table: the names in that column of a literal table
            if isinstance(node, ast.For) and isinstance(node.target, ast.Tuple):
                names = [getattr(t, "id", None) for t in node.target.elts]
                if expr.id in names and isinstance(node.iter, ast.Name):
                    column = names.index(expr.id)
                    for a in ast.walk(fn):
                        if (
                            isinstance(a, ast.Assign)
                            and getattr(a.targets[0], "id", None) == node.iter.id
                            and isinstance(a.value, ast.Tuple | ast.List)
                        ):
                            return [
                                text
                                for row in a.value.elts
                                if isinstance(row, ast.Tuple)
                                if (text := _text(row.elts[column]))
                            ]
        return None

    def takes(self) -> dict[str, int | None]:
        """The functions defined here that take an action name, and where."""
        return {
            name: p for name, fn in self.functions.items() if (p := _action_param(fn)) is not False
        }

    def actions(self, takes: dict[str, int | None]) -> tuple[dict[str, str], list[str]]:
        """The action names passed to the functions of ``takes`` (the recorder's and every
        helper that hands an action name on to it)."""
        found: dict[str, str] = {}
        unresolved: list[str] = []
        for node in ast.walk(self.tree):
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            callee = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
            if callee not in takes:
                continue
            exprs = [k.value for k in node.keywords if k.arg in ACTION_ARGS]
            position = takes[callee]
            if position is not None and len(node.args) > position:
                exprs.append(node.args[position])
            for expr in exprs:
                where = f"{self.path.relative_to(SOURCE.parent)}:{node.lineno}"
                names = self.resolve(expr, node)
                if names is None:
                    unresolved.append(where)
                for name in names or []:
                    found.setdefault(name, where)
        return found, unresolved


def recorded_actions() -> tuple[dict[str, str], list[str]]:
    """Every action name passed to the audit recorder in the project's source (name → where),
    and the call sites whose action this reader cannot follow. The recorder's functions
    (``record(**kwargs)`` hands them to ``entry(action=…)``) and every function of the project
    with an ``action``/``audit_action`` parameter are followed."""
    modules = [_Module(p) for p in sorted(SOURCE.rglob("*.py")) if "migrations" not in p.parts]
    takes: dict[str, int | None] = {"record": None}
    for module in modules:
        takes.update(module.takes())
    found: dict[str, str] = {}
    unresolved: list[str] = []
    for module in modules:
        names, unknown = module.actions(takes)
        for name, where in names.items():
            found.setdefault(name, where)
        unresolved += unknown
    return found, unresolved


def test_every_action_the_project_records_has_a_label():
    found, unresolved = recorded_actions()
    assert unresolved == [], "action names this test cannot follow; teach it (or pass a literal)"
    # The reader finds the actions of every app that audits (a broken reader finds none).
    for known in ("create_household", "reject_case", "set_measures", "stage_crosscheck_batch"):
        assert known in found
    missing = {name: where for name, where in found.items() if name not in ACTION_LABELS}
    assert missing == {}, "add these to jingzhun.audit.rendering.ACTION_LABELS"


@pytest.mark.parametrize("name", sorted(ACTION_LABELS))
def test_every_label_is_translated_to_english(name):
    with translation.override("en"):
        english = action_label(name)
    assert english and english != action_label(name) and english.isascii()


def test_a_linked_area_reads_as_its_name_with_one_query(world, django_assert_num_queries):
    entries = [
        AuditEntry(
            action="update_household",
            object_type="household",
            changes={"village": [world.village.pk, world.far_village.pk]},
        ),
        AuditEntry(
            action="create_household",
            object_type="household",
            changes={"village": [None, world.sibling_village.pk], "note": [None, 7]},
        ),
    ]
    with django_assert_num_queries(1):
        rendered = render_entries(entries, FULL)
    first = {c.field: c.text for c in rendered[0].changes}
    assert first["village"] == f"{world.village} → {world.far_village}"
    assert world.village.name in first["village"]
    second = {c.field: c.text for c in rendered[1].changes}
    assert second["village"] == str(world.sibling_village) and second["note"] == "7"


def test_a_policy_parameter_reads_as_its_title_and_unit_in_the_readers_language():
    changes = {"name": [None, "poverty_line"], "unit": [None, "元/人·年"], "value": [None, "4000"]}
    zh = shown("parametervalue", changes)
    assert "poverty_line" in zh["参数名"] and "贫困线" in zh["参数名"]
    with translation.override("en"):
        en = {c.field: c.text for c in render_changes(
            AuditEntry(action="add_parameter_value", object_type="parametervalue", changes=changes),
            FULL,
        )}  # fmt: skip
    assert en["unit"] == "yuan per person per year"
    assert "poverty_line" in en["name"] and not any("\u4e00" <= ch <= "\u9fff" for ch in en["name"])
