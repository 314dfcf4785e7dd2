"""Reading one cell of an import: normalise it (and say how) or refuse it (and say why and the fix).

Every function here is pure: it takes the raw cell value as the reader produced it (str from CSV,
str/int/float/bool/date/datetime from xlsx and Parquet) and returns a :class:`Cell` with the value
to store and the notes describing each normalisation applied, or raises :class:`CellError`.
Nothing is dropped silently: a value is either kept, normalised with a note, or refused.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import Any

from django.utils import translation

from jingzhun.core.formulas import restore
from jingzhun.core.idnumber import IdNumberError, normalize_id_text, parse_id_number
from jingzhun.core.names import _t2s, clean_display_name
from jingzhun.registry import choices as c
from jingzhun.registry.synonyms import synonyms

EXCEL_EPOCH = dt.date(1899, 12, 30)  # Excel's day 0 (with the 1900 leap-year bug folded in)
_SPACES = re.compile(r"[\s\u3000]+")


class CellError(ValueError):
    """The cell cannot be read. ``reason`` says what is wrong, ``fix`` what to do."""

    def __init__(self, reason: str, fix: str) -> None:
        super().__init__(reason)
        self.reason = reason
        self.fix = fix


@dataclass
class Cell:
    value: Any
    notes: list[str] = field(default_factory=list)


def is_blank(raw: Any) -> bool:
    return raw is None or (isinstance(raw, str) and not _SPACES.sub("", raw))


def to_simplified(text: str) -> str:
    """NFKC width folding, spaces removed, traditional → simplified (OpenCC t2s)."""
    return _t2s().convert(_SPACES.sub("", unicodedata.normalize("NFKC", text)))


def _as_text(raw: Any) -> str:
    if isinstance(raw, float) and raw.is_integer():
        return str(int(raw))
    return str(raw)


_NUL_NOTE = "去除不可见的空字符（NUL）"


def _without_nul(text: str, notes: list[str]) -> str:
    """``text`` without NUL characters (noted): PostgreSQL cannot store them in text, and a
    CSV or Parquet file exported by another system may carry them, invisible to the user."""
    if "\x00" in text:
        notes.append(_NUL_NOTE)
        return text.replace("\x00", "")
    return text


def read_text(raw: Any) -> Cell:
    """Plain text; an apostrophe our own exports put before a formula-like text is removed."""
    notes: list[str] = []
    text = restore(_without_nul(_as_text(raw), notes).strip())
    return Cell(text, notes)


def read_name(raw: Any) -> Cell:
    """A person's name is stored as entered (search folds traditional/simplified itself)."""
    nul: list[str] = []
    text = _without_nul(_as_text(raw), nul)
    clean = clean_display_name(text)
    notes = nul + (["去除多余空格"] if clean != text else [])
    if clean and to_simplified(clean) != _SPACES.sub("", unicodedata.normalize("NFKC", clean)):
        notes.append("姓名含繁体字：按原样保存，检索时按简体匹配")
    return Cell(clean, notes)


def read_id(raw: Any, *, resident_id: bool = True) -> Cell:
    """An ID number: full-width digits, spaces and lower-case x are normalised; a number that
    Excel stored as a numeric cell (and so lost its last digits) is refused."""
    if isinstance(raw, float | int) and not isinstance(raw, bool):
        if isinstance(raw, float) and abs(raw) >= 1e15:
            raise CellError(
                "证件号码被Excel存成了数字，末几位已丢失",
                "把该列设为“文本”格式后重新录入证件号码",
            )
        raw = _as_text(raw)
    notes: list[str] = []
    text = _without_nul(str(raw), notes)
    normalized = normalize_id_text(text)
    if unicodedata.normalize("NFKC", text) != text:
        notes.append("全角字符转为半角")
    if re.search(r"[\s\-_\u3000]", text):
        notes.append("去除空格或分隔符")
    if "x" in text or "ｘ" in text:
        notes.append("小写x改为大写X")
    if not resident_id:
        return Cell(normalized, notes)
    try:
        parsed = parse_id_number(text)
    except IdNumberError as error:
        raise CellError(str(error), "核对证件号码后重新填写") from None
    if parsed.upgraded_from_15:
        notes.append("15位旧号码升级为18位")
    return Cell(parsed.normalized, notes)


@lru_cache(maxsize=64)
def _choice_index(class_name: str) -> dict[str, str]:
    """Simplified, width-folded label (and code) → stored code, for one value list."""
    enum = getattr(c, class_name)
    index: dict[str, str] = {}
    with translation.override("zh-hans"):
        for value, label in enum.choices:
            index[to_simplified(str(label))] = value
            index[to_simplified(str(value))] = value
    return index


@lru_cache(maxsize=64)
def _variant_index(class_name: str) -> dict[str, str]:
    """The reviewed variants of one value list (jingzhun/registry/synonyms.yaml)."""
    return {to_simplified(k): v for k, v in synonyms(class_name).items()}


_NEGATIONS = ("非", "不", "未", "无", "没")


def _fitting(class_name: str, key: str) -> list[str]:
    """Labels that ``key`` abbreviates (the label contains it): 弱劳动力 → 弱劳动力或半劳动力.
    One fitting label reads as that label; several are the ambiguity the user must resolve.
    A negation (非, 不 …) never abbreviates a label that lacks it."""
    if len(key) < 2:
        return []
    out = []
    for label in choice_labels(class_name):
        simple = to_simplified(label)
        if key in simple and (not key.startswith(_NEGATIONS) or simple.startswith(key[0])):
            out.append(label)
    return out


def choice_labels(class_name: str) -> list[str]:
    enum = getattr(c, class_name)
    with translation.override("zh-hans"):
        return [str(label) for label in enum.labels]


def _label_of(class_name: str, value: str) -> str:
    with translation.override("zh-hans"):
        return str(getattr(c, class_name)(value).label)


def read_choice(raw: Any, class_name: str) -> Cell:
    """A value list's label, code, reviewed variant (synonyms.yaml) or an unambiguous short
    form of one label, each non-literal reading noted; anything else is refused, naming the
    labels that would fit when there are several."""
    text = _as_text(raw)
    key = to_simplified(text)
    value = _choice_index(class_name).get(key)
    if value is not None:
        label = _label_of(class_name, value)
        notes: list[str] = []
        if text != label and key != to_simplified(str(value)):
            if to_simplified(text) != _SPACES.sub("", unicodedata.normalize("NFKC", text)):
                notes.append(f"繁体“{text}”按简体“{label}”读取")
            elif text.strip() != label:
                notes.append(f"“{text}”读作“{label}”")
        return Cell(value, notes)
    value = _variant_index(class_name).get(key)
    if value is not None:
        return Cell(value, [f"“{text}”按同义词表读作“{_label_of(class_name, value)}”"])
    fitting = _fitting(class_name, key)
    if len(fitting) == 1:
        value = _choice_index(class_name)[to_simplified(fitting[0])]
        return Cell(value, [f"“{text}”读作唯一相符的取值“{fitting[0]}”"])
    if fitting:
        raise CellError(
            f"“{text}”有歧义，可能是：{'、'.join(fitting)}",
            f"请改为其中之一：{'、'.join(fitting)}",
        )
    allowed = "、".join(choice_labels(class_name))
    raise CellError(f"“{text}”不在取值范围内", f"请从下列值中选择：{allowed}")


_DATE_PATTERNS = (
    (re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[ T].*)?$"), True),
    (re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})日?$"), True),
    (re.compile(r"^(\d{4})(\d{2})(\d{2})$"), True),
    (re.compile(r"^(\d{4})[-/.](\d{1,2})$"), False),
    (re.compile(r"^(\d{4})年(\d{1,2})月?$"), False),
    (re.compile(r"^(\d{4})(\d{2})$"), False),
)


def _date_or_error(year: int, month: int, day: int, text: str) -> dt.date:
    try:
        return dt.date(year, month, day)
    except ValueError:
        raise CellError(f"“{text}”不是有效日期", "请填写如2023-03-15的日期") from None


# No date of the registry (births, identification, exit, monitoring) lies outside these years;
# one that does is a typo (0023-03-15, an Excel serial number of the wrong column), and a date
# near year 9999 would overflow the date arithmetic of the policy and quality rules.
FIRST_DATE, LAST_DATE = dt.date(1900, 1, 1), dt.date(2100, 12, 31)


def read_date(raw: Any) -> Cell:
    """Dates arrive as real dates, Excel serial numbers, text in several shapes, or a month
    written as 202303 (read as the first day of that month). A date before 1900 or after 2100
    is refused."""
    cell = _read_any_date(raw)
    if not FIRST_DATE <= cell.value <= LAST_DATE:
        raise CellError(
            f"“{raw}”读作{cell.value.isoformat()}，不在1900至2100年之间",
            "请核对年份后填写如2023-03-15的日期",
        )
    return cell


def _read_any_date(raw: Any) -> Cell:
    if isinstance(raw, dt.datetime):
        return Cell(raw.date())
    if isinstance(raw, dt.date):
        return Cell(raw)
    if isinstance(raw, int | float) and not isinstance(raw, bool):
        number = float(raw)
        if number.is_integer() and 190001 <= number <= 210012 and 1 <= int(number) % 100 <= 12:
            year, month = divmod(int(number), 100)
            return Cell(dt.date(year, month, 1), [f"“{int(number)}”按年月读作{year}年{month}月1日"])
        if number.is_integer() and 19000101 <= number <= 21001231:
            text = str(int(number))
            day = _date_or_error(int(text[:4]), int(text[4:6]), int(text[6:]), text)
            return Cell(day, [f"“{text}”读作{day.isoformat()}"])
        if 1 <= number < 80000:
            day = EXCEL_EPOCH + dt.timedelta(days=int(number))
            return Cell(day, [f"Excel日期序号{int(number)}读作{day.isoformat()}"])
        raise CellError(f"“{raw}”不是日期", "请填写如2023-03-15的日期")
    text = unicodedata.normalize("NFKC", str(raw)).strip()
    for pattern, has_day in _DATE_PATTERNS:
        match = pattern.match(text)
        if not match:
            continue
        year, month = int(match.group(1)), int(match.group(2))
        day_number = int(match.group(3)) if has_day else 1
        day = _date_or_error(year, month, day_number, text)
        notes = [] if text == day.isoformat() else [f"“{text}”读作{day.isoformat()}"]
        if not has_day:
            notes = [f"“{text}”只有年月，读作{day.isoformat()}（当月1日）"]
        return Cell(day, notes)
    if re.fullmatch(r"\d{5}(\.\d+)?", text):  # a serial number that arrived as text
        return _read_any_date(float(text))
    raise CellError(f"“{raw}”不是可识别的日期", "请填写如2023-03-15、2023年3月15日或202303")


def _number_text(raw: Any) -> tuple[str, list[str]]:
    text = unicodedata.normalize("NFKC", _as_text(raw)).strip()
    notes: list[str] = []
    if text != _as_text(raw).strip():
        notes.append("全角数字转为半角")
    cleaned = text.replace(",", "").replace("，", "").replace("元", "").replace(" ", "")
    if cleaned != text:
        notes.append(f"“{text}”去除千位分隔符或单位")
    return cleaned, notes


def read_decimal(raw: Any) -> Cell:
    if isinstance(raw, bool):
        raise CellError(f"“{raw}”不是数字", "请只填写数字")
    if isinstance(raw, int | float | Decimal):
        return Cell(_to_cents(Decimal(str(raw)), raw))
    text, notes = _number_text(raw)
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise CellError(f"“{raw}”不是数字", "请只填写数字（可带小数点）") from None
    return Cell(_to_cents(value, raw), notes)


# No field of the registry holds a number this large; beyond it Decimal arithmetic at 28 digits
# of precision cannot even round to the fen.
_TOO_LARGE = Decimal(10) ** 15


def _to_cents(value: Decimal, raw: Any) -> Decimal:
    if not value.is_finite():
        raise CellError(f"“{raw}”不是数字", "请只填写数字（可带小数点）")
    if abs(value) >= _TOO_LARGE:
        raise CellError(f"“{raw}”数值过大，无法保存", "请核对单位和数值（金额以元为单位）")
    return value.quantize(Decimal("0.01"))


def read_int(raw: Any) -> Cell:
    cell = read_decimal(raw)
    if cell.value != cell.value.to_integral_value():
        raise CellError(f"“{raw}”不是整数", "请填写整数")
    return Cell(int(cell.value), cell.notes)


_TRUE = {"是", "有", "已", "Y", "YES", "TRUE", "1", "√", "✓", "已参加", "已享受", "享受"}
_FALSE = {"否", "无", "未", "N", "NO", "FALSE", "0", "×", "未参加", "未享受", "不享受"}


def read_bool(raw: Any) -> Cell:
    if isinstance(raw, bool):
        return Cell(raw)
    key = to_simplified(_as_text(raw)).upper()
    if key in _TRUE:
        return Cell(True, [] if key == "是" else [f"“{raw}”读作“是”"])
    if key in _FALSE:
        return Cell(False, [] if key == "否" else [f"“{raw}”读作“否”"])
    raise CellError(f"“{raw}”不是“是”或“否”", "请填写“是”或“否”")


def read_cell(kind: str, raw: Any, choices: str = "") -> Cell:
    """Dispatch on the column's kind (see jingzhun.registry.national). Blank → ``Cell(None)``."""
    if is_blank(raw):
        return Cell(None)
    if kind == "text":
        return read_text(raw)
    if kind == "name":
        return read_name(raw)
    if kind == "id":
        return read_id(raw, resident_id=False)  # validated with the row's 证件类型
    if kind == "choice":
        return read_choice(raw, choices)
    if kind == "date":
        return read_date(raw)
    if kind == "year":
        return read_int(raw)
    if kind in ("money", "decimal"):
        return read_decimal(raw)
    if kind == "int":
        return read_int(raw)
    if kind == "bool":
        return read_bool(raw)
    return Cell(_as_text(raw))
