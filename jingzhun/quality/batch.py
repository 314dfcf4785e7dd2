"""The batch quality run: every runnable check as one set-based query on a backend.

``run_checks(backend, ctx)`` prepares the frames (households with their county's policy
parameters joined, members with their age and household fields), asks each check for its Ibis
expression, unions them and runs the union once. The result is an Arrow table of findings:
``check_code, household_id, member_id (null for household checks), village_code, details``.
"""

from __future__ import annotations

from collections.abc import Iterable

import ibis
import ibis.expr.types as ir
import pyarrow as pa

from jingzhun.analytics.backend import Backend
from jingzhun.quality.checks import (
    ID18_RE,
    PLACEHOLDER_RE,
    Check,
    Frames,
    age_expr,
    id_checksum_expr,
    runnable_checks,
)
from jingzhun.quality.context import PARAMETER_COLUMNS, CheckContext

FINDING_SCHEMA = pa.schema(
    [
        pa.field("check_code", pa.string()),
        pa.field("household_id", pa.int64()),
        pa.field("member_id", pa.int64()),
        pa.field("village_code", pa.string()),
        pa.field("details", pa.string()),
    ]
)


# The member columns the checks read (the rest of the snapshot's columns are not carried along).
MEMBER_COLUMNS = (
    "id",
    "household_id",
    "sex",
    "id_type",
    "id_number",
    "birth_date",
    "relation",
    "education",
    "student_status",
    "health",
    "labour_skill",
    "work_status",
    "work_months",
    "resident_medical_insurance",
    "employee_medical_insurance",
)


def prepare_frames(backend: Backend, ctx: CheckContext) -> Frames:
    households = backend.table("households")
    households = households.mutate(county_code=households.village_code.substr(0, 6))
    counties = backend.execute(households.select("county_code").distinct())
    codes = sorted(code for code in counties.column("county_code").to_pylist() if code)
    params = ibis.memtable(ctx.params_table(codes)).rename(pc_code="county_code")
    h = households.left_join(params, households.county_code == params.pc_code).drop("pc_code")
    p_cols = list(PARAMETER_COLUMNS.values())
    hv = h.select("household_type", "monitoring_category", "village_code", *p_cols, hv_id=h.id)
    members = backend.table("members").select(*MEMBER_COLUMNS)
    m = members.join(hv, members.household_id == hv.hv_id).drop("hv_id")
    # Computed once per member here rather than in every check that needs them.
    m = m.mutate(
        age=age_expr(m.birth_date, ctx.as_of),
        id_shape=m.id_number.re_search(ID18_RE),
        id_placeholder=m.id_number.re_search(PLACEHOLDER_RE),
        id_checksum=id_checksum_expr(m),
    )
    incomes = backend.table("incomes")
    conditions = backend.table("conditions")
    # Computed once: every check reads these, and the SQL stays small.
    return Frames(
        households=backend.materialize("q_households", h),
        members=backend.materialize("q_members", m),
        incomes=backend.materialize("q_incomes", incomes.filter(incomes.year == ctx.year)),
        conditions=backend.materialize(
            "q_conditions", conditions.filter(conditions.year == ctx.year)
        ),
        risks=backend.materialize("q_risks", backend.table("risks")),
        year=ctx.year,
    )


def findings_expr(frames: Frames, checks: Iterable[Check]) -> ir.Table:
    parts = []
    for check in checks:
        assert check.batch is not None
        part = check.batch(frames)
        parts.append(
            part.select(
                check_code=ibis.literal(check.code),
                household_id=part.household_id.cast("int64"),
                member_id=part.member_id.cast("int64"),
                details=part.details.cast("string"),
            )
        )
    union = ibis.union(*parts, distinct=True)
    h = frames.households.select(vh_id="id", village_code="village_code")
    j = union.join(h, union.household_id == h.vh_id)
    return j.select("check_code", "household_id", "member_id", "village_code", "details")


# The union's SQL depends only on the checks and the engine (the data, year and parameters live
# in the materialised q_* tables), so it is compiled once per process: compiling ~30 checks
# through Ibis/sqlglot costs seconds, running them on a million households about as much.
_compiled: dict[tuple[str, tuple[str, ...]], str] = {}


def run_checks(
    backend: Backend, ctx: CheckContext, checks: Iterable[Check] | None = None
) -> pa.Table:
    """All findings of ``checks`` (default: every runnable check) as an Arrow table."""
    frames = prepare_frames(backend, ctx)
    selected = list(checks) if checks is not None else runnable_checks()
    if not selected:
        return FINDING_SCHEMA.empty_table()
    key = (backend.name, tuple(c.code for c in selected))
    if key not in _compiled:
        _compiled[key] = backend.compile(findings_expr(frames, selected))
    found = backend.run_sql(_compiled[key])
    if found.num_rows == 0:
        return FINDING_SCHEMA.empty_table()
    return found.select(FINDING_SCHEMA.names).cast(FINDING_SCHEMA)
