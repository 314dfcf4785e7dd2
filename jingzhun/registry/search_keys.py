"""The stored search keys of members and households: derived columns that make "search as people
search" (:mod:`jingzhun.registry.queries`) an index look-up.

Every writer of a member's name, ID number or phone, or a household's number or phone, stores
these keys with it: the actions (:mod:`jingzhun.registry.actions`), the bulk registration
(:mod:`jingzhun.registry.bulk`), the demo generator (:mod:`jingzhun.demo.synth`) and the
migration that filled them for existing rows (registry 0003). All are pure functions of the
entered values, so any of them can recompute a key and get the same result.

Keys:

* ``name_norm``: the normalised name (:func:`jingzhun.core.names.normalize_name`), matched
  exactly and by prefix.
* ``name_initials``: the pinyin initials of the normalised name, letters and digits only:
  王建国 / 王建國 → "wjg". pypinyin with heteronym off (its phrase dictionary's common
  reading), except that the FIRST character of a name of two or more Han characters is read as
  a surname when it is one of the few common surnames whose surname reading starts with another
  letter (:data:`SURNAME_INITIALS`: 单 shàn, 曾 zēng, 解 xiè …): cadres say 单志刚 as
  "Shàn Zhìgāng", so "szg" finds him, "dzg" does not.
* ``id_tail_rev``, ``phone_tail_rev``: the last :data:`TAIL` characters of the ID number / the
  last :data:`TAIL` digits of the phone, REVERSED. A search for the last 4–6 characters is then
  a prefix of the stored key — an index range — where a plain "ends with" could only scan.
* ``number_rev`` (households): the whole household number reversed, for the same reason: a
  household-number fragment read from the end (the sequence within the village) is a prefix of
  it, while a fragment read from the start stays a prefix of ``number`` itself (its unique
  index). A fragment from the middle is not searched: that needs a trigram index, which
  SQLite does not have.
"""

from __future__ import annotations

import re
import unicodedata

from jingzhun.core.idnumber import normalize_id_text
from jingzhun.core.names import normalize_name, pinyin_initials

TAIL = 6  # characters of an ID number / digits of a phone kept (reversed) for tail search
INITIALS_LENGTH = 64  # Member.name_initials max_length
NUMBER_LENGTH = 32  # Household.number max_length

# Common surnames whose reading as a surname starts with another letter than pypinyin's default
# reading of the character (e.g. 单 → "dan", but the surname is Shàn). Only unambiguous ones:
# 乐 (Yuè or Lè) and 尉 (Yù, Wèi) are left to pypinyin.
SURNAME_INITIALS = {
    "单": "s",  # shàn
    "曾": "z",  # zēng
    "解": "x",  # xiè
    "仇": "q",  # qiú
    "查": "z",  # zhā
    "区": "o",  # ōu
    "朴": "p",  # piáo
    "覃": "q",  # qín
    "盖": "g",  # gě
    "缪": "m",  # miào
    "召": "s",  # shào
    "种": "c",  # chóng
    "繁": "p",  # pó
    "秘": "b",  # bì
}

_HAN = re.compile(r"^[\u3400-\u9fff]{2,}")
_NOT_ALNUM = re.compile(r"[^a-z0-9]")
_NOT_DIGIT = re.compile(r"[^0-9]")


def name_initials(name: str) -> str:
    """The initials key of a personal name (see the module docstring); "" when blank."""
    norm = normalize_name(name)
    if not norm:
        return ""
    initials = pinyin_initials(norm)
    if _HAN.match(norm) and norm[0] in SURNAME_INITIALS:
        initials = SURNAME_INITIALS[norm[0]] + initials[1:]
    return _NOT_ALNUM.sub("", initials)[:INITIALS_LENGTH]


def id_tail_rev(id_number: str) -> str:
    """The last :data:`TAIL` characters of the normalised ID number, reversed; "" when blank."""
    text = normalize_id_text(id_number or "")
    return text[-TAIL:][::-1]


def phone_digits(phone: str) -> str:
    """The digits of a phone number as written (spaces, dashes, +86 … dropped, width folded)."""
    return _NOT_DIGIT.sub("", unicodedata.normalize("NFKC", phone or ""))


def phone_tail_rev(phone: str) -> str:
    """The last :data:`TAIL` digits of a phone number, reversed; "" when it has none."""
    return phone_digits(phone)[-TAIL:][::-1]


def number_rev(number: str) -> str:
    """A household number reversed (its end first)."""
    return (number or "")[::-1][:NUMBER_LENGTH]


def member_keys(name: str, id_number: str, phone: str) -> dict[str, str]:
    """The stored search keys of a member with these values."""
    return {
        "name_norm": normalize_name(name),
        "name_initials": name_initials(name),
        "id_tail_rev": id_tail_rev(id_number),
        "phone_tail_rev": phone_tail_rev(phone),
    }


def household_keys(number: str, phone: str) -> dict[str, str]:
    """The stored search keys of a household with this number and phone."""
    return {"number_rev": number_rev(number), "phone_tail_rev": phone_tail_rev(phone)}


MEMBER_SOURCES = frozenset({"name", "id_number", "phone"})
HOUSEHOLD_SOURCES = frozenset({"number", "phone"})
