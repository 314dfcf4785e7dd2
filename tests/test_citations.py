"""The citations users and county officers read name documents they can look up, never a file of
this repository: the village exit standards, the procedures, and nothing in the product cites the
team's private notes (the project's own account is docs/domain.md)."""

from __future__ import annotations

import re
from pathlib import Path

from jingzhun.cases.procedures import all_procedures
from jingzhun.policy.parameters import load_directory
from jingzhun.policy.villages import default_standards

NOT_IN_A_CITATION = ("/", ".md", ".yaml", ".py", "DOMAIN")
# A reference to a line of a file, in either language ("第12行", "line 12").
LINE_REFERENCE = re.compile(r"第\s*\d+\s*行|\bline\b", re.IGNORECASE)


def _file_like(text: str) -> list[str]:
    found = [part for part in NOT_IN_A_CITATION if part in text]
    return found + LINE_REFERENCE.findall(text)


def test_every_village_standard_cites_a_document() -> None:
    for code, standard in default_standards().standards.items():
        assert standard.source.strip(), code
        assert not _file_like(standard.source), (code, standard.source)


def test_every_procedure_cites_a_document() -> None:
    for (case_type, region), procedure in all_procedures().items():
        assert procedure.source.strip(), (case_type, region)
        assert not _file_like(procedure.source), (case_type, region, procedure.source)


def test_every_parameter_value_cites_a_document_not_a_file_or_a_note() -> None:
    for p in load_directory().all():
        assert p.source.strip(), p.version
        assert not _file_like(p.source), (p.version, p.source)


def test_the_citation_check_catches_files_notes_and_lines() -> None:
    assert _file_like("见 notes.md") == [".md"]
    assert _file_like("poverty_line.yaml 第12行") == [".yaml", "第12行"]
    assert _file_like("see line 4") == ["line"]
    assert _file_like("《关于建立贫困退出机制的意见》（厅字〔2016〕16号）") == []


REPOSITORY = Path(__file__).resolve().parent.parent
# Built from two parts so that this file does not name the notes itself.
PRIVATE_NOTES = ("DOMAIN" + ".md").encode()


def _shipped_files() -> list[Path]:
    files = [REPOSITORY / "README.md"]
    for top in ("jingzhun", "docs", "tests", "benchmarks"):
        files += [
            path
            for path in (REPOSITORY / top).rglob("*")
            if path.is_file() and "__pycache__" not in path.parts
        ]
    return files


def test_nothing_in_the_product_cites_the_teams_private_notes() -> None:
    files = _shipped_files()
    assert any(path.name == "domain.md" for path in files)  # the walk did reach docs/
    citing = [
        str(path.relative_to(REPOSITORY)) for path in files if PRIVATE_NOTES in path.read_bytes()
    ]
    assert citing == []
