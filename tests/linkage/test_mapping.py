"""Mapping files: a good one is read as written; a bad one is refused naming the key and fix."""

from __future__ import annotations

from pathlib import Path

import pytest

from jingzhun.linkage.mapping import Field, Mapping, MappingError, load_mapping

GOOD = """\
left_id: rec_id
right_id: 编号
fields:
  - {column: name, kind: name, right_column: 姓名}
  - {column: id_number, kind: id_number}
  - {column: birth_date, kind: date}
threshold: 0.95
blocking: [[name], [birth_date]]
require_any: [id_number]
"""


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "mapping.yaml"
    path.write_text(text, "utf-8")
    return path


def test_it_reads_a_mapping_file(tmp_path: Path) -> None:
    mapping = load_mapping(_write(tmp_path, GOOD))
    assert mapping.left_id == "rec_id" and mapping.right_id == "编号"
    assert mapping.fields[0] == Field("name", "name", "姓名")
    assert mapping.fields[0].right == "姓名" and mapping.fields[1].right == "id_number"
    assert mapping.threshold == 0.95
    assert mapping.blocking == (("name",), ("birth_date",))
    assert mapping.required_columns == ("id_number",)


def test_blocking_may_use_a_dates_year_and_a_names_pinyin(tmp_path: Path) -> None:
    text = GOOD.replace("[[name], [birth_date]]", "[[name, birth_date.year], [name.pinyin]]")
    mapping = load_mapping(_write(tmp_path, text))
    assert mapping.blocking == (("name", "birth_date.year"), ("name.pinyin",))
    assert mapping.blocking_key("birth_date.year") == ("birth_date", "year")
    assert mapping.blocking_key("name") == ("name", None)


def test_by_default_id_numbers_and_dates_are_required() -> None:
    mapping = Mapping(
        "a", "b", (Field("name", "name"), Field("id", "id_number"), Field("born", "date"))
    )
    assert mapping.required_columns == ("id", "born")
    assert mapping.threshold == 0.9
    assert Mapping("a", "b", (Field("city", "text"),)).required_columns == ()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (GOOD.replace("kind: date", "kind: birthday"), "kind “birthday”无法识别"),
        (GOOD.replace("column: name, ", ""), "缺少 column"),
        (GOOD.replace("left_id: rec_id\n", ""), "缺少 left_id"),
        (GOOD.replace("threshold: 0.95", "threshold: 1.5"), "threshold 为1.5"),
        (GOOD.replace("threshold: 0.95", "threshold: high"), "threshold “high”不是数字"),
        (GOOD.replace("[[name], [birth_date]]", "[[surname]]"), "blocking 中的“surname”"),
        (GOOD.replace("[[name], [birth_date]]", "[[name.year]]"), "“name”不是日期字段"),
        (GOOD.replace("[[name], [birth_date]]", "[[birth_date.pinyin]]"), "不是姓名字段"),
        (GOOD.replace("[[name], [birth_date]]", "[[born.year]]"), "blocking 中的“born”"),
        (GOOD.replace("[id_number]", "[sex]"), "require_any 中的“sex”"),
        (GOOD + "treshold: 0.5\n", "无法识别的键 treshold"),
        ("left_id: a\nright_id: b\nfields: []\n", "缺少 fields"),
        ("- just\n- a list\n", "应是键值形式"),
        ("left_id: [unclosed\n", "不是有效的YAML"),
    ],
)
def test_it_refuses_a_bad_mapping_naming_the_key(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(MappingError, match=message):
        load_mapping(_write(tmp_path, text))


def test_it_refuses_a_missing_file(tmp_path: Path) -> None:
    with pytest.raises(MappingError, match="找不到映射文件"):
        load_mapping(tmp_path / "absent.yaml")


def test_it_names_the_column_a_table_lacks(tmp_path: Path) -> None:
    mapping = load_mapping(_write(tmp_path, GOOD))
    mapping.check_columns(
        ["rec_id", "name", "id_number", "birth_date"], ["编号", "姓名", "id_number", "birth_date"]
    )
    with pytest.raises(MappingError, match=r"右表没有比对列“姓名”.*right_column"):
        mapping.check_columns(
            ["rec_id", "name", "id_number", "birth_date"],
            ["编号", "name", "id_number", "birth_date"],
        )
    with pytest.raises(MappingError, match="左表没有编号列“rec_id”"):
        mapping.check_columns(["id", "name", "id_number", "birth_date"], ["编号"])
