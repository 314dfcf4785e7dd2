"""The generated list of the YAML files' interface text matches the files (no drift)."""

from __future__ import annotations

from django.utils import translation

from jingzhun.core import yaml_strings
from jingzhun.core.catalogue_strings import GENERATED, render_module
from jingzhun.core.catalogue_strings import yaml_strings as found


def test_the_generated_module_lists_exactly_the_yaml_files_strings() -> None:
    assert GENERATED.read_text("utf-8") == render_module(), (
        "run: python -m jingzhun.core.catalogue_strings"
    )
    assert list(yaml_strings.STRINGS) == found()


def test_step_titles_and_dataset_names_are_listed_and_translated() -> None:
    assert {"入户核实、签字申请和授权承诺", "住院费用（每次住院）", "医保"} <= set(found())
    with translation.override("en"):
        assert all(translation.gettext(text) != text for text in found())
