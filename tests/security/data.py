"""The records and personas the permission matrix requests, built through the real actions.

Everything in scope lies in ``world.village`` (东冶村 of 五台县); the foreign household lies in
another county. The household every registry route opens (``household``) carries known full
numbers — ID numbers, phones, a bank account — in their own fields *and* typed into free text (a
remark, a measure, an update reason), and members whose health is 长期慢性病, 患有大病 and 残疾,
so that any route that shows them unmasked is caught.

State that only some routes need (cases at given steps, a notice, an upload, export logs, a
quality run, a what-if run, a stored evaluation) is built on first use: a route's test builds
only what its table entry asks for.

The clock stands still at :data:`NOW` for the whole test (cases and notices have dates): the
main case's 公示 runs on that day.
"""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass
from decimal import Decimal
from functools import cached_property
from io import StringIO
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from django.core.management import call_command

from jingzhun.accounts.models import NO_SCOPE, User
from jingzhun.accounts.roles import Role
from jingzhun.areas.loading import load_divisions_into_db
from jingzhun.areas.models import Area
from jingzhun.cases.models import Attachment, Case, Notice
from jingzhun.core.actions import Actor
from jingzhun.core.idnumber import make_id_number
from jingzhun.exports.layouts import ExportSpec
from jingzhun.exports.models import ExportLog
from jingzhun.exports.service import queue_export, run_queued_export
from jingzhun.imports.models import Upload
from jingzhun.ledgers.models import LedgerUpload
from jingzhun.policy.models import EvaluationRun, WhatIfRun
from jingzhun.policy.runs import do_queue_whatif
from jingzhun.policy.tasks import run_whatif
from jingzhun.quality.actions import do_queue_quality_run
from jingzhun.quality.models import QualityRun
from jingzhun.quality.runner import execute_run
from jingzhun.registry import actions
from jingzhun.registry.models import Household, Member
from jingzhun.registry.queries import HouseholdFilters
from tests import factories
from tests.cases import helpers
from tests.conftest import World, make_user
from tests.imports import builders

NO_ROLE = ""
ANONYMOUS = "anonymous"
INSIDE, OUTSIDE = "inside", "outside"
# Every role, then a user whose role is empty, then nobody signed in.
PERSONAS: tuple[str, ...] = (*Role.values, NO_ROLE, ANONYMOUS)

NOW = dt.datetime(2025, 3, 21, 10, 0, tzinfo=helpers.SHANGHAI)
MAIN_CASE_DAY = dt.date(2025, 3, 20)  # its 公示 starts that day and runs past NOW
YEAR = 2024  # the income year in force at NOW

# Numbers typed into free text (the household's remark, a measure, an update reason, a case's
# application, an uploaded cell): masked there too for roles that see masked numbers.
TYPED_PHONE = "13811112222"
TYPED_ID = "140922197003041236"
MEASURE_PHONE = "13755556666"
REASON_PHONE = "13522223333"
CASE_PHONE = "13600001234"
UPLOAD_PHONE = "13700001234"
TYPED = (TYPED_PHONE, TYPED_ID, MEASURE_PHONE, REASON_PHONE, CASE_PHONE, UPLOAD_PHONE)
# Health labels (健康状况) that only HEALTH_READERS may see.
HEALTH_LABELS = ("长期慢性病", "患有大病", "残疾")
# Household numbers of 17 digits: never one that tests.cases.helpers.new_household gives.
HOUSEHOLD_NUMBER = "14092210000199901"
FOREIGN_NUMBER = "14092110000199901"
HEAD_NAME = "郑守田"  # the household's head: a marker no other record carries
FOREIGN_HEAD_NAME = "冯外县"
UPLOAD_NAME = "东冶村郑家导入.xlsx"
LEDGER_NAME = "东冶村搬迁台账.xlsx"


def _person(name: str, relation: str, birth: dt.date, id_number: str, **extra: Any) -> dict:
    return {
        "name": name,
        "relation": relation,
        "id_type": "resident_id",
        "id_number": id_number,
        "labour_skill": "ordinary",
        "health": "healthy",
        "education": "junior",
        "resident_medical_insurance": True,
        "serious_illness_insurance": True,
        **extra,
    }


def _family(
    actor: Actor,
    village: Area,
    number: str,
    head: str,
    *,
    seq: int,
    healths: tuple[str, str, str] = ("healthy", "healthy", "healthy"),
    **overrides: Any,
) -> Household:
    """A 脱贫户 of three through the registry's actions, with a 2024 income. Its ID numbers are
    its own (birth dates no other builder uses, sequences 10 × ``seq`` + 1 to 3), so they never
    meet the factories' numbers in a test."""
    household = actions.do_create_household(
        actor=actor,
        village=village,
        data=factories.household_data(number, **overrides),
        risks=[("illness", "")],
    )
    county = village.code[:6]
    people = (
        (head, "head", dt.date(1968, 7, 15), {"phone": "13933334444"}),
        ("冯桂兰", "spouse", dt.date(1969, 11, 20), {}),
        # A 12-year-old marked as labour: the quality check Q-M-010 finds him.
        (head[0] + "小禾", "son", dt.date(2012, 10, 10), {"student_status": "grade_7"}),
    )
    for i, ((name, relation, birth, extra), health) in enumerate(zip(people, healths, strict=True)):
        # The sequence's parity is the sex: odd for the head and the son, even for the spouse.
        id_number = make_id_number(county, birth, 10 * seq + i + 1)
        data = _person(name, relation, birth, id_number, health=health, **extra)
        actions.do_add_member(household, actor=actor, data=data)
    household.refresh_from_db()
    actions.do_set_income(
        household,
        actor=actor,
        year=YEAR,
        values={"wage": Decimal("18000"), "business": Decimal("6000")},
    )
    household.refresh_from_db()
    return household


@dataclass
class Personas:
    """The user of each persona inside and outside the scope of ``world.village``'s records."""

    inside: dict[str, User | None]
    outside: dict[str, User | None]

    def user(self, persona: str, scope: str) -> User | None:
        return (self.inside if scope == INSIDE else self.outside)[persona]


TODAY_FOR_BATCHES = NOW.date() - dt.timedelta(days=1)


class MatrixData:
    """The fixture data of one matrix test (built lazily, see the module docstring)."""

    def __init__(self, world: World, tmp_path: Path) -> None:
        self.world = world
        self.tmp_path = tmp_path
        self.cadre = world.actor(world.cadre)
        self.people = helpers.people_of(world)
        self._numbers = itertools.count(2)
        self.household = self._household()
        self.foreign = _family(
            world.actor(world.outsider),
            world.other_county_village,
            FOREIGN_NUMBER,
            FOREIGN_HEAD_NAME,
            seq=1,
        )
        self.personas = self._personas()

    # --- always there ----------------------------------------------------------------------

    def _household(self) -> Household:
        household = _family(
            self.cadre,
            self.world.village,
            HOUSEHOLD_NUMBER,
            HEAD_NAME,
            seq=1,
            healths=("chronic", "serious", "disabled"),
            cause_remark=f"户主患病，电话{TYPED_PHONE}，身份证{TYPED_ID}",
            bank_account="6217000011112222333",
            phone="13644445555",
        )
        actions.do_set_conditions(household, actor=self.cadre, year=YEAR, values={})
        actions.do_set_measures(
            household,
            actor=self.cadre,
            year=YEAR,
            values={"industry_aid": f"养羊补贴，联系人电话{MEASURE_PHONE}"},
        )
        household.refresh_from_db()
        actions.do_update_household(
            household,
            actor=self.cadre,
            changes={"address": "东冶村三组12号"},
            expected_version=household.version,
            reason=f"入户核实后更正，户主新号码{REASON_PHONE}",
        )
        household.refresh_from_db()
        return household

    def _personas(self) -> Personas:
        world = self.world
        load_divisions_into_db(["31"])  # 上海市: a province the province viewer outside holds
        other_city = Area.objects.get(code="140100")
        shanghai = Area.objects.get(code="310000")
        inside: dict[str, User | None] = {
            Role.VILLAGE_CADRE: world.cadre,
            Role.TOWNSHIP_REVIEWER: world.reviewer,
            Role.COUNTY_APPROVER: world.approver,
            Role.COUNTY_ANALYST: world.analyst,
            Role.CITY_VIEWER: world.city_viewer,
            Role.PROVINCE_VIEWER: world.province_viewer,
            Role.INSPECTOR: world.inspector,
            Role.ADMIN: world.admin,
            NO_ROLE: make_user("norole", NO_ROLE, world.county),
            ANONYMOUS: None,
        }
        # The nearest persona of each role whose area does not hold world.village.
        outside: dict[str, User | None] = {
            Role.VILLAGE_CADRE: world.sibling_cadre,
            Role.TOWNSHIP_REVIEWER: world.other_reviewer,
            Role.COUNTY_APPROVER: make_user("approver2", Role.COUNTY_APPROVER, world.other_county),
            Role.COUNTY_ANALYST: make_user("analyst2", Role.COUNTY_ANALYST, world.other_county),
            Role.CITY_VIEWER: make_user("cityviewer2", Role.CITY_VIEWER, other_city),
            Role.PROVINCE_VIEWER: make_user("provviewer2", Role.PROVINCE_VIEWER, shanghai),
            Role.INSPECTOR: make_user("inspector2", Role.INSPECTOR, world.other_county),
            Role.ADMIN: make_user("admin2", Role.ADMIN, world.other_county),
            NO_ROLE: make_user("norole2", NO_ROLE, world.other_county),
            ANONYMOUS: None,
        }
        return Personas(inside, outside)

    def new_household(self) -> Household:
        """Another 脱贫户 of the village (a case's household: one open case each)."""
        n = next(self._numbers)
        return _family(self.cadre, self.world.village, f"1409221000019{n:04d}", "王满仓", seq=n)

    @property
    def head(self) -> Member:
        return self.household.members.get(relation="head")

    @property
    def income(self) -> Any:
        return self.household.incomes.get(year=YEAR)

    # --- cases and notices ------------------------------------------------------------------

    @cached_property
    def review_case(self) -> Case:
        """A monitoring case waiting at the township's 乡镇审核 (its 公示 ended)."""
        household = self.new_household()
        case = helpers.open_case(self.people, household, "monitoring")
        return helpers.walk(self.people, case, helpers.START, until="review")

    @cached_property
    def case(self) -> Case:
        """A monitoring case whose 公示 runs at NOW (with the 民主评议's minutes attached);
        its application's reason carries a typed phone number."""
        self.review_case  # noqa: B018 - built first: the cases' days follow each other
        household = self.new_household()
        case = helpers.open_case(
            self.people,
            household,
            "monitoring",
            on=MAIN_CASE_DAY,
            reason=f"户主住院，自付医疗费用高，联系电话{CASE_PHONE}",
        )
        case = helpers.walk(self.people, case, MAIN_CASE_DAY, until="publicity")
        case = helpers.advance(self.people, case, MAIN_CASE_DAY)
        assert case.notice_id is not None
        return case

    @cached_property
    def notice_case(self) -> Case:
        """A monitoring case at its 村级公示, not yet published."""
        self.case  # noqa: B018
        household = self.new_household()
        case = helpers.open_case(self.people, household, "monitoring", on=MAIN_CASE_DAY)
        return helpers.walk(self.people, case, MAIN_CASE_DAY, until="publicity")

    @cached_property
    def foreign_case(self) -> Case:
        """A case of the foreign household, opened by its own village cadre."""
        people = {**self.people, Role.VILLAGE_CADRE: self.world.outsider}
        return helpers.open_case(people, self.foreign, "monitoring", on=MAIN_CASE_DAY)

    def cases(self) -> None:
        """Every case, for the lists."""
        self.case, self.notice_case, self.foreign_case  # noqa: B018

    @property
    def notice(self) -> Notice:
        notice = self.case.notice
        assert notice is not None
        return notice

    @property
    def ended_notice(self) -> Notice:
        """The review case's 公示, over before NOW."""
        return Notice.objects.get(entries__case=self.review_case)

    @property
    def attachment(self) -> Attachment:
        return Attachment.objects.filter(step__case=self.case).order_by("id").first()

    def fresh(self, case: Case) -> Case:
        return Case.objects.get(pk=case.pk)

    # --- projects and assets ----------------------------------------------------------------

    @cached_property
    def project(self) -> Any:
        """A project of the village approved into the library (waiting at 实施), with money and
        the household linked to it (带贫益贫)."""
        from jingzhun.projects import actions as project_actions

        world = self.world
        county = world.actor(world.approver)
        project = project_actions.do_create_project(
            actor=self.cadre,
            name="东冶村光伏电站",
            project_type="industry",
            area=world.village,
            year=NOW.year,
            implementing_unit="五台县乡村振兴局",
            content="村级光伏电站100kW",
            budget={"central": "300000"},
            on=NOW.date(),
        )
        for decision in ("review", "approval"):
            project = project_actions.do_perform_project_step(
                project,
                actor=county,
                expected_version=project.version,
                step_code=decision,
                on=NOW.date(),
                decision="agree",
                document="五乡振发〔2025〕1号",
            )
        project_actions.do_add_allocation(
            project, actor=county, source="central", on=NOW.date(), amount="100000", document="x"
        )
        project_actions.do_link_benefit(
            project,
            actor=self.cadre,
            household=self.household,
            kind="dividend",
            amount_per_year="500",
        )
        return project

    @cached_property
    def asset(self) -> Any:
        """The project's PV station, with a pending disposal request."""
        from jingzhun.assets import actions as asset_actions

        asset = asset_actions.do_create_asset(
            actor=self.cadre,
            name="东冶村光伏电站",
            asset_class="operating",
            kind="pv_station",
            area=self.world.village,
            owner_type="collective",
            owner_name="东冶村股份经济合作社",
            custodian="东冶村村民委员会",
            value="400000",
            capacity="100",
            project=self.project,
        )
        asset_actions.do_request_disposal(
            asset, actor=self.cadre, method="scrap", reason="组件损毁无修复价值"
        )
        return asset

    @property
    def disposal(self) -> Any:
        return self.asset.disposals.get()

    # --- imports, exports, runs -------------------------------------------------------------

    @cached_property
    def upload(self) -> Upload:
        """The cadre's national-format upload of two new families of the village, waiting for
        confirmation: one valid, one refused (a wrong ID check digit; a member's 务工所在地
        carries a phone, another is 患有大病), so the preview and the failed rows both hold
        personal numbers."""
        good = builders.family(self.world, "14092210000199902", seq=41)
        bad = builders.family(self.world, "14092210000199903", seq=42)
        last = bad[0]["证件号码"][-1]
        bad[0]["证件号码"] = bad[0]["证件号码"][:-1] + ("1" if last != "1" else "2")
        bad[0]["务工所在地"] = f"太原，电话{UPLOAD_PHONE}"
        bad[1]["健康状况"] = "患有大病"
        path = builders.write_national(self.tmp_path / UPLOAD_NAME, good + bad)
        upload = builders.stage(self.world.cadre, path, year=YEAR)
        self.upload_numbers = [row["证件号码"] for row in good + bad]
        return upload

    upload_numbers: list[str] = []

    @cached_property
    def ledger_upload(self) -> Any:
        """The cadre's relocation ledger of the village, staged: the household moved on its
        own in 2019 (valid), and a household number nobody has (refused)."""
        import io

        import xlsxwriter

        from jingzhun.ledgers.actions import do_load_ledger

        out = io.BytesIO()
        book = xlsxwriter.Workbook(out, {"in_memory": True})
        sheet = book.add_worksheet("搬迁户")
        sheet.write_row(0, 0, ["户编号", "搬迁入住日期", "搬迁方式", "安置住房面积（平方米）"])
        sheet.write_row(1, 0, [HOUSEHOLD_NUMBER, "2019-05-01", "分散安置", "80"])
        sheet.write_row(2, 0, ["14092210000199999", "2019-05-01", "分散安置", "80"])
        book.close()
        out.seek(0)
        upload, _ = do_load_ledger(
            actor=self.cadre, kind="relocations", stream=out, original_name=LEDGER_NAME
        )
        return upload

    # --- department data (crosscheck) -------------------------------------------------------

    def _deaths_file(self, name: str, day: str) -> Path:
        from tests.crosscheck.conftest import write_csv

        return write_csv(
            self.tmp_path / name,
            ["姓名", "公民身份号码", "死亡日期"],
            [[self.head.name, self.head.id_number, day]],
        )

    def _stage(self, name: str, day: str) -> Any:
        from jingzhun.crosscheck import intake

        batch, _new = intake.stage_file(
            actor=self.world.actor(self.world.approver),
            kind="deaths",
            area=self.world.county,
            path=self._deaths_file(name, day),
            as_of=TODAY_FOR_BATCHES,
            source="command",
        )
        return batch

    @cached_property
    def alert(self) -> Any:
        """The county's compared deaths batch: an open alert on the household's head."""
        from jingzhun.crosscheck import actions as crosscheck_actions

        batch = self._stage("deaths-a.csv", "2024-05-01")
        crosscheck_actions.do_apply_batch(batch, actor=self.world.actor(self.world.approver))
        return batch.records.get().alerts.get()

    @cached_property
    def staged_batch(self) -> Any:
        """Another deaths batch of the county, staged and not yet compared."""
        return self._stage("deaths-b.csv", "2024-06-01")

    # --- relocation ------------------------------------------------------------------------

    @cached_property
    def site(self) -> Any:
        """A resettlement site in world.village's township, set up by the county."""
        from jingzhun.relocation import actions as relocation_actions

        return relocation_actions.do_create_site(
            actor=self.world.actor(self.world.approver),
            area=self.world.township,
            name="东冶移民新村",
            resettlement_type="town",
            capacity_households=50,
            capacity_people=200,
            built_year=2017,
            services=["school", "workshop"],
            managing_unit="东冶社区居委会",
        )

    @cached_property
    def relocation(self) -> Any:
        """The household moved to the site in 2018 (its registry year synced)."""
        from jingzhun.relocation import actions as relocation_actions

        return relocation_actions.do_record_relocation(
            actor=self.cadre,
            household=self.household,
            moved_on=dt.date(2018, 5, 1),
            mode="centralised",
            site=self.site,
            housing_area_m2="75",
            whole_village=True,
        )

    @cached_property
    def feed_token(self) -> Any:
        from jingzhun.crosscheck import actions as crosscheck_actions

        token, _raw = crosscheck_actions.do_create_feed_token(
            actor=self.world.actor(self.world.approver),
            name="县医保局",
            kind="medical_stays",
            area=self.world.county,
        )
        return token

    @cached_property
    def assistance(self) -> Any:
        """The township's cadre paired with the household, a first secretary of the village, a
        visit to the household with a photo, and an item of its plan of the year."""
        from django.core.files.uploadedfile import SimpleUploadedFile

        from jingzhun.assistance import actions as assistance_actions

        manager = self.world.actor(self.world.reviewer)
        cadre = assistance_actions.do_save_cadre(
            actor=manager,
            values={"name": "王帮扶", "unit": "县农业农村局", "area": self.world.township},
        )
        pairing = assistance_actions.do_pair_household(
            actor=manager, cadre=cadre, household=self.household, started_on=NOW.date()
        )
        post = assistance_actions.do_appoint_team_member(
            actor=manager,
            village=self.world.village,
            values={
                "name": "刘书记",
                "role": "first_secretary",
                "sending_unit": "省财政厅",
                "term_start": dt.date(2024, 3, 1),
                "term_end": dt.date(2026, 2, 28),
            },
        )
        photo = SimpleUploadedFile("house.jpg", b"\xff\xd8\xff" + b"0" * 64, "image/jpeg")
        visit, _ = assistance_actions.do_record_visit(
            actor=self.cadre,
            household=self.household,
            values={"visited_on": NOW.date(), "kind": "home_visit", "visitors": "王帮扶"},
            photos=[photo],
        )
        item = assistance_actions.do_add_plan_item(
            actor=self.cadre,
            household=self.household,
            year=YEAR,
            values={"family": "finance_aid", "name": "小额信贷", "amount": "50000"},
        )
        return SimpleNamespace(cadre=cadre, pairing=pairing, post=post, visit=visit, item=item)

    @cached_property
    def problem(self) -> Any:
        """A problem of the village found by the county's inspector, with evidence."""
        from jingzhun.supervision import actions as supervision_actions

        problem = supervision_actions.do_create_problem(
            actor=self.world.actor(self.world.inspector),
            area=self.world.village,
            values={
                "source": "明察暗访",
                "category": "帮扶工作",
                "description": "帮扶手册填写不全",
                "found_on": NOW.date() - dt.timedelta(days=30),
                "responsible_unit": "东冶村村民委员会",
                "deadline": NOW.date() + dt.timedelta(days=30),
            },
        )
        from django.core.files.uploadedfile import SimpleUploadedFile

        scan = SimpleUploadedFile("scan.pdf", b"%PDF-1.4 " + b"0" * 64, "application/pdf")
        (_text, file) = supervision_actions.do_add_problem_evidence(
            actor=self.cadre, problem=problem, text="已补填", file=scan
        )
        problem.file_evidence = file
        return problem

    @cached_property
    def survey(self) -> Any:
        """A third-party assessment sample survey of the county, drawn by its analyst."""
        from jingzhun.assessment.actions import do_draw_survey

        return do_draw_survey(
            actor=self.world.actor(self.world.analyst),
            county=self.world.county,
            year=YEAR,
            villages=2,
            households_per_village=2,
            seed="matrix",
        )

    @cached_property
    def listing(self) -> Any:
        """The village listed by the county's approver, with a task of the village and its
        progress reported by the village cadre with a file."""
        from django.core.files.uploadedfile import SimpleUploadedFile

        from jingzhun.supervision import listing_actions

        listing = listing_actions.do_create_listing(
            actor=self.world.actor(self.world.approver),
            area=self.world.village,
            values={
                "reason": "脱贫攻坚任务重",
                "supervisor_name": "张县长",
                "supervisor_post": "副县长",
                "supervising_unit": "县乡村振兴局",
                "starts_on": NOW.date() - dt.timedelta(days=20),
                "ends_on": NOW.date() + dt.timedelta(days=60),
            },
        )
        task = listing_actions.do_add_listing_task(
            actor=self.world.actor(self.world.approver),
            listing=listing,
            values={
                "text": "完成危房改造",
                "owner_unit": "东冶村村民委员会",
                "owner_person": "李支书",
                "deadline": NOW.date() + dt.timedelta(days=10),
            },
        )
        photo = SimpleUploadedFile("site.pdf", b"%PDF-1.4 " + b"0" * 64, "application/pdf")
        listing_actions.do_update_listing_task_status(
            actor=self.cadre, task=task, status="in_progress", text="已开工", file=photo
        )
        listing.task = task
        listing.file_evidence = task.evidence.exclude(file="").get()
        return listing

    @cached_property
    def api_token(self) -> Any:
        """The analyst's API token (a record of its owner alone: anyone else's is 404)."""
        from jingzhun.accounts.tokens import do_issue_token

        token, _key = do_issue_token(actor=self.world.actor(self.world.analyst))
        return token

    @cached_property
    def export_log(self) -> ExportLog:
        """The analyst's background xlsx export of the county's members, done: masked."""
        spec = ExportSpec(
            what="members", format="xlsx", layout="project", filters=HouseholdFilters()
        )
        log = queue_export(spec, actor=self.world.actor(self.world.analyst))
        run_queued_export(log.pk)
        log.refresh_from_db()
        return log

    @cached_property
    def quality_run(self) -> QualityRun:
        """A finished quality run of the county (the son marked as labour is a finding)."""
        actor = self.world.actor(self.world.approver)
        run = do_queue_quality_run(
            actor=actor, area_code=self.world.county.code, year=YEAR, backend="duckdb"
        )
        execute_run(run, actor=actor)
        run.refresh_from_db()
        return run

    @cached_property
    def whatif_run(self) -> WhatIfRun:
        """The cadre's what-if of the village (a higher monitoring threshold), worked as the
        worker works it."""
        run = do_queue_whatif(
            self.cadre,
            area=self.world.village,
            year=YEAR,
            overrides=[{"name": "monitoring_threshold", "region": "140922", "value": "30000"}],
        )
        run_whatif.call(run.pk)
        run.refresh_from_db()
        return run

    @cached_property
    def evaluation_run(self) -> EvaluationRun:
        """A stored evaluation of the county (``jingzhun evaluate --store``)."""
        call_command(
            "evaluate",
            year=YEAR,
            area=self.world.county.code,
            store=True,
            format="json",
            stdout=StringIO(),
            stderr=StringIO(),
        )
        return EvaluationRun.objects.latest("id")

    # --- what no response may show ----------------------------------------------------------

    def secret_numbers(self) -> set[str]:
        """Every full ID, phone and bank number of the fixture: fields and typed text."""
        numbers: set[str] = set(TYPED) | set(self.upload_numbers)
        for id_number, phone in Member.objects.values_list("id_number", "phone"):
            numbers |= {id_number, phone}
        for phone, bank in Household.objects.values_list("phone", "bank_account"):
            numbers |= {phone, bank}
        return {n for n in numbers if n}

    def markers(self) -> list[tuple[str, str]]:
        """(text, village code): strings that identify one record of one village — household
        numbers, the two heads' names and the upload's file name."""
        found = list(Household.objects.values_list("number", "village_code"))
        found += [
            (HEAD_NAME, self.household.village_code),
            (FOREIGN_HEAD_NAME, self.foreign.village_code),
        ]
        found += [(u.original_name, u.area_code) for u in Upload.objects.all()]
        found += [(u.original_name, u.area_code) for u in LedgerUpload.objects.all()]
        return found


def foreign_to(user: User | None, markers: list[tuple[str, str]]) -> list[str]:
    """The markers of records outside ``user``'s scope (everything, for a user without a role)."""
    if user is None:
        return []
    prefix = user.scope_prefix
    return [text for text, code in markers if prefix == NO_SCOPE or not code.startswith(prefix)]
