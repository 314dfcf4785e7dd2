"""``jingzhun import`` killed with SIGKILL in the middle of its work, on a scratch installation.

The apply is one transaction: a kill while households are being written leaves none of them,
and after the reaper the upload waits to be applied again (which then applies every household).
A kill during validation leaves the upload failed as interrupted; it validates again after
``do_retry_upload``. The audit chain stays whole either way.
"""

from __future__ import annotations

import datetime as dt
import os
import signal
from pathlib import Path
from types import SimpleNamespace

import pytest

from jingzhun.core.idnumber import make_id_number
from tests.faults.scratch import Site, scratch_site, wait_for
from tests.imports.builders import family, write_national

pytestmark = pytest.mark.slow

USER = "xian"  # a county approver of 五台县 (140922)
PASSWORD = "Fault-Tests-2026"
HOUSEHOLDS = 4000  # enough for the apply to take seconds


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Site:
    with scratch_site(tmp_path_factory.mktemp("imports"), "imports") as site:
        site.command(
            "createuser", USER, "--role", "county_approver", "--area", "140922",
            "--password", PASSWORD,
        )  # fmt: skip
        yield site


def national_file(path: Path, batch: int, households: int) -> str:
    """A national export of ``households`` 脱贫户 of three in four new villages of 台城镇
    (五台县), every row valid; returns the prefix their household numbers share."""
    prefix = f"14092210{batch:02d}"
    places = SimpleNamespace(
        county=SimpleNamespace(name="五台县"), township=SimpleNamespace(name="台城镇")
    )
    born = (dt.date(1960, 1, 1), dt.date(1962, 1, 1), dt.date(1990, 1, 1))
    rows = []
    for i in range(households):
        members = family(places, f"{prefix}{i:06d}", village=f"断电{batch}村{i % 4}")
        for position, row in enumerate(members):
            birth = born[position] + dt.timedelta(days=i)
            # Odd sequence digits for the two men, even for the woman (GB 11643).
            row["证件号码"] = make_id_number("140922", birth, 100 * batch + 11 + position)
            row["出生日期"] = birth.isoformat()
        rows.extend(members)
    write_national(path, rows)
    return prefix


def start_import(site: Site, path: Path, log: str):
    importer = site.start(
        "import", "national", str(path), "--year", "2024", "--user", USER, "--apply-valid",
        log=log,
    )  # fmt: skip
    upload = wait_for(
        "the import to stage its upload",
        lambda: site.value("SELECT id FROM imports_upload WHERE original_name = ?", path.name),
    )
    return importer, int(upload)


def kill(process) -> None:
    os.kill(process.pid, signal.SIGKILL)
    process.wait(timeout=60)
    assert process.returncode == -signal.SIGKILL


def households_with(site: Site, prefix: str) -> int:
    return site.value("SELECT COUNT(*) FROM registry_household WHERE number LIKE ?", prefix + "%")


def reap(site: Site, upload: int) -> dict:
    return site.shell(
        f"""
        from jingzhun.core import jobs
        from jingzhun.imports.models import Upload

        reaped = jobs.reap()
        upload = Upload.objects.get(pk={upload})
        result(dict(reaped=reaped, status=upload.status, error=upload.error,
                    interrupted=upload.interrupted, worker=upload.worker))
        """
    )


def test_a_killed_import_leaves_no_household_and_can_be_applied_again(site, tmp_path):
    path = tmp_path / "killed-while-applying.xlsx"
    prefix = national_file(path, 1, HOUSEHOLDS)
    importer, upload = start_import(site, path, "import-apply.log")

    def writing() -> bool:
        status = site.value("SELECT status FROM imports_upload WHERE id = ?", upload)
        assert status not in ("applied", "failed"), site.log("import-apply.log")
        return status == "applying" and site.progress(upload).get("phase") == "写入"

    wait_for("the import to write households", writing)
    progress = site.progress(upload)["progress"]
    kill(importer)

    # Killed half-way through its transaction: the row still says it is applying, and not one
    # household (nor one of the new villages) of the file reached the registry.
    assert progress > 0
    assert site.value("SELECT status FROM imports_upload WHERE id = ?", upload) == "applying"
    assert households_with(site, prefix) == 0
    assert site.value("SELECT COUNT(*) FROM areas_area WHERE name LIKE ?", "断电1村%") == 0

    reaped = reap(site, upload)
    assert reaped["reaped"] == 1
    assert reaped["status"] == "waiting"
    assert "导入中断" in reaped["error"] and "后台任务进程已退出" in reaped["error"]
    assert reaped["worker"] == ""

    applied = site.shell(
        f"""
        from jingzhun.accounts.models import User
        from jingzhun.core.actions import Actor
        from jingzhun.imports import actions
        from jingzhun.imports.models import Upload

        actor = Actor(user=User.objects.get(username={USER!r}), source="command")
        upload = actions.do_request_apply(Upload.objects.get(pk={upload}), actor=actor)
        upload = actions.do_apply_upload(upload)
        upload.refresh_from_db()
        result(dict(status=upload.status, error=upload.error, created=upload.result.get(
            "households_created"), refused=upload.result.get("households_refused")))
        """
    )
    assert applied == {"status": "applied", "error": "", "created": HOUSEHOLDS, "refused": 0}
    assert households_with(site, prefix) == HOUSEHOLDS
    assert site.value("SELECT COUNT(*) FROM areas_area WHERE name LIKE ?", "断电1村%") == 4
    assert "审计记录完整" in site.command("audit", "verify").stdout


def test_an_import_killed_while_validating_fails_as_interrupted_and_validates_again(site, tmp_path):
    path = tmp_path / "killed-while-validating.xlsx"
    prefix = national_file(path, 2, HOUSEHOLDS // 2)
    importer, upload = start_import(site, path, "import-validate.log")

    def validating() -> bool:
        status = site.value("SELECT status FROM imports_upload WHERE id = ?", upload)
        assert status in ("uploaded", "validated"), site.log("import-validate.log")
        return status == "validated" and site.progress(upload).get("progress", 0) > 0

    wait_for("the import to validate", validating)
    kill(importer)
    assert site.value("SELECT status FROM imports_upload WHERE id = ?", upload) == "validated"

    reaped = reap(site, upload)
    assert reaped["reaped"] == 1
    assert reaped["status"] == "failed" and reaped["interrupted"] is True
    assert "校验中断" in reaped["error"] and "后台任务进程已退出" in reaped["error"]

    validated = site.shell(
        f"""
        from jingzhun.accounts.models import User
        from jingzhun.core.actions import Actor
        from jingzhun.imports import actions
        from jingzhun.imports.models import Upload

        actor = Actor(user=User.objects.get(username={USER!r}), source="command")
        upload = actions.do_retry_upload(Upload.objects.get(pk={upload}), actor=actor)
        retried = upload.status
        upload = actions.do_validate_upload(upload)
        upload.refresh_from_db()
        result(dict(retried=retried, status=upload.status, error=upload.error,
                    interrupted=upload.interrupted, counts=upload.counts))
        """
    )
    assert validated["retried"] == "uploaded"
    assert validated["status"] == "waiting" and validated["error"] == ""
    assert validated["interrupted"] is False
    assert validated["counts"]["households_create"] == HOUSEHOLDS // 2
    assert validated["counts"]["households_refused"] == 0
    assert households_with(site, prefix) == 0  # validating writes nothing to the registry
    assert "审计记录完整" in site.command("audit", "verify").stdout
