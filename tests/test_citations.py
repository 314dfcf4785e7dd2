"""The citations users and county officers read: the village exit standards and the procedures
name documents they can look up, never a file of this repository."""

from __future__ import annotations

from jingzhun.cases.procedures import all_procedures
from jingzhun.policy.villages import default_standards

NOT_IN_A_CITATION = ("/", ".md", ".yaml", ".py", "DOMAIN")


def _file_like(text: str) -> list[str]:
    return [part for part in NOT_IN_A_CITATION if part in text]


def test_every_village_standard_cites_a_document() -> None:
    for code, standard in default_standards().standards.items():
        assert standard.source.strip(), code
        assert not _file_like(standard.source), (code, standard.source)


def test_every_procedure_cites_a_document() -> None:
    for (case_type, region), procedure in all_procedures().items():
        assert procedure.source.strip(), (case_type, region)
        assert not _file_like(procedure.source), (case_type, region, procedure.source)
