"""Linking two tables of people: an exact pass on valid ID numbers, then Fellegi–Sunter
(Splink) on everything else.

:func:`link` normalises both tables by the kinds of the mapping's fields, builds one Splink
model (comparisons from :mod:`jingzhun.linkage.comparisons`), estimates its u-probabilities by
seeded random sampling and, for large enough tables, its m-probabilities by EM, and predicts
the pairs the blocking rules propose. Then, in this order:

1. Pairs whose valid ID numbers are equal are links with probability 1.0 (reason
   "证件号码完全一致"); the records they link take part in no other pair.
2. Other pairs are links when their probability reaches the threshold *and* one of the
   identifying fields agrees (``Mapping.required_columns``): a shared name, sex and village
   alone never link two namesakes.

The result has one row per link, the level and weight of every field, sorted by left id and
probability; :func:`explain` turns a row into the reasons shown to the person verifying it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

import pandas as pd
from splink import Linker, SettingsCreator, block_on
from splink.internals.blocking_rule_creator import BlockingRuleCreator
from splink.internals.exceptions import EMTrainingException

from jingzhun.linkage import normalise as n
from jingzhun.linkage.backends import Backend, database, one_edit_sql
from jingzhun.linkage.comparisons import Columns, comparison, level_of
from jingzhun.linkage.mapping import Field, Mapping, MappingError

if TYPE_CHECKING:
    import pyarrow as pa

Training = Literal["auto", "em", "fixed"]
EXACT_ID_REASON = "证件号码完全一致"
MODEL_REASON = "概率匹配"
ROW = "_row"
EXACT = "_exact_id"
SEED = 20240601
# Random pairs for the u-probabilities: 300,000 gave the same F1 as 1,000,000 on both benchmark
# sets in a third of the time; levels too rare to be seen keep their starting u-probability.
U_SAMPLE_PAIRS = 300_000
# Fewer possible pairs than this leave rare levels (equal ID numbers among non-matches) unseen
# in the random sample and the estimates noisy: the starting u-probabilities are used instead.
U_MIN_PAIRS = 10_000
# EM re-estimates the m-probabilities from the blocked pairs. It beat the starting values on
# every benchmark size tried (300, 1,000 and 3,000 registry members; FEBRL's 5,000: see
# benchmarks/RESULTS.md); below a few hundred records it has too few pairs to be trusted, and
# the starting values are kept.
EM_MIN_RECORDS = 200
# EM learns how often the same person agrees on each field, which a sample tells as well as the
# whole: above this many left records, each EM session keeps the pairs of every k-th left
# record (by row number), so that training costs the same at a million records as at 200,000.
EM_SAMPLE_RECORDS = 200_000
RESULT_COLUMNS = ("left_id", "right_id", "match_probability", "match_weight", "reason")

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class _Prepared:
    """One field's internal column names and how its raw values become comparable."""

    field: Field
    columns: Columns
    name: str  # the Splink comparison's output name: gamma_<name> and mw_<name> in predictions


def _date_text(value: Any) -> str:
    day = n.normalise_date(value)
    return day.isoformat() if day else ""


_NORMALISERS: dict[str, Callable[[Any], str]] = {
    "name": n.normalise_name,
    "id_number": n.normalise_id,
    "date": _date_text,
    "sex": n.normalise_sex,
    "address": n.normalise_text,
    "text": n.normalise_text,
    "code": n.normalise_code,
}


def _prepare(mapping: Mapping, backend: Backend) -> list[_Prepared]:
    # Internal names are plain identifiers whatever the user's columns are called (Chinese
    # titles, spaces): they go into SQL unquoted.
    one_edit = one_edit_sql(backend)
    return [
        _Prepared(one, Columns(f"f{i}", f"f{i}_py", one_edit), f"f{i}")
        for i, one in enumerate(mapping.fields)
    ]


def _as_pandas(table: pd.DataFrame | pa.Table) -> pd.DataFrame:
    return table if isinstance(table, pd.DataFrame) else table.to_pandas()


def _column(values: pd.Series, normaliser: Callable[[Any], str]) -> list[str | None]:
    """Each value normalised (None when blank). Each distinct value is normalised once: a
    million people have far fewer names, birth dates and villages than rows, and converting a
    name to simplified characters and pinyin is the costly part."""
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    done = [normaliser(value) or None for value in uniques.tolist()]
    done.append(normaliser(None) or None)  # code -1: a blank cell (None or NaN)
    return [done[code] for code in codes.tolist()]


def _normalised(
    table: pd.DataFrame, id_column: str, prepared: list[_Prepared], *, right: bool
) -> pd.DataFrame:
    """The table Splink sees: the row number as unique id, each field's normalised value (None
    when blank), the pinyin of names, and the valid ID number of the exact pass."""
    ids, side = table[id_column], "右表" if right else "左表"
    if ids.isna().any():
        raise MappingError(f"{side}的编号列“{id_column}”有空值：请为每行填写编号。")
    duplicated = ids[ids.duplicated()]
    if len(duplicated):
        raise MappingError(
            f"{side}的编号列“{id_column}”有重复值（如“{duplicated.iloc[0]}”）：编号必须唯一。"
        )
    out: dict[str, Any] = {ROW: range(len(table))}
    exact: list[str | None] | None = None
    for one in prepared:
        raw = table[one.field.right if right else one.field.column]
        out[one.columns.value] = _column(raw, _NORMALISERS[one.field.kind])
        if one.field.kind == "name":
            out[one.columns.pinyin] = _column(raw, n.name_pinyin)
        if one.field.kind == "id_number" and exact is None:
            exact = [v if v and n.valid_id(v) else None for v in out[one.columns.value]]
    out[EXACT] = exact if exact is not None else [None] * len(table)
    return pd.DataFrame(out).astype({c: "object" for c in out if c != ROW})


def _rule_sql(keys: Iterable[str]) -> str:
    """A blocking rule as SQL: every key (a column, or an expression over ``{s}``, the side's
    alias) equal on both sides."""
    return " AND ".join(
        f"{k.format(s='l')} = {k.format(s='r')}" if "{s}" in k else f"l.{k} = r.{k}" for k in keys
    )


def _blocking_keys(mapping: Mapping, prepared: list[_Prepared]) -> list[tuple[str, ...]]:
    """The mapping's blocking rules as tuples of keys (internal columns, or expressions over
    ``{s}``), or by kind: every ID number, date, name and name pinyin on its own (a pair is
    compared when any one of them is equal). ID numbers always come first: the exact pass needs
    every pair with equal numbers compared."""
    by_column = {p.field.column: p for p in prepared}
    rules: list[tuple[str, ...]] = [
        (p.columns.value,) for p in prepared if p.field.kind == "id_number"
    ]

    def key(entry: str) -> str:
        column, part = mapping.blocking_key(entry)
        columns = by_column[column].columns
        if part == "year":  # dates are ISO text: the year is the first four characters
            return f"substr({{s}}.{columns.value}, 1, 4)"
        return columns.pinyin if part == "pinyin" else columns.value

    if mapping.blocking is not None:
        rules += [tuple(key(entry) for entry in rule) for rule in mapping.blocking]
    else:
        for p in prepared:
            if p.field.kind == "date":
                rules.append((p.columns.value,))
            elif p.field.kind == "name":
                rules += [(p.columns.value,), (p.columns.pinyin,)]
        if not rules:  # only sex, address, text or code fields: any one equal
            rules = [(p.columns.value,) for p in prepared]
    return list(dict.fromkeys(rules))


def _prior_rules(prepared: list[_Prepared]) -> list[BlockingRuleCreator]:
    """Rules that almost only true matches satisfy, to estimate the share of matching pairs:
    equal ID numbers, or equal name and date; none without such fields."""
    ids = [p.columns.value for p in prepared if p.field.kind == "id_number"]
    names = [p.columns.value for p in prepared if p.field.kind == "name"]
    dates = [p.columns.value for p in prepared if p.field.kind == "date"]
    rules = [block_on(c) for c in ids]
    if names and dates:
        rules.append(block_on(*names, *dates))
    return rules


def _train(
    linker: Linker,
    prepared: list[_Prepared],
    rules: list[tuple[str, ...]],
    *,
    sizes: tuple[int, int],
    train: Training,
) -> None:
    if sizes[0] * sizes[1] >= U_MIN_PAIRS:
        linker.training.estimate_u_using_random_sampling(max_pairs=U_SAMPLE_PAIRS, seed=SEED)
    # The share of matching pairs, from the pairs that near-certainly match. When none does
    # (tiny or disjoint tables, or no ID-number, name and date fields) the starting value
    # stays: one match per record of the larger side.
    starting = 1 / max(*sizes)
    if prior_rules := _prior_rules(prepared):
        linker.training.estimate_probability_two_random_records_match(prior_rules, recall=0.9)
        estimated = linker.misc.save_model_to_json()["probability_two_random_records_match"]
        if not 0 < estimated < 1:
            logger.info("no pair satisfies the prior's rules: kept %s", starting)
            # Splink has no public setter once the linker exists.
            linker._settings_obj._probability_two_random_records_match = starting
    use_em = train == "em" or (train == "auto" and min(sizes) >= EM_MIN_RECORDS)
    if not use_em:
        return
    # Each session blocks on one rule and estimates the other fields' m-probabilities; the
    # first two rules (e.g. ID number, then date) between them cover every field. A rule that
    # gives no pair (a department's extract without ID numbers) gives way to the next.
    every = -(-sizes[0] // EM_SAMPLE_RECORDS)  # ceil: 1 keeps every left record
    sessions = 0
    for rule in rules:
        sql = _rule_sql(rule) + (f" AND l.{ROW} % {every} = 0" if every > 1 else "")
        try:
            linker.training.estimate_parameters_using_expectation_maximisation(
                sql, fix_probability_two_random_records_match=True
            )
        except EMTrainingException:
            logger.info("no pair to train on with %s: the next rule is used", sql)
            continue
        sessions += 1
        if sessions == 2:
            break


def _agrees(kind: str, gamma: Any) -> bool:
    return level_of(kind, int(gamma))[1]  # type: ignore[arg-type]


def _result(
    pairs: pd.DataFrame,
    prepared: list[_Prepared],
    mapping: Mapping,
    threshold: float,
    left_ids: pd.Series,
    right_ids: pd.Series,
) -> pd.DataFrame:
    for p in prepared:
        # Splink leaves out a comparison whose field is blank on every record (an extract
        # without ID numbers): every pair is at its missing level, weighing nothing.
        if f"gamma_{p.name}" not in pairs:
            pairs[f"gamma_{p.name}"] = -1
            pairs[f"mw_{p.name}"] = 0.0
    exact = pairs[f"{EXACT}_l"].notna() & (pairs[f"{EXACT}_l"] == pairs[f"{EXACT}_r"])
    linked_left = set(pairs.loc[exact, f"{ROW}_l"])
    linked_right = set(pairs.loc[exact, f"{ROW}_r"])
    required = [p for p in prepared if p.field.column in mapping.required_columns]
    agrees = pd.Series(not required, index=pairs.index)
    for p in required:
        agrees |= pairs[f"gamma_{p.name}"].map(lambda g, k=p.field.kind: _agrees(k, g))
    modelled = (
        ~exact
        & (pairs["match_probability"] >= threshold)
        & agrees
        & ~pairs[f"{ROW}_l"].isin(linked_left)
        & ~pairs[f"{ROW}_r"].isin(linked_right)
    )
    kept = pairs[exact | modelled]
    is_exact = exact[exact | modelled]
    out = pd.DataFrame(
        {
            "left_id": left_ids.iloc[kept[f"{ROW}_l"].to_numpy()].to_numpy(),
            "right_id": right_ids.iloc[kept[f"{ROW}_r"].to_numpy()].to_numpy(),
            "match_probability": kept["match_probability"].where(~is_exact, 1.0).to_numpy(),
            "match_weight": kept["match_weight"].to_numpy(),
            "reason": is_exact.map({True: EXACT_ID_REASON, False: MODEL_REASON}).to_numpy(),
        }
    )
    for p in prepared:
        gammas = kept[f"gamma_{p.name}"].astype(int)
        out[f"{p.field.column}_level"] = [level_of(p.field.kind, g)[0] for g in gammas.tolist()]
        out[f"{p.field.column}_weight"] = kept[f"mw_{p.name}"].astype(float).to_numpy()
    out = out.sort_values(
        ["left_id", "match_probability", "right_id"], ascending=[True, False, True], kind="stable"
    )
    return out.reset_index(drop=True)


def link(
    left: pd.DataFrame | pa.Table,
    right: pd.DataFrame | pa.Table,
    mapping: Mapping,
    *,
    threshold: float | None = None,
    backend: Backend = "duckdb",
    train: Training = "auto",
) -> pd.DataFrame:
    """The links between ``left`` and ``right``: one row per pair, columns ``left_id,
    right_id, match_probability, match_weight, reason`` and per field ``<column>_level`` (the
    comparison level's label) and ``<column>_weight`` (its log2 Bayes factor), sorted by left
    id, then probability (highest first).

    ``threshold`` overrides the mapping's. ``train``: "fixed" keeps the starting
    m-probabilities, "em" estimates them by EM, "auto" uses EM from ``EM_MIN_RECORDS`` records
    on the smaller side. Raises :class:`MappingError` for a missing column, a blank or
    duplicate id, a threshold that is not a probability."""
    threshold = mapping.threshold if threshold is None else threshold
    if not 0 < threshold <= 1:
        raise MappingError(f"匹配阈值{threshold}不是概率：请填写0到1之间的数（大于0），如0.9。")
    left_df, right_df = _as_pandas(left), _as_pandas(right)
    mapping.check_columns(list(left_df.columns), list(right_df.columns))
    prepared = _prepare(mapping, backend)
    left_n = _normalised(left_df, mapping.left_id, prepared, right=False)
    right_n = _normalised(right_df, mapping.right_id, prepared, right=True)
    if left_n.empty or right_n.empty:
        return _empty(prepared)
    rules = _blocking_keys(mapping, prepared)
    settings = SettingsCreator(
        link_type="link_only",
        unique_id_column_name=ROW,
        comparisons=[comparison(p.field.kind, p.columns, p.name) for p in prepared],
        blocking_rules_to_generate_predictions=[_rule_sql(rule) for rule in rules],
        # gamma_<field> (the level) comes only with the matching columns; mw_<field> (the
        # field's weight) with the intermediate ones.
        retain_intermediate_calculation_columns=True,
        retain_matching_columns=True,
        additional_columns_to_retain=[EXACT],
        probability_two_random_records_match=1 / max(len(left_n), len(right_n)),
    )
    db = database(backend)
    linker = Linker(
        [_register(db, left_n, backend), _register(db, right_n, backend)],
        settings,
        # Splink narrates every training step at INFO and warns about the u-probabilities we
        # deliberately keep for small tables: errors only.
        log_level=logging.ERROR,
    )
    _train(linker, prepared, rules, sizes=(len(left_n), len(right_n)), train=train)
    # Without ID numbers there is no exact pass, whose pairs link whatever their probability:
    # Splink then keeps only the pairs reaching the threshold instead of writing every pair.
    no_ids = not any(p.field.kind == "id_number" for p in prepared)
    predicted = linker.inference.predict(threshold_match_probability=threshold if no_ids else None)
    # Filtered in the backend: only candidate links (and every equal-ID pair) come back.
    # The table name is Splink's own and the threshold a float: nothing user-written.
    wanted = (
        f"SELECT * FROM {predicted.physical_name} "  # noqa: S608
        f"WHERE match_probability >= {float(threshold)!r} OR {EXACT}_l = {EXACT}_r"
    )
    pairs = linker.misc.query_sql(wanted, output_type="pandas")
    if pairs.empty:
        return _empty(prepared)
    return _result(
        pairs, prepared, mapping, threshold, left_df[mapping.left_id], right_df[mapping.right_id]
    )


def _register(db: Any, frame: pd.DataFrame, backend: Backend) -> Any:
    """``frame`` as a table of ``db`` whose every column but the row number is text — even a
    column with no value at all (a department's extract with its ID column left blank), whose
    type the engine would otherwise guess as a number or as nothing, failing the comparisons."""
    if backend == "spark":
        from pyspark.sql.types import LongType, StringType, StructField, StructType

        schema = StructType(
            [StructField(c, LongType() if c == ROW else StringType()) for c in frame.columns]
        )
        return db.register(db.spark.createDataFrame(frame, schema=schema))
    return db.register(frame.astype({c: "string" for c in frame.columns if c != ROW}))


def _empty(prepared: Iterable[_Prepared]) -> pd.DataFrame:
    columns = list(RESULT_COLUMNS)
    for p in prepared:
        columns += [f"{p.field.column}_level", f"{p.field.column}_weight"]
    return pd.DataFrame({c: [] for c in columns})


def explain(row: pd.Series | dict[str, Any]) -> list[tuple[str, str, float]]:
    """The reasons behind one result row: (field column, level label, weight) for every field,
    in the mapping's order. The weight is the field's log2 Bayes factor: positive for evidence
    that the two records are the same person, negative against, 0 when missing."""
    data = dict(row)
    reasons = []
    for key, value in data.items():
        if key.endswith("_level") and f"{key[: -len('_level')]}_weight" in data:
            column = key[: -len("_level")]
            reasons.append((column, str(value), float(data[f"{column}_weight"])))
    return reasons
