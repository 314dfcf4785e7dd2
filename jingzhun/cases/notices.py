"""The content of a 公示 or 公告 as plain data, and its printable PDF.

Everything here is built from :class:`~jingzhun.cases.models.Notice` and
:class:`~jingzhun.cases.models.NoticeEntry` fields only — never from household or member rows —
so a notice cannot show an ID number, phone, bank account or health detail (docs/domain.md,
办理程序): the columns it prints were chosen when the notice was published, and nothing else is
read. A project or fund notice (``subject`` other than households) prints its own stored
paragraph and table (``Notice.body``, ``columns``, ``rows``), made from project and fund fields
when it was published.
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import escape

from django.utils import timezone
from django.utils.translation import gettext as _
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from jingzhun.areas.models import Area, Level
from jingzhun.cases import choices as cc
from jingzhun.cases.models import Notice, NoticeEntry

# An open-licensed CJK TrueType font shipped with the project (cases/fonts/README.md) and
# embedded in every PDF — the glyphs used only — so a notice reads the same on every machine.
FONT = "WenQuanYiMicroHei"
FONT_FILE = Path(__file__).resolve().parent / "fonts" / "wqy-microhei.ttc"
CELL_PADDING = 6  # points, left and right of a table cell (reportlab's default)
# The table's columns (mm): what a row needs; widened where a header needs more.
BASE_WIDTHS_MM = (12, 26, 28, 18, 48, 38)


@dataclass(frozen=True)
class NoticeLine:
    """One household as printed on the notice."""

    line: int
    group_name: str
    head_name: str
    size: int
    case_type: str
    case_type_label: str
    reason: str
    withdrawn: bool
    case_id: int  # for staff pages only; the public page and the PDF do not show it


@dataclass(frozen=True)
class NoticeContent:
    title: str
    kind: str
    kind_label: str
    issuer: str
    village: str
    township: str
    county: str
    starts_on: dt.date
    ends_on: dt.date
    days: int
    place: str
    contact: str
    body: str  # the paragraph above the table: what is proposed, the period, where to object
    period: str  # "2026年3月2日至2026年3月6日（共5天）"
    issued_on: dt.date
    entries: tuple[NoticeLine, ...]
    # Project and fund notices: the table as published (households' notices: empty).
    columns: tuple[str, ...] = ()
    rows: tuple[tuple[str, ...], ...] = ()

    @property
    def is_listing(self) -> bool:
        """A notice of projects or funds (its own table), not of households."""
        return bool(self.columns)

    @property
    def issued_label(self) -> str:
        return cn_date(self.issued_on)

    @property
    def has_withdrawn(self) -> bool:
        return any(e.withdrawn for e in self.entries)


def cn_date(day: dt.date) -> str:
    """2026年3月2日 (the way a notice writes a date)."""
    return _("%(year)d年%(month)d月%(day)d日") % {
        "year": day.year,
        "month": day.month,
        "day": day.day,
    }


def is_expired(notice: Notice, today: dt.date | None = None) -> bool:
    """A notice is public up to and including its last day."""
    return (today or timezone.localdate()) > notice.ends_on


def withdrawn_label() -> str:
    return _("已撤回复核")


# What the steps before a 公示 were, and what is proposed, per case type. Wording of a village
# 公示 as posted (docs/domain.md, 办理程序); the configured procedure may add steps, the sentence
# stays short.
def _publicity_sentence(case_type: str) -> tuple[str, str]:
    return {
        cc.CaseType.IDENTIFICATION: (
            _("经农户申请、民主评议、村委会和驻村工作队核实"),
            _("拟将下列农户识别为建档立卡贫困户"),
        ),
        cc.CaseType.EXIT: (
            _("经民主评议、村委会和驻村工作队核实、农户签字认可"),
            _("拟将下列贫困户标注脱贫退出"),
        ),
        cc.CaseType.MONITORING: (
            _("经农户申请、民主评议、村级核实"),
            _("拟将下列农户纳入监测对象"),
        ),
        cc.CaseType.ELIMINATION: (
            _("经入户核实、民主评议"),
            _("拟将下列监测对象标注风险消除"),
        ),
        cc.CaseType.REVERSAL: (
            _("经入户核实、民主评议"),
            _("拟将下列农户重新纳入监测对象"),
        ),
        cc.CaseType.REMOVAL: (
            _("经部门信息比对、入户核实、民主评议"),
            _("拟将下列农户予以清退"),
        ),
    }[cc.CaseType(case_type)]


def _announcement_sentence(case_type: str) -> str:
    return {
        cc.CaseType.IDENTIFICATION: _("下列农户识别为建档立卡贫困户"),
        cc.CaseType.EXIT: _("下列贫困户脱贫退出"),
        cc.CaseType.MONITORING: _("下列农户纳入监测对象"),
        cc.CaseType.ELIMINATION: _("下列监测对象风险消除"),
        cc.CaseType.REVERSAL: _("下列农户重新纳入监测对象"),
        cc.CaseType.REMOVAL: _("下列农户予以清退"),
    }[cc.CaseType(case_type)]


def notice_body(
    kind: str,
    case_types: list[str],
    *,
    starts_on: dt.date,
    ends_on: dt.date,
    contact: str,
) -> str:
    """The paragraph of a notice: the steps done, what is proposed or decided, the period and
    where to object. Several case types on one notice get a neutral sentence pointing to the
    table's 事项 column."""
    types = sorted(set(case_types))
    labels = "、".join(str(cc.CaseType(t).label) for t in types)
    if kind == cc.NoticeKind.PUBLICITY:
        if len(types) == 1:
            done, proposal = _publicity_sentence(types[0])
        else:
            done = _("经民主评议、村级核实")
            proposal = _("拟对下列农户办理所列事项（%(types)s）") % {"types": labels}
        opening = _("%(done)s，%(proposal)s，现予公示。") % {"done": done, "proposal": proposal}
        period = _("公示期%(start)s至%(end)s。") % {
            "start": cn_date(starts_on),
            "end": cn_date(ends_on),
        }
        objection = _("如有异议，请于公示期内向%(contact)s反映。") % {"contact": contact}
    else:
        decision = (
            _announcement_sentence(types[0])
            if len(types) == 1
            else _("下列农户办理所列事项（%(types)s）") % {"types": labels}
        )
        opening = _("经民主评议、公示、审核和审批，%(decision)s，现予公告。") % {
            "decision": decision
        }
        period = _("公告期%(start)s至%(end)s。") % {
            "start": cn_date(starts_on),
            "end": cn_date(ends_on),
        }
        objection = _("如有异议，请于公告期内向%(contact)s反映。") % {"contact": contact}
    # One string, so that languages which separate sentences with a space can say so.
    return _("%(opening)s%(period)s%(objection)s") % {
        "opening": opening,
        "period": period,
        "objection": objection,
    }


def _area_names(village: Area) -> tuple[str, str]:
    """(township, county) names above a village, from the parents already loaded."""
    township = village.parent if village.parent_id else None
    county = township.parent if township is not None and township.parent_id else None
    return (
        township.name if township is not None and township.level == Level.TOWNSHIP else "",
        county.name if county is not None and county.level == Level.COUNTY else "",
    )


def notice_content(notice: Notice, entries: list[NoticeEntry] | None = None) -> NoticeContent:
    """The notice as plain data. ``entries`` may be given when already loaded (else one query).
    Load the notice with ``select_related("village__parent__parent")`` to avoid two queries."""
    if notice.subject != cc.NoticeSubject.HOUSEHOLDS:
        return _listing_content(notice)
    if entries is None:
        entries = list(notice.entries.order_by("line"))
    lines = tuple(
        NoticeLine(
            line=e.line,
            group_name=e.group_name,
            head_name=e.head_name,
            size=e.size,
            case_type=e.case_type,
            case_type_label=str(cc.CaseType(e.case_type).label),
            reason=e.reason,
            withdrawn=e.withdrawn,
            case_id=e.case_id,
        )
        for e in entries
    )
    township, county = _area_names(notice.village)
    return NoticeContent(
        title=notice.title,
        kind=notice.kind,
        kind_label=str(cc.NoticeKind(notice.kind).label),
        issuer=notice.issuer,
        village=notice.village.name,
        township=township,
        county=county,
        starts_on=notice.starts_on,
        ends_on=notice.ends_on,
        days=notice.days,
        place=notice.place,
        contact=notice.contact,
        body=notice_body(
            notice.kind,
            [e.case_type for e in lines],
            starts_on=notice.starts_on,
            ends_on=notice.ends_on,
            contact=notice.contact,
        ),
        period=_("%(start)s至%(end)s（共%(days)d天）")
        % {"start": cn_date(notice.starts_on), "end": cn_date(notice.ends_on), "days": notice.days},
        issued_on=notice.starts_on,
        entries=lines,
    )


def _listing_content(notice: Notice) -> NoticeContent:
    """A project or fund notice: its stored paragraph and table, nothing else."""
    township, county = _area_names(notice.village)
    place = notice.village
    return NoticeContent(
        title=notice.title,
        kind=notice.kind,
        kind_label=str(cc.NoticeKind(notice.kind).label),
        issuer=notice.issuer,
        village=place.name if place.level == Level.VILLAGE else "",
        township=township if place.level == Level.VILLAGE else "",
        county=county if place.level == Level.VILLAGE else place.name,
        starts_on=notice.starts_on,
        ends_on=notice.ends_on,
        days=notice.days,
        place=notice.place,
        contact=notice.contact,
        body=notice.body,
        period=_("%(start)s至%(end)s（共%(days)d天）")
        % {"start": cn_date(notice.starts_on), "end": cn_date(notice.ends_on), "days": notice.days},
        issued_on=notice.starts_on,
        entries=(),
        columns=tuple(str(c) for c in notice.columns),
        rows=tuple(tuple(str(v) for v in row) for row in notice.rows),
    )


# --- PDF -----------------------------------------------------------------------------------------


def register_font() -> None:
    if FONT not in pdfmetrics.getRegisteredFontNames():
        # The collection's first face (the second is its monospaced sibling).
        pdfmetrics.registerFont(TTFont(FONT, str(FONT_FILE), subfontIndex=0))


def column_widths(header: list[str], font_size: float, total: float) -> list[float]:
    """Column widths (points) in which every header fits on one line — a header never breaks
    inside a word — taking the room from the widest columns when the page is too narrow.
    A table of another shape than the households' (a project notice) starts from equal
    columns."""
    register_font()
    if len(header) == len(BASE_WIDTHS_MM):
        widths = [w * mm for w in BASE_WIDTHS_MM]
    else:
        widths = [total / max(len(header), 1)] * len(header)
    # A header may wrap between words (English), never inside one (a Chinese header is one).
    needs = [
        max(pdfmetrics.stringWidth(word, FONT, font_size) for word in h.split() or [""])
        + 2 * CELL_PADDING
        + 1
        for h in header
    ]
    widths = [max(w, n) for w, n in zip(widths, needs, strict=True)]
    excess = sum(widths) - total
    while excess > 0.5:
        # Shrink the column with the most room above its header's need.
        room = [w - n for w, n in zip(widths, needs, strict=True)]
        i = max(range(len(widths)), key=lambda k: room[k])
        if room[i] <= 0:
            break
        cut = min(room[i], excess)
        widths[i] -= cut
        excess -= cut
    return widths


def table_rows(content: NoticeContent) -> list[list[str]]:
    """The PDF table: a header row, then one row per household (withdrawn ones marked), or the
    stored table of a project or fund notice."""
    if getattr(content, "is_listing", False):
        return [list(content.columns), *(list(row) for row in content.rows)]
    header = [_("序号"), _("村民小组"), _("户主姓名"), _("家庭人口"), _("事项"), _("原因类别")]
    rows = [header]
    for e in content.entries:
        item = e.case_type_label
        if e.withdrawn:
            item = f"{item}（{withdrawn_label()}）"
        rows.append([str(e.line), e.group_name, e.head_name, str(e.size), item, e.reason])
    return rows


def notice_pdf(notice: Notice, *, content: NoticeContent | None = None) -> bytes:
    """The notice as an A4 PDF: title, the notice's paragraph, the table of households (header
    repeated on every page), the place posted, the issuer and the date. Deterministic for the
    same notice (``invariant``), so a printed copy can be matched to its file."""
    register_font()
    content = content or notice_content(notice)
    title_style = ParagraphStyle(
        "title", fontName=FONT, fontSize=18, leading=26, alignment=TA_CENTER, wordWrap="CJK"
    )
    body_style = ParagraphStyle(
        "body", fontName=FONT, fontSize=12, leading=20, firstLineIndent=24, wordWrap="CJK"
    )
    cell_style = ParagraphStyle("cell", fontName=FONT, fontSize=10, leading=13, wordWrap="CJK")
    # Headers wrap only at spaces (an English header between words), never inside a word.
    header_style = ParagraphStyle("header", fontName=FONT, fontSize=10, leading=13)
    sign_style = ParagraphStyle(
        "sign", fontName=FONT, fontSize=12, leading=20, alignment=TA_RIGHT, wordWrap="CJK"
    )

    def para(text: str, style: ParagraphStyle) -> Paragraph:
        return Paragraph(escape(text), style)

    rows = table_rows(content)
    cells = [[para(value, header_style) for value in rows[0]]]
    cells += [[para(value, cell_style) for value in row] for row in rows[1:]]
    table = Table(
        cells,
        colWidths=column_widths(rows[0], 10, A4[0] - 36 * mm),
        repeatRows=1,
    )
    table.setStyle(
        TableStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.5, colors.black),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eeeeee")),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
            ]
        )
    )
    listing = table if len(rows) > 1 else para(_("（本期无名单）"), body_style)

    story = [
        para(content.title, title_style),
        Spacer(1, 6 * mm),
        para(content.body, body_style),
        Spacer(1, 4 * mm),
        listing,
        Spacer(1, 6 * mm),
    ]
    if content.has_withdrawn:
        story.append(
            para(
                _("注：标“%(mark)s”的农户因公示期内有异议，已退回重新核实。")
                % {"mark": withdrawn_label()},
                body_style,
            )
        )
    story += [
        para(_("张贴地点：%(place)s") % {"place": content.place}, body_style),
        Spacer(1, 10 * mm),
        para(content.issuer, sign_style),
        para(content.issued_label, sign_style),
    ]

    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=18 * mm,
        rightMargin=18 * mm,
        topMargin=20 * mm,
        bottomMargin=20 * mm,
        title=content.title,
        author=content.issuer,
        invariant=True,
    )
    doc.build(story, onFirstPage=_page_number, onLaterPages=_page_number)
    return buffer.getvalue()


def _page_number(canvas, doc) -> None:  # type: ignore[no-untyped-def]
    canvas.saveState()
    canvas.setFont(FONT, 9)
    canvas.drawCentredString(doc.pagesize[0] / 2, 10 * mm, _("第%(page)d页") % {"page": doc.page})
    canvas.restoreState()
