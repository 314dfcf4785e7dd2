"""The files a ledger hands out, written with the project's report writer
(:func:`jingzhun.exports.reports.write_report`: text neutralised against formulas, numbers kept):

* the template: a sheet named after the ledger with its column titles and one example row (the
  header row is found again by the reader: title rows above it are skipped), and a sheet
  填写说明 saying each column's meaning, allowed values and whether the header needs it;
* the failed rows of an upload: the original cells of every refused row, its reasons and its
  row number, ready to be corrected and loaded again (the two added columns are ignored then).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from jingzhun.core.masking import Disclosure
from jingzhun.exports.reports import Report, write_report
from jingzhun.imports.scoping import disclosed_cell
from jingzhun.ledgers import rows
from jingzhun.ledgers.spec import Ledger

if TYPE_CHECKING:
    from jingzhun.ledgers.models import LedgerUpload

NOTES_SHEET = "填写说明"


def template_reports(spec: Ledger, area_name: str) -> list[Report]:
    data = Report(
        title=f"{spec.title}（导入模板）",
        area=area_name,
        headers=[c.title for c in spec.columns],
        rows=[[c.example if c.example != "" else None for c in spec.columns]],
        sheet=spec.title,
    )
    notes = Report(
        title=f"{spec.title}：填写说明",
        area=area_name,
        headers=["列名", "含义", "填写要求", "表头必须有此列", "也可写作"],
        rows=[
            [
                c.title,
                c.meaning,
                c.allowed,
                "是" if c.required else "否",
                "、".join(c.aliases),
            ]
            for c in spec.columns
        ],
        notes=[
            "第一张表第5行是示例：请改为实际内容（或删除）后填写，每行一条。",
            f"同一条记录的识别方式：{spec.key}。再次导入已导入的内容不会重复登记，预览中列为“无变化”。",
            "空白单元格表示不修改已登记的内容，不会清空。",
            *spec.notes,
        ],
        sheet=NOTES_SHEET,
    )
    return [data, notes]


def write_template(spec: Ledger, out: IO[bytes], *, area_name: str = "") -> None:
    write_report(template_reports(spec, area_name), out)


def _cell(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, bool):
        return "是" if value else "否"
    return value


def failed_row_errors(upload: LedgerUpload) -> dict[int, list[str]]:
    """Row number → its refusals as text ("column：reason（改正：fix）"), from the preview and
    from the apply's held-back rows."""
    found: dict[int, list[str]] = {}
    refused = [r for r in upload.preview.get("rows", []) if r["action"] == "refused"]
    for entry in refused + list(upload.result.get("held_back", [])):
        for p in entry.get("problems", []):
            where = f"{p['column']}：" if p.get("column") else ""
            fix = f"（改正：{p['fix']}）" if p.get("fix") else ""
            found.setdefault(int(entry["row"]), []).append(f"{where}{p['reason']}{fix}")
    return found


def write_failed_rows(
    spec: Ledger, upload: LedgerUpload, out: IO[bytes], *, disclosure: Disclosure
) -> int:
    """The refused rows of ``upload`` with their original cells, as ``disclosure`` lets the
    reader see them (phone columns masked, numbers in other text masked), a column 错误说明 and
    a column 原行号. Returns the number of rows written. Callers log the download
    (:func:`jingzhun.ledgers.actions.do_download_ledger_failed_rows`)."""
    errors = failed_row_errors(upload)
    table = rows.open_ledger(spec, Path(upload.file_path))
    width = max(table.titles) + 1 if table.titles else 0
    titles = [table.titles.get(i, "") for i in range(width)]
    out_rows: list[list[Any]] = []
    for number, values in table.rows:
        if number not in errors:
            continue
        cells = []
        for index in range(width):
            value = _cell(values[index]) if index < len(values) else None
            if value not in (None, "") and not disclosure.full:
                value = disclosed_cell(disclosure, titles[index], value)
            cells.append(value)
        reasons = "；".join(disclosure.text(e) for e in errors[number])
        out_rows.append([*cells, reasons, number])
    report = Report(
        # No notes under the rows: they would be read as rows when the file is loaded again.
        title=f"{spec.title}导入失败的行（批次{upload.pk}：{upload.original_name}；"
        "改正后可直接重新上传，“错误说明”“原行号”两列导入时忽略）",
        area=upload.area.name,
        headers=[*titles, rows.ERROR_TITLE, rows.ROW_TITLE],
        rows=out_rows,
        sheet="失败行",
    )
    write_report([report], out)
    return len(out_rows)
