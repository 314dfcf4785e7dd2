"""The batch quality run: every runnable check as one set-based query on a backend.

``run_checks(backend, ctx)`` prepares the frames (households with their county's policy
parameters joined, members with their age and household fields), asks each check for its Ibis
expression, unions them and runs the union once. The result is an Arrow table of findings:
``check_code, household_id, member_id (null for household checks), village_code, details``.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable

import ibis
import ibis.expr.types as ir
import pyarrow as pa

from jingzhun.analytics.backend import Backend
from jingzhun.quality.checks import (
    ID18_RE,
    PLACEHOLDER_RE,
    WEIGHTS,
    Check,
    Frames,
    age_expr,
    runnable_checks,
    village_checks,
    village_findings_expr,
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


def _remainder_weights(weights: tuple[int, ...]) -> tuple[int, ...]:
    """``a_1 … a_n`` such that Σ weights[i]·digit_i ≡ Σ a_j·(N mod 10^j) (mod 11) for every
    number N of n = len(weights) digits (weights[0] weighs the leftmost digit).

    10 ≡ −1 (mod 11), so the digit d_k at position k (counted from the right) satisfies
    d_k ≡ (−1)^k·(N mod 10^(k+1) − N mod 10^k); summing c_k·d_k with c_k = w_k·(−1)^k and
    regrouping by remainder gives a_j = c_(j−1) − c_j (c_n = 0), reduced mod 11."""
    n = len(weights)
    c = [weights[n - 1 - k] * (-1) ** k for k in range(n)] + [0]
    return tuple((c[j - 1] - c[j]) % 11 for j in range(1, n + 1))


# The ID number's first 17 digits in two integers of 8 and 9 digits (exact on every engine).
_ID_PARTS = ((0, 8, _remainder_weights(WEIGHTS[:8])), (8, 9, _remainder_weights(WEIGHTS[8:])))


def id_checksum_mod11(number: ir.StringValue) -> ir.IntegerValue:
    """The same value as :func:`jingzhun.quality.checks.id_checksum_expr` (GB 11643 weighted
    sum of the first 17 digits mod 11; 0 when the number is not 18 characters of the right
    shape), with integer remainders and products only.

    Taking the digits apart needs a floor division per digit, which Ibis compiles to
    ``FLOOR(x / 10^k)`` in floating point on DuckDB: 2.8 s for three million members when
    measured alone, against 0.7 s for remainders by powers of ten (see
    :func:`_remainder_weights`). tests/quality/test_batch.py compares the two expressions and
    the entry-time rule on generated numbers."""
    shape = number.re_search(ID18_RE)
    total = ibis.literal(0, type="int64")
    for start, width, coefficients in _ID_PARTS:
        part = ibis.ifelse(shape, number.substr(start, width), "0").cast("int64")
        for j, a in enumerate(coefficients, start=1):
            if a:
                total = total + (part if j == width else part % 10**j) * a
    return (total % 11).cast("int32")


def prepare_frames(backend: Backend, ctx: CheckContext) -> Frames:
    """The frames every check reads, each prepared with :meth:`Backend.share`: on DuckDB they
    are named parts of the one query that runs the checks (computed once in it, only the
    columns the checks read), on PostgreSQL temporary tables. The parameter table is a small
    temporary table, so the SQL does not depend on the data (see :func:`run_checks`)."""
    households = backend.table("households")
    households = households.mutate(county_code=households.village_code.substr(0, 6))
    counties = backend.execute(households.select("county_code").distinct())
    codes = sorted(code for code in counties.column("county_code").to_pylist() if code)
    params = backend.materialize("q_params", ibis.memtable(ctx.params_table(codes)))
    params = params.rename(pc_code="county_code")
    h = households.left_join(params, households.county_code == params.pc_code).drop("pc_code")
    h = backend.share("q_households", h)
    p_cols = list(PARAMETER_COLUMNS.values())
    hv = h.select("household_type", "monitoring_category", "village_code", *p_cols, hv_id=h.id)
    members = backend.table("members").select(*MEMBER_COLUMNS)
    m = members.join(hv, members.household_id == hv.hv_id).drop("hv_id")
    # Computed once per member here rather than in every check that needs them.
    m = m.mutate(
        age=age_expr(m.birth_date, ctx.as_of),
        id_shape=m.id_number.re_search(ID18_RE),
        id_placeholder=m.id_number.re_search(PLACEHOLDER_RE),
        id_checksum=id_checksum_mod11(m.id_number),
    )
    incomes = backend.table("incomes")
    conditions = backend.table("conditions")
    measures = backend.table("measures")
    return Frames(
        households=h,
        members=backend.share("q_members", m),
        incomes=backend.share("q_incomes", incomes.filter(incomes.year == ctx.year)),
        conditions=backend.share("q_conditions", conditions.filter(conditions.year == ctx.year)),
        risks=backend.share("q_risks", backend.table("risks")),
        measures=backend.share("q_measures", measures.filter(measures.year == ctx.year)),
        year=ctx.year,
    )


def findings_expr(frames: Frames, checks: Iterable[Check]) -> ir.Table:
    checks = list(checks)
    # Village checks come back with their village and no household: added after the join.
    village = village_findings_expr(frames, [c for c in checks if c.per_village])
    parts = []
    for check in checks:
        if check.per_village:
            continue
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
    # One DISTINCT over the whole union: ``ibis.union(distinct=True)`` nests a deduplicating
    # UNION per check.
    if not parts:
        assert village is not None
        return village
    union = ibis.union(*parts, distinct=False).distinct()
    h = frames.households.select(vh_id="id", village_code="village_code")
    j = union.join(h, union.household_id == h.vh_id)
    found = j.select("check_code", "household_id", "member_id", "village_code", "details")
    return found if village is None else found.union(village, distinct=True)


# The union's SQL depends only on the engine, the year (review-year filters, the day ages are
# counted on), the checks and the frames' columns (a parameter table may carry more columns):
# the data and the parameter values live in the tables it names. It is compiled once per
# process; compiling ~30 checks through Ibis/sqlglot costs about a second.
_compiled: dict[tuple[Hashable, ...], str] = {}


def _frame_schemas(frames: Frames) -> tuple[ibis.Schema, ...]:
    return tuple(
        t.schema()
        for t in (
            frames.households,
            frames.members,
            frames.incomes,
            frames.conditions,
            frames.risks,
            frames.measures,
        )
    )


def run_checks(
    backend: Backend, ctx: CheckContext, checks: Iterable[Check] | None = None
) -> pa.Table:
    """All findings of ``checks`` (default: every runnable check) as an Arrow table."""
    frames = prepare_frames(backend, ctx)
    selected = list(checks) if checks is not None else runnable_checks() + village_checks()
    if not selected:
        return FINDING_SCHEMA.empty_table()
    key = (backend.name, ctx.year, tuple(c.code for c in selected), _frame_schemas(frames))
    if key not in _compiled:
        _compiled[key] = backend.compile(findings_expr(frames, selected))
    found = backend.run_sql(_compiled[key])
    if found.num_rows == 0:
        return FINDING_SCHEMA.empty_table()
    return found.select(FINDING_SCHEMA.names).cast(FINDING_SCHEMA)
