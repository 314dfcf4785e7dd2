"""A county's real export imports: label variants mapped with a note, inconsistencies imported
and flagged instead of refused, refusals only for what cannot be stored or identified, and the
probes that once broke an upload (huge numbers, a lying <dimension>, over-long text, a household
number of another village)."""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from pathlib import Path

import openpyxl
import pytest
from django.core.management import call_command

from jingzhun.audit.models import AuditEntry
from jingzhun.core.actions import Actor
from jingzhun.exports.models import ExportLog
from jingzhun.imports import actions
from jingzhun.imports.cells import CellError, read_choice, read_decimal
from jingzhun.imports.models import Status
from jingzhun.imports.reading import FileRefused, open_table
from jingzhun.quality.entry import findings_for_household
from jingzhun.registry.actions import do_create_household
from jingzhun.registry.models import Household, Member
from jingzhun.registry.synonyms import SynonymFileError, _load
from tests.imports.builders import HEADER, apply, family, person_id, stage, write_national

# --- label variants ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "list_name", "code"),
    [
        ("大专", "Education", "college"),
        ("大专及以上", "Education", "college"),
        ("高职", "Education", "college"),
        ("中专", "Education", "vocational"),
        ("中职", "Education", "vocational"),
        ("技校", "Education", "vocational"),
        ("户主", "Relation", "head"),
        ("本人", "Relation", "head"),
        ("之子", "Relation", "son"),
        ("儿子", "Relation", "son"),
        ("弱劳动力", "LabourSkill", "weak"),
        ("脫貧戶", "HouseholdType", "exited"),
    ],
)
def test_label_variants_read_as_their_one_label(text, list_name, code):
    assert read_choice(text, list_name).value == code


def test_a_variant_reading_is_noted_on_the_cell():
    cell = read_choice("大专", "Education")
    assert cell.notes == ["“大专”按同义词表读作“大专（高职）”"]


def test_an_ambiguous_label_is_refused_naming_the_labels_that_would_fit():
    with pytest.raises(CellError) as error:
        read_choice("一年级", "StudentStatus")
    assert "小学一年级" in error.value.reason and "高中一年级" in error.value.reason
    assert "小学一年级" in error.value.fix


def test_a_negated_word_never_reads_as_the_label_it_contains():
    with pytest.raises(CellError):
        read_choice("非残疾", "Health")
    with pytest.raises(CellError):
        read_choice("不健康", "Health")


def test_a_synonym_file_pointing_outside_its_list_is_refused_when_loaded(tmp_path):
    bad = tmp_path / "synonyms.yaml"
    bad.write_text("Education:\n  大专: 大学\n", "utf-8")
    with pytest.raises(SynonymFileError, match="大学"):
        _load(bad)
    clash = tmp_path / "clash.yaml"
    clash.write_text("Relation:\n  之女: 之子\n", "utf-8")
    with pytest.raises(SynonymFileError, match="之女"):
        _load(clash)


def test_an_export_with_dazhuan_imports_whole_with_the_notes(tmp_path, world):
    rows = family(world, "140922100009001")
    rows[2]["文化程度"] = "大专"
    rows[0]["与户主关系"] = "本人"
    upload = stage(world.approver, write_national(tmp_path / "n.xlsx", rows))
    assert upload.counts["households_create"] == 1
    assert upload.counts["households_refused"] == 0
    notes = {n["note"] for n in upload.preview["notes"]}
    assert "“大专”按同义词表读作“大专（高职）”" in notes
    assert "“本人”按同义词表读作“户主”" in notes
    apply(upload, world.approver)
    assert Member.objects.get(name="张小明").education == "college"


# --- import and flag, do not refuse -----------------------------------------------------------


def _unstable_without_exit_year(world):
    rows = family(world, "140922100009002", seq=2)
    for row in rows:
        row.update(
            {"户类型": "监测户", "监测对象类别": "脱贫不稳定户", "识别监测时间": "2023-04-01"}
        )
        row["致贫/返贫风险1"] = "因病"
    rows[1]["健康状况"] = "长期慢性病"
    return rows


def test_consistency_problems_the_quality_engine_knows_are_imported_and_flagged(tmp_path, world):
    rows = _unstable_without_exit_year(world)
    rows[1]["性别"] = "男"  # the spouse of a male head, also male: Q-M-030
    rows[1]["证件号码"] = person_id(dt.date(1972, 5, 6), 23)  # an odd sequence: male
    upload = stage(world.approver, write_national(tmp_path / "n.xlsx", rows))
    assert upload.counts["households_refused"] == 0, upload.preview["problems"]
    assert upload.counts["households_create"] == 1
    warnings = [w for e in upload.preview["entries"]["create"] for w in e["warnings"]]
    assert any("Q-H-040" in w for w in warnings), warnings
    assert any("Q-M-030" in w for w in warnings), warnings
    apply(upload, world.approver)
    household = Household.objects.get(number="140922100009002")
    assert household.monitoring_category == "unstable_exited"
    assert household.exit_year is None
    codes = {f.code for f in findings_for_household(household)}
    assert {"Q-H-040", "Q-M-030"} <= codes


def test_the_form_still_refuses_the_same_inconsistency(world):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as error:
        do_create_household(
            actor=world.actor(world.cadre),
            village=world.village,
            data={
                "number": "140922100009003",
                "household_type": "monitored",
                "monitoring_category": "unstable_exited",
                "monitoring_identified_on": dt.date(2023, 4, 1),
            },
            risks=[("illness", "")],
        )
    assert "monitoring_category" in error.value.message_dict
    assert not Household.objects.filter(number="140922100009003").exists()


def test_an_unreadable_id_still_refuses_its_household_with_the_reason_on_every_row(tmp_path, world):
    rows = family(world, "140922100009004", seq=4)
    rows[1]["证件号码"] = "12345"
    upload = stage(world.approver, write_national(tmp_path / "n.xlsx", rows))
    assert upload.counts["households_refused"] == 1
    assert {p["row"] for p in upload.preview["problems"]} == {4, 5, 6}


def test_refusals_name_value_list_labels_never_codes(tmp_path, world):
    rows = family(world, "140922100009005", seq=5)
    for row in rows:
        row["户类型"] = "监测户"
        row["监测对象类别"] = "脱贫不稳定户"
        row["识别监测时间"] = "2099-01-01"  # impossible: in the future
        row["致贫/返贫风险1"] = "因病"
    upload = stage(world.approver, write_national(tmp_path / "n.xlsx", rows))
    text = repr(upload.preview["problems"])
    assert upload.counts["households_refused"] == 1
    assert "晚于今天" in text
    for code in ("unstable_exited", "monitored", "illness", "exited"):
        assert code not in text


def test_repeated_risks_import_once_with_a_note(tmp_path, world):
    header = [*HEADER, "致贫/返贫风险2"]
    rows = _unstable_without_exit_year(world)
    for row in rows:
        row["致贫/返贫风险2"] = "因病"
    upload = stage(world.approver, write_national(tmp_path / "n.xlsx", rows, header=header))
    entry = upload.preview["entries"]["create"][0]
    assert any("重复填写" in w for w in entry["warnings"])
    apply(upload, world.approver)
    household = Household.objects.get(number="140922100009002")
    assert [r.kind for r in household.risks.all()] == ["illness"]


# --- the probes -------------------------------------------------------------------------------


@pytest.mark.parametrize("raw", [1e26, "1e26", "100000000000000000000000000", 1e300])
def test_a_money_cell_too_large_to_store_is_refused_as_a_cell(raw):
    with pytest.raises(CellError, match="过大"):
        read_decimal(raw)


def test_a_huge_money_cell_refuses_its_household_and_the_rest_imports(tmp_path, world):
    good = family(world, "140922100009006", seq=6)
    bad = family(world, "140922100009007", seq=7)
    for row in bad:
        row["工资性收入"] = 1e26
    upload = stage(world.approver, write_national(tmp_path / "n.xlsx", good + bad))
    assert upload.status == Status.WAITING
    assert upload.counts["households_create"] == 1
    assert upload.counts["households_refused"] == 1
    apply(upload, world.approver)
    assert Household.objects.filter(number="140922100009006").exists()


def test_a_land_area_larger_than_the_field_holds_is_refused_before_the_database(tmp_path, world):
    rows = family(world, "140922100009008", seq=8)
    for row in rows:
        row["耕地面积（亩）"] = 123456789.5
    upload = stage(world.approver, write_national(tmp_path / "n.xlsx", rows))
    problem = next(p for p in upload.preview["problems"] if p["column"] == "耕地面积（亩）")
    assert "超出可保存的范围" in problem["reason"]


def test_text_longer_than_the_field_is_refused_like_the_form_does(tmp_path, world):
    rows = family(world, "140922100009009", seq=9)
    rows[2]["务工所在地"] = "远" * 10_000
    upload = stage(world.approver, write_national(tmp_path / "n.xlsx", rows))
    assert upload.counts["households_refused"] == 1
    problem = next(p for p in upload.preview["problems"] if p["column"] == "务工所在地")
    assert "10000字" in problem["reason"] and "100字" in problem["reason"]
    assert len(problem["value"]) < 100  # the preview does not keep the whole cell


def _lying_dimension(path: Path, rows: int) -> Path:
    """An xlsx whose sheet says <dimension ref="A1:W4"/> but holds ``rows`` rows."""
    source = write_national(path.with_suffix(".src.xlsx"), [])
    with zipfile.ZipFile(source) as zin, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                text = data.decode("utf-8")
                head, _, tail = text.partition("</sheetData>")
                body = "".join(
                    f'<row r="{r}"><c r="A{r}" t="inlineStr"><is><t>x</t></is></c></row>'
                    for r in range(4, rows + 4)
                )
                text = head + body + "</sheetData>" + tail
                start = text.index("<dimension")
                end = text.index("/>", start) + 2
                text = text[:start] + '<dimension ref="A1:W4"/>' + text[end:]
                data = text.encode("utf-8")
            zout.writestr(item, data)
    return path


def test_rows_are_counted_while_streaming_whatever_the_dimension_says(tmp_path, settings):
    settings.JINGZHUN_IMPORT_MAX_ROWS = 50
    path = _lying_dimension(tmp_path / "lie.xlsx", 200)
    with pytest.raises(FileRefused, match="超过单次导入上限"):
        open_table(path)


def test_a_household_number_of_another_village_refuses_only_that_household(tmp_path, world):
    # The neighbouring village's household, registered by its own cadre.
    do_create_household(
        actor=world.actor(world.sibling_cadre),
        village=world.sibling_village,
        data={"number": "140922100009010", "household_type": "ordinary"},
    )
    mine = family(world, "140922100009011", seq=11)
    theirs = family(world, "140922100009010", seq=12)
    upload = stage(world.cadre, write_national(tmp_path / "n.xlsx", mine + theirs))
    assert upload.counts["households_refused"] == 1
    assert upload.counts["households_create"] == 1
    applied = apply(upload, world.cadre)
    assert applied.status == Status.APPLIED
    assert Household.objects.filter(number="140922100009011").exists()
    assert Household.objects.get(number="140922100009010").village == world.sibling_village


# --- failed rows ------------------------------------------------------------------------------


def _refused_upload(tmp_path, world):
    rows = family(world, "140922100009012", seq=13)
    rows[0]["证件号码"] = rows[0]["证件号码"][:17] + (
        "0" if rows[0]["证件号码"][17] != "0" else "1"
    )
    rows[1]["务工所在地"] = "联系电话１３９１２３４５６７８" + "远" * 100  # too long: refused
    return stage(world.approver, write_national(tmp_path / "n.xlsx", rows)), rows


def _failed_rows_text(upload, user) -> str:
    out = io.BytesIO()
    actions.do_download_failed_rows(upload, out, actor=Actor(user=user, source="form"))
    sheet = openpyxl.load_workbook(io.BytesIO(out.getvalue())).active
    return repr([list(r) for r in sheet.iter_rows(values_only=True)])


def test_failed_rows_are_masked_for_read_only_roles_and_full_for_paperwork_roles(tmp_path, world):
    upload, rows = _refused_upload(tmp_path, world)
    full = _failed_rows_text(upload, world.approver)
    assert rows[1]["证件号码"] in full
    for reader in (world.city_viewer, world.analyst, world.inspector, world.province_viewer):
        text = _failed_rows_text(upload, reader)
        assert rows[1]["证件号码"] not in text
        assert rows[1]["证件号码"][:4] + "*" in text
        assert "１３９１２３４５６７８" not in text and "13912345678" not in text
        assert "健康" not in text.replace("健康状况", "")  # health hidden for these roles


def test_a_failed_rows_download_is_in_the_export_log_and_the_audit_trail(tmp_path, world):
    upload, _ = _refused_upload(tmp_path, world)
    _failed_rows_text(upload, world.analyst)
    log = ExportLog.objects.get(what="failed_rows")
    assert log.user == world.analyst and log.masked and log.row_count == 3
    assert AuditEntry.objects.filter(
        action="export_data", object_type="exportlog", object_id=str(log.pk)
    ).exists()


def test_the_preview_masks_a_full_width_phone_for_read_only_roles(tmp_path, world, client):
    upload, _ = _refused_upload(tmp_path, world)
    client.force_login(world.analyst)
    page = client.get(f"/imports/{upload.pk}/").content.decode()
    assert "１３９１２３４５６７８" not in page and "13912345678" not in page
    client.force_login(world.approver)
    page = client.get(f"/imports/{upload.pk}/").content.decode()
    assert "１３９１２３４５６７８" in page


def test_the_import_command_writes_every_refused_row_with_its_reason(tmp_path, world, capsys):
    rows = []
    for n in range(12):  # 12 refused households: 36 refused rows, more than the 30 printed
        family_rows = family(world, f"1409221000091{n:02d}", seq=20 + n)
        family_rows[0]["证件号码"] = "bad"
        rows += family_rows
    path = write_national(tmp_path / "n.xlsx", rows)
    target = tmp_path / "failed.xlsx"
    call_command(
        "import",
        "national",
        str(path),
        "--year",
        "2023",
        "--user",
        world.approver.username,
        "--dry-run",
        "--failed-rows",
        str(target),
    )
    out = capsys.readouterr().out
    assert "其余" in out and str(target) in out
    sheet = openpyxl.load_workbook(target).active
    data = list(sheet.iter_rows(min_row=4, values_only=True))
    assert len(data) == 36
    assert all(row[-2] for row in data)  # 错误说明 on every row
