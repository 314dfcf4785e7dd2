"""The linker on a small labelled village: every way a department writes a member is found,
and namesakes never link on their name alone."""

from __future__ import annotations

import dataclasses

import pandas as pd
import pyarrow as pa
import pytest

from jingzhun.linkage.linker import EXACT_ID_REASON, MODEL_REASON, explain, link
from jingzhun.linkage.mapping import Field, Mapping, MappingError
from tests.linkage.data import MAPPING, TRUE_PAIRS, department, registry


def _pairs(links: pd.DataFrame) -> set[tuple[str, str]]:
    return set(zip(links.left_id, links.right_id, strict=True))


@pytest.fixture(scope="module")
def links() -> pd.DataFrame:
    return link(registry(), department(), MAPPING)


def test_it_finds_exactly_the_true_pairs(links: pd.DataFrame) -> None:
    assert _pairs(links) == TRUE_PAIRS


def test_the_result_has_a_level_and_weight_per_field_sorted_by_left_id(links: pd.DataFrame) -> None:
    assert list(links.columns) == [
        "left_id", "right_id", "match_probability", "match_weight", "reason",
        "name_level", "name_weight", "id_number_level", "id_number_weight",
        "birth_date_level", "birth_date_weight", "sex_level", "sex_weight",
        "village_level", "village_weight",
    ]  # fmt: skip
    assert list(links.left_id) == sorted(links.left_id)
    assert (links.match_probability >= MAPPING.threshold).all()


def _row(links: pd.DataFrame, left: str) -> pd.Series:
    return links.set_index("left_id").loc[left]


def test_equal_valid_id_numbers_link_with_certainty(links: pd.DataFrame) -> None:
    for left in ("L2", "L7"):  # a 15-digit number; lower case x with spaces
        row = _row(links, left)
        assert row.reason == EXACT_ID_REASON
        assert row.match_probability == 1.0
        assert row.id_number_level == "完全一致"


def test_each_difference_is_named_by_its_level(links: pd.DataFrame) -> None:
    assert _row(links, "L1").name_level == "完全一致"  # 王建國 simplified
    assert _row(links, "L1").birth_date_level == "完全一致"  # 1975年3月8日
    assert _row(links, "L1").id_number_level == "缺失"
    assert _row(links, "L3").name_level == "拼音相同"  # 张铭华 / 张明华
    assert _row(links, "L6").name_level == "相差一个字"  # 赵志刚 / 赵志强
    assert _row(links, "L6").id_number_level == "相差一位"
    assert _row(links, "L6").reason == MODEL_REASON


def test_explain_gives_the_reasons_of_a_link(links: pd.DataFrame) -> None:
    row = links.set_index("left_id").loc["L6"].to_dict()
    reasons = explain(row)
    assert [field for field, _, _ in reasons] == [
        "name", "id_number", "birth_date", "sex", "village",
    ]  # fmt: skip
    assert reasons[1][:2] == ("id_number", "相差一位")
    assert reasons[1][2] > 0  # a near ID number is evidence for the link
    missing = explain(links.set_index("left_id").loc["L1"])
    assert ("id_number", "缺失", 0.0) in missing


def test_a_namesake_in_the_same_village_never_links_on_name_sex_and_village() -> None:
    # D8 is 王秀英, a woman of 东冶村, with no ID number and no birth date: two registry members
    # fit. Without the rule her name, sex and village would link her.
    left, right = registry(), department()
    assert not {pair for pair in _pairs(link(left, right, MAPPING)) if pair[1] in {"D5", "D8"}}
    loose = dataclasses.replace(MAPPING, require_any=())
    assert {("L4", "D8"), ("L5", "D8")} & _pairs(link(left, right, loose))


def test_a_record_linked_by_id_takes_part_in_no_other_pair() -> None:
    left = registry()
    right = department()
    # A second record of L2's person without the ID: same name and date as the linked one.
    extra = right[right["编号"] == "D2"].assign(编号="D9", 证件号码=None)
    links = link(left, pd.concat([right, extra], ignore_index=True), MAPPING)
    assert ("L2", "D2") in _pairs(links) and ("L2", "D9") not in _pairs(links)


def test_given_blocking_rules_still_compare_every_pair_with_equal_id_numbers() -> None:
    right = department()
    right.loc[right["编号"] == "D7", "姓名"] = "陈玉贞"  # not equal on the only given rule
    by_name = dataclasses.replace(MAPPING, blocking=(("name",),))
    links = link(registry(), right, by_name)
    assert ("L7", "D7") in _pairs(links)
    assert ("L6", "D6") not in _pairs(links)  # 赵志刚/赵志强: never compared


def test_blocking_on_a_names_pinyin_and_a_dates_year() -> None:
    right = department()
    right.loc[right["编号"] == "D3", "出生日期"] = "1960/4/5"  # day and month swapped
    by_sound_and_year = dataclasses.replace(MAPPING, blocking=(("name.pinyin", "birth_date.year"),))
    links = link(registry(), right, by_sound_and_year)
    assert ("L3", "D3") in _pairs(links)  # 张明华/张铭华, born 1960: compared and linked
    assert _row(links, "L3").birth_date_level == "月日颠倒"
    assert ("L6", "D6") not in _pairs(links)  # zhaozhiqiang/zhaozhigang: never compared
    assert ("L7", "D7") in _pairs(links)  # equal ID numbers are always compared


@pytest.mark.parametrize("train", ["fixed", "em"])
def test_an_extract_without_any_id_number_still_links(train: str) -> None:
    left, right, truth = _copies(30)  # 240 records: enough for EM
    right["证件号码"] = None  # the whole column blank: no exact pass, no ID rule to train on
    links = link(left, right, MAPPING, train=train)
    assert len(_pairs(links) & truth) >= 0.9 * len(truth)
    assert set(links.id_number_level) == {"缺失"} and set(links.id_number_weight) == {0.0}


def test_the_threshold_can_be_raised_but_id_links_stay(links: pd.DataFrame) -> None:
    strict = link(registry(), department(), MAPPING, threshold=0.999999999)
    assert {("L2", "D2"), ("L7", "D7")} <= _pairs(strict) <= _pairs(links)


def test_it_is_deterministic_and_reads_arrow_tables(links: pd.DataFrame) -> None:
    right = department()
    # Arrow columns have one type: the Excel serial number arrives as text.
    right["出生日期"] = [None if v is None else str(v) for v in right["出生日期"]]
    again = link(pa.Table.from_pandas(registry()), pa.Table.from_pandas(right), MAPPING)
    pd.testing.assert_frame_equal(again, links)


def test_training_by_em_finds_the_same_pairs() -> None:
    assert _pairs(link(registry(), department(), MAPPING, train="em")) == TRUE_PAIRS


def test_it_refuses_duplicate_and_blank_ids() -> None:
    left = registry()
    with pytest.raises(MappingError, match="左表的编号列“rec_id”有重复值"):
        link(pd.concat([left, left.head(1)]), department(), MAPPING)
    right = department().assign(编号=None)
    with pytest.raises(MappingError, match="右表的编号列“编号”有空值"):
        link(left, right, MAPPING)
    with pytest.raises(MappingError, match="左表没有比对列“village”"):
        link(left.drop(columns="village"), department(), MAPPING)


def test_it_refuses_a_threshold_that_is_not_a_probability() -> None:
    with pytest.raises(MappingError, match="匹配阈值0不是概率"):
        link(registry(), department(), MAPPING, threshold=0)


def test_empty_tables_give_an_empty_result_with_the_columns() -> None:
    empty = link(registry().head(0), department(), MAPPING)
    assert empty.empty and "name_level" in empty.columns


def test_it_links_non_chinese_data_on_text_and_code_fields() -> None:
    left = pd.DataFrame(
        {
            "id": [1, 2, 3, 4],
            "company": ["Acme Widgets Ltd", "Northwind Traders", "Contoso Pharma", "Fabrikam"],
            "city": ["Leeds", "London", "Bristol", "York"],
            "postcode": ["LS1 4AP", "EC1A 1BB", "BS1 5TR", "YO1 7HH"],
        }
    )
    right = pd.DataFrame(
        {
            "ref": ["a", "b", "c", "d"],
            "company": ["ACME  Widgets Ltd.", "Northwind Trader", "Tailspin Toys", "Fabrikam"],
            "city": ["leeds", "London", "Bristol", "Hull"],
            "postcode": ["LS1 4AP", "EC1A 1BB", "BS2 0JA", "HU1 1AA"],
        }
    )
    mapping = Mapping(
        "id",
        "ref",
        (Field("company", "text"), Field("city", "text"), Field("postcode", "code")),
        threshold=0.5,
    )
    links = link(left, right, mapping)
    assert _pairs(links) == {(1, "a"), (2, "b")}
    assert set(links.company_level) == {"非常相似"}


def _copies(count: int) -> tuple[pd.DataFrame, pd.DataFrame, set[tuple[str, str]]]:
    """``count`` villages like the test village: its people and records under other ids, no ID
    numbers, each village its own name."""
    lefts, rights, truth = [], [], set()
    for i in range(count):
        left, right = registry(), department()
        left["rec_id"] += f"-{i}"
        left["village"] += str(i)
        left["id_number"] = None
        right["编号"] += f"-{i}"
        right["住址"] += str(i)
        right["证件号码"] = None
        lefts.append(left)
        rights.append(right)
        truth |= {(a + f"-{i}", b + f"-{i}") for a, b in TRUE_PAIRS}
    return pd.concat(lefts, ignore_index=True), pd.concat(rights, ignore_index=True), truth


def test_em_on_a_sample_of_a_large_table_finds_the_same_pairs(monkeypatch) -> None:
    from splink.internals.linker_components.training import LinkerTraining

    from jingzhun.linkage import linker

    left, right, truth = _copies(40)  # 320 left records: EM runs
    whole = _pairs(link(left, right, MAPPING, train="em"))

    rules: list[str] = []
    em = LinkerTraining.estimate_parameters_using_expectation_maximisation

    def spy(self, blocking_rule, *args, **kwargs):
        rules.append(blocking_rule)
        return em(self, blocking_rule, *args, **kwargs)

    monkeypatch.setattr(LinkerTraining, "estimate_parameters_using_expectation_maximisation", spy)
    monkeypatch.setattr(linker, "EM_SAMPLE_RECORDS", 100)  # every 4th left record
    sampled = _pairs(link(left, right, MAPPING, train="em"))

    assert rules and all(rule.endswith("l._row % 4 = 0") for rule in rules)
    assert sampled == whole
    assert len(whole & truth) >= 0.95 * len(truth)
