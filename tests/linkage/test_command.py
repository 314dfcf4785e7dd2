"""``jingzhun link``: CSV (UTF-8 or GBK) and Parquet in, Parquet out; clear refusals."""

from __future__ import annotations

import io
from pathlib import Path

import pandas as pd
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from tests.linkage.data import TRUE_PAIRS, department, registry

MAPPING_YAML = """\
left_id: rec_id
right_id: 编号
fields:
  - {column: name, kind: name, right_column: 姓名}
  - {column: id_number, kind: id_number, right_column: 证件号码}
  - {column: birth_date, kind: date, right_column: 出生日期}
  - {column: sex, kind: sex, right_column: 性别}
  - {column: village, kind: address, right_column: 住址}
"""


@pytest.fixture
def files(tmp_path: Path) -> dict[str, Path]:
    mapping = tmp_path / "mapping.yaml"
    mapping.write_text(MAPPING_YAML, "utf-8")
    left = tmp_path / "registry.parquet"
    registry().to_parquet(left, index=False)
    right = tmp_path / "department.csv"
    # Departments send CSV from Excel on Chinese Windows: GBK.
    department().to_csv(right, index=False, encoding="gbk")
    return {"left": left, "right": right, "mapping": mapping, "out": tmp_path / "out.parquet"}


def _run(files: dict[str, Path], *extra: str) -> str:
    out = io.StringIO()
    call_command(
        "link",
        f"--left={files['left']}",
        f"--right={files['right']}",
        f"--mapping={files['mapping']}",
        f"--out={files['out']}",
        *extra,
        stdout=out,
    )
    return out.getvalue()


def test_it_links_parquet_to_gbk_csv_and_writes_parquet(files: dict[str, Path]) -> None:
    printed = _run(files)
    links = pd.read_parquet(files["out"])
    assert set(zip(links.left_id, links.right_id, strict=True)) == TRUE_PAIRS
    assert {"match_probability", "match_weight", "name_level", "name_weight"} <= set(links)
    assert "匹配6对" in printed and "证件号码完全一致2对" in printed


def test_it_reads_utf8_csv_on_both_sides(files: dict[str, Path], tmp_path: Path) -> None:
    files["left"] = tmp_path / "registry.csv"
    registry().to_csv(files["left"], index=False, encoding="utf-8")
    department().to_csv(files["right"], index=False, encoding="utf-8-sig")
    _run(files)
    links = pd.read_parquet(files["out"])
    assert set(zip(links.left_id, links.right_id, strict=True)) == TRUE_PAIRS


def test_a_higher_threshold_keeps_fewer_pairs(files: dict[str, Path]) -> None:
    _run(files, "--threshold=0.999999999")
    assert len(pd.read_parquet(files["out"])) < len(TRUE_PAIRS)


def test_it_refuses_a_table_without_a_mapped_column(files: dict[str, Path]) -> None:
    department().drop(columns="住址").to_csv(files["right"], index=False)
    with pytest.raises(CommandError, match="右表没有比对列“住址”"):
        _run(files)


def test_it_refuses_duplicate_ids(files: dict[str, Path]) -> None:
    right = department()
    pd.concat([right, right.head(1)]).to_csv(files["right"], index=False)
    with pytest.raises(CommandError, match="有重复值（如“D1”）"):
        _run(files)


def test_it_refuses_an_unreadable_file(files: dict[str, Path]) -> None:
    files["left"].write_bytes(b"PAR1 not really parquet")
    with pytest.raises(CommandError, match="无法读取"):
        _run(files)
    files["left"] = files["left"].with_name("absent.csv")
    with pytest.raises(CommandError, match="找不到文件"):
        _run(files)


def test_it_refuses_a_bad_mapping_and_threshold(files: dict[str, Path]) -> None:
    files["mapping"].write_text(MAPPING_YAML.replace("kind: sex", "kind: gender"), "utf-8")
    with pytest.raises(CommandError, match="kind “gender”无法识别"):
        _run(files)
    with pytest.raises(CommandError, match="不是概率"):
        _run(files, "--threshold=2")
