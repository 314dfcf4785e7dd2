"""GB 11643-1999 against the standard's own example numbers and mutations of them."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command
from hypothesis import given
from hypothesis import strategies as st

from jingzhun.core.idnumber import (
    IdNumberError,
    check_character,
    local_today,
    make_id_number,
    parse_id_number,
    upgrade_15_to_18,
)

# The examples printed in GB 11643-1999 itself.
STANDARD_EXAMPLES = {
    "11010519491231002X": (dt.date(1949, 12, 31), "F", "110105"),
    "440524188001010014": (dt.date(1880, 1, 1), "M", "440524"),
}


@pytest.mark.parametrize("number", sorted(STANDARD_EXAMPLES))
def test_it_accepts_the_standards_examples(number):
    parsed = parse_id_number(number)
    assert (parsed.birth_date, parsed.sex, parsed.area_code) == STANDARD_EXAMPLES[number]
    assert parsed.normalized == number


@pytest.mark.parametrize(
    "messy",
    [
        "11010519491231002x",
        " 110105 19491231 002X ",
        "１１０１０５１９４９１２３１００２Ｘ",
        "110105-19491231-002X",
        "110105\u300019491231002X",
    ],
)
def test_it_normalises_case_width_and_spaces(messy):
    assert parse_id_number(messy).normalized == "11010519491231002X"


def test_it_upgrades_15_digit_numbers():
    assert upgrade_15_to_18("110105491231002") == "11010519491231002X"
    parsed = parse_id_number("110105491231002")
    assert parsed.upgraded_from_15
    assert parsed.normalized == "11010519491231002X"


@pytest.mark.parametrize("position", range(17))
def test_it_rejects_every_single_digit_mutation_of_an_example(position):
    number = "11010519491231002X"
    for digit in "0123456789":
        if digit == number[position]:
            continue
        mutated = number[:position] + digit + number[position + 1 :]
        with pytest.raises(IdNumberError):
            parse_id_number(mutated)


def test_it_rejects_swapped_adjacent_digits_in_the_sequence():
    with pytest.raises(IdNumberError, match="校验位"):
        parse_id_number("440524188001010104")


@pytest.mark.parametrize(
    ("number", "fragment"),
    [
        ("", "为空"),
        ("1101051949123100", "16位"),
        ("11010519491231002A", "最后一位"),
        ("11010519490231002X", "不是有效日期"),  # 31 Feb
        ("99010519491231002X", "省级代码"),
        ("999999199001011234", "占位"),
        ("110105209901011234", "晚于今天"),
    ],
)
def test_it_explains_what_is_wrong(number, fragment):
    with pytest.raises(IdNumberError, match=fragment):
        parse_id_number(number)


@given(
    birth=st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2024, 12, 31)),
    sequence=st.integers(min_value=0, max_value=999),
)
def test_generated_numbers_round_trip(birth, sequence):
    number = make_id_number("140922", birth, sequence)
    parsed = parse_id_number(number)
    assert parsed.birth_date == birth
    assert parsed.sex == ("M" if sequence % 2 else "F")
    assert number[-1] == check_character(number[:17])


def test_check_id_command_prints_one_json_object_per_number(capsys):
    call_command("check_id", "11010519491231002x", "110105194912310021")
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert lines[0] == {
        "input": "11010519491231002x",
        "valid": True,
        "normalized": "11010519491231002X",
        "birth_date": "1949-12-31",
        "sex": "F",
        "area_code": "110105",
        "error": None,
    }
    assert lines[1]["valid"] is False
    assert "校验位" in lines[1]["error"]
    assert set(lines[1]) == {
        "input",
        "valid",
        "normalized",
        "birth_date",
        "sex",
        "area_code",
        "error",
    }


# 2025-01-01 00:30 in Shanghai is still 2024-12-31 on a server clock in UTC.
NEW_YEAR_IN_SHANGHAI = dt.datetime(2025, 1, 1, 0, 30, tzinfo=ZoneInfo("Asia/Shanghai"))


def test_today_is_the_day_in_shanghai_not_on_the_server_clock():
    with time_machine.travel(NEW_YEAR_IN_SHANGHAI, tick=False):
        assert local_today() == dt.date(2025, 1, 1)
        born_today = make_id_number("110105", dt.date(2025, 1, 1), 1)
        assert parse_id_number(born_today).birth_date == dt.date(2025, 1, 1)


def test_it_checks_numbers_where_django_has_no_settings():
    """Scripts and batch workers import this module without Django settings."""
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    code = (
        "from jingzhun.core.idnumber import local_today, parse_id_number;"
        "print(parse_id_number('11010519491231002X').sex, local_today().isoformat())"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    sex, today = done.stdout.split()
    assert sex == "F"
    assert today in {  # the subprocess may start either side of midnight
        (dt.datetime.now(ZoneInfo("Asia/Shanghai")) + dt.timedelta(minutes=m)).date().isoformat()
        for m in (-5, 0, 5)
    }
