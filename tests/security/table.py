"""The permission table: for every route, who may read it, who may write it, how to fill its URL
from the fixture data, what it shows. tests/security/test_permission_matrix.py checks every
route of the URL configuration and every operation of the API schema against it, for every
persona inside and outside the records' area.

A new route needs an entry here (its test fails until it has one). Keyed by URL name — the name
``reverse`` takes, namespaced (``cases:detail``); for an API route the methods to try come from
the OpenAPI schema and its entry must say, for each of them, which roles are accepted.

Defaults are the common case: a page every signed-in user may read (GET 200), no write methods.
Write bodies are empty or minimal: the point is authorization, not validation. Where a view
validates before it authorizes (so that an empty body would be refused alike for everyone),
the body is a minimal *valid* one and the entry says the accepted write changes the database.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Model

from jingzhun.accounts.models import User
from jingzhun.accounts.roles import (
    AREA_MANAGERS,
    ASSET_WRITERS,
    ASSISTANCE_MANAGERS,
    AUDIT_READERS,
    CROSSCHECK_LOADERS,
    DISCLOSURE_PUBLISHERS,
    DISPOSAL_APPROVERS,
    FUND_KEEPERS,
    LISTING_MANAGERS,
    LISTING_TASK_EDITORS,
    LISTING_TASK_REPORTERS,
    PROBLEM_CLOSERS,
    PROBLEM_RECORDERS,
    PROBLEM_RECTIFIERS,
    REGISTRY_WRITERS,
    SURVEY_MANAGERS,
    Role,
)
from jingzhun.areas.models import Area, VillageProfile
from jingzhun.assessment.actions import ASSESSMENT_EDITORS
from jingzhun.assessment.models import (
    AssessmentSurvey,
    CountyAssessment,
    SurveyHousehold,
    SurveyVillage,
)
from jingzhun.assets.models import Asset, AssetIncome, Disposal
from jingzhun.assistance.models import Cadre, Pairing, PlanItem, Presence, TeamPost, Visit
from jingzhun.cases.actions import HANDLERS
from jingzhun.cases.models import Case, CaseStep, Notice, Objection
from jingzhun.crosscheck.models import Alert, Batch, FeedToken
from jingzhun.exports.models import ExportLog
from jingzhun.imports.models import Upload
from jingzhun.ledgers.models import LedgerUpload
from jingzhun.ledgers.spec import ledgers
from jingzhun.policy.models import EvaluationJob, ParameterValue, WhatIfRun
from jingzhun.policy.runs import EVALUATION_STARTERS
from jingzhun.projects.models import Allocation, Benefit, Disbursement, Project, ProjectStep
from jingzhun.quality.actions import QUALITY_RUNNERS
from jingzhun.quality.models import Exemption, QualityRun
from jingzhun.registry.models import Conditions, Household, Income, Measures, Member
from jingzhun.relocation.models import FollowUpMeasure, MemberJob, Relocation, ResettlementSite
from jingzhun.supervision.models import (
    Listing,
    ListingTask,
    ListingTaskEvidence,
    Problem,
    ProblemEvidence,
)
from tests.cases import helpers
from tests.security.data import NO_ROLE, NOW, YEAR, MatrixData

# Scope of a route: a record of an area (outside it: 404, exactly like a missing record), a list
# (outside: none of the area's records), or nothing of any area (catalogues, forms, the API root).
RECORD, LIST, NONE = "record", "list", "none"

ALL_ROLES = frozenset(Role.values)
EVERYONE = ALL_ROLES | {NO_ROLE}  # every signed-in user, even one without a role
WRITERS = frozenset(REGISTRY_WRITERS)
ADMIN = frozenset({Role.ADMIN})
CADRE = frozenset({Role.VILLAGE_CADRE})
REVIEWER = frozenset({Role.TOWNSHIP_REVIEWER})
BELOW_COUNTY = frozenset({Role.VILLAGE_CADRE, Role.TOWNSHIP_REVIEWER})
LOADERS = frozenset(CROSSCHECK_LOADERS)
MANAGERS = frozenset(ASSISTANCE_MANAGERS)

Fill = Callable[[MatrixData], dict[str, Any]]


@dataclass(frozen=True)
class Entry:
    """What one route does for each persona. Statuses are for a persona inside the scope of the
    fixture's records unless said otherwise; to a user who may not see the record (outside its
    area, or without a role) a record route answers 404 like a missing record."""

    scope: str = LIST
    params: Fill | None = None  # URL parameters from the in-scope records; the record's first
    needs: tuple[str, ...] = ()  # fixture state to build first (what a list should list)
    read: frozenset[str] | None = EVERYONE  # roles answered ``ok`` to GET; None: GET is 405
    ok: int = 200
    read_refused: int = 403  # GET by a role not in ``read``
    # Whether a user may see the record at all (default: the user's area holds world.village);
    # a record route answers 404 to the others, as for a missing record.
    visible: Callable[[User, MatrixData], bool] | None = None
    writes: Mapping[str, frozenset[str]] = field(default_factory=dict)  # method → roles accepted
    body: Fill | None = None
    accepted: frozenset[int] | None = None  # statuses of an accepted write (None: any non-refusal)
    write_refused: int = 403  # the page's refusal of a write by a role not accepted
    changes: bool = False  # an accepted write changes ``touches`` (the body is valid)
    body_scoped: bool = False  # the body names a record of the area (outside: refused)
    touches: tuple[type[Model], ...] = ()  # tables compared before and after a refused write
    public: Mapping[str, int] | None = None  # method → status for anyone, signed in or not
    signed_in: Mapping[str, int] = field(default_factory=dict)  # public, but signed in
    kind: str = ""  # "page" or "api"; default: "api" under /api/v1/
    shows: tuple[str, ...] = ()  # evidence (test_permission_matrix.EVIDENCE) readers get in full
    shows_on: str = "GET"  # the method whose response shows it
    member_level: bool = False  # shows members: health labels hidden from non-HEALTH_READERS
    binary: str = ""  # "pdf": content not searched (compressed)


def household(d: MatrixData) -> dict[str, Any]:
    return {"household_id": d.household.pk}


def household_pk(d: MatrixData) -> dict[str, Any]:
    return {"pk": d.household.pk}


def household_year(d: MatrixData) -> dict[str, Any]:
    return {"household_id": d.household.pk, "year": YEAR}


def member(d: MatrixData) -> dict[str, Any]:
    return {"member_id": d.head.pk}


def village(d: MatrixData) -> dict[str, Any]:
    return {"code": d.world.village.code}


def holds_county(user: User, d: MatrixData) -> bool:
    return d.world.county.code.startswith(user.scope_prefix)


def within_county(user: User, d: MatrixData) -> bool:
    return user.scope_prefix.startswith(d.world.county.scope_prefix)


def sees_county_sites(user: User, d: MatrixData) -> bool:
    """A resettlement site serves its county: everyone in the county, or above it, sees it."""
    return d.world.county.code.startswith(user.scope_prefix[:6])


def holds_township(user: User, d: MatrixData) -> bool:
    return d.world.township.code.startswith(user.scope_prefix)


def within_township(user: User, d: MatrixData) -> bool:
    return user.scope_prefix.startswith(d.world.township.scope_prefix)


def versioned(case: Case, **record: Any) -> dict[str, Any]:
    return {"version": Case.objects.get(pk=case.pk).version, **record}


TODAY = NOW.date()
REVIEW = helpers.step_record("review", TODAY)
CASES = (Case, CaseStep, Notice, Objection)

PROJECT_TABLES = (Project, ProjectStep, Allocation, Disbursement, Benefit, Notice)
ASSET_TABLES = (Asset, AssetIncome, Disposal)
# Who may propose a project (the national procedure's 入库申报) and do the step it waits on in
# the fixture (实施).
PROPOSERS = frozenset({Role.VILLAGE_CADRE, Role.TOWNSHIP_REVIEWER, Role.COUNTY_APPROVER})


def project(d: MatrixData) -> dict[str, Any]:
    return {"pk": d.project.pk}


def asset(d: MatrixData) -> dict[str, Any]:
    return {"pk": d.asset.pk}


# A project's and an asset's forms: posted by the roles that may, answered with a redirect to
# the record's page (an empty form: its errors as messages there, nothing changed).
def project_post(roles: frozenset[str]) -> dict[str, Any]:
    return {
        "scope": RECORD,
        "params": project,
        "read": None,
        "writes": {"POST": roles},
        "accepted": frozenset({302}),
        "touches": PROJECT_TABLES,
    }


def asset_post(roles: frozenset[str], params: Fill = asset) -> dict[str, Any]:
    return {
        "scope": RECORD,
        "params": params,
        "read": None,
        "writes": {"POST": roles},
        "accepted": frozenset({302}),
        "touches": ASSET_TABLES,
    }


# The pages' registry forms: read and written by the registry's writers only.
REGISTRY_FORM = {
    "scope": RECORD,
    "read": WRITERS,
    "writes": {"POST": WRITERS},
    "accepted": frozenset({200}),  # an empty form comes back with its errors
}

TABLE: dict[str, Entry] = {
    # --- public: sign-in, language, the notice by its link, the token endpoint --------------
    "login": Entry(
        scope=NONE,
        public={"GET": 200, "POST": 200},
        signed_in={"GET": 302, "POST": 302},  # a signed-in user is sent on
    ),
    "logout": Entry(scope=NONE, public={"GET": 405, "POST": 302}),
    "set_language": Entry(scope=NONE, public={"GET": 302, "POST": 302}),
    "notices:public": Entry(
        scope=NONE, params=lambda d: {"token": d.notice.token}, public={"GET": 200}
    ),
    "notices:pdf": Entry(
        scope=NONE, params=lambda d: {"token": d.notice.token}, public={"GET": 200}, binary="pdf"
    ),
    "api-token": Entry(scope=NONE, public={"GET": 405, "POST": 400}),
    # --- one's own account: every signed-in user, about themselves only ----------------------
    "password_change": Entry(
        scope=NONE, kind="page", writes={"POST": EVERYONE}, accepted=frozenset({400})
    ),
    "second_factor": Entry(
        scope=NONE, kind="page", writes={"POST": EVERYONE}, accepted=frozenset({200})
    ),
    "token_list": Entry(scope=NONE, kind="page"),
    "token_revoke": Entry(
        scope=RECORD,
        kind="page",
        params=lambda d: {"token_id": d.api_token.pk},
        read=None,
        visible=lambda user, d: user.pk == d.world.analyst.pk,
        writes={"POST": frozenset({Role.COUNTY_ANALYST})},
        accepted=frozenset({302}),
        write_refused=404,
    ),
    "api-token-list": Entry(scope=NONE),
    "api-token-revoke": Entry(
        scope=RECORD,
        params=lambda d: {"token_id": d.api_token.pk},
        read=None,
        visible=lambda user, d: user.pk == d.world.analyst.pk,
        writes={"DELETE": frozenset({Role.COUNTY_ANALYST})},
        accepted=frozenset({204}),
        write_refused=404,
    ),
    "rest_framework:login": Entry(scope=NONE, public={"GET": 200, "POST": 200}),
    "rest_framework:logout": Entry(scope=NONE, public={"GET": 405, "POST": 302}),
    # --- the API's root, schema and docs: signed-in users ----------------------------------
    "api-root": Entry(scope=NONE),
    "api-schema": Entry(scope=NONE),
    "api-schema-slash": Entry(scope=NONE),
    "api-docs": Entry(scope=NONE, kind="page"),  # a browser page: anonymous → login page
    # --- API: areas and households ----------------------------------------------------------
    "api-area-list": Entry(
        writes={"POST": WRITERS},  # managers create villages, a village cadre its groups
        accepted=frozenset({400}),
        touches=(Area,),
    ),
    "api-area-detail": Entry(scope=RECORD, params=village),
    "api-household-list": Entry(
        writes={"POST": WRITERS}, accepted=frozenset({400}), touches=(Household,)
    ),
    "api-household-detail": Entry(
        scope=RECORD,
        params=household,
        writes={"PUT": WRITERS, "PATCH": WRITERS, "DELETE": WRITERS},
        accepted=frozenset({400}),
        touches=(Household,),
        shows=("phone", "bank", "remark"),
    ),
    "api-household-members": Entry(
        scope=RECORD,
        params=household,
        writes={"POST": WRITERS},
        accepted=frozenset({400}),
        touches=(Member,),
        shows=("id", "health"),
        member_level=True,
    ),
    "api-member-detail": Entry(
        scope=RECORD,
        params=member,
        writes={"PATCH": WRITERS, "DELETE": WRITERS},
        accepted=frozenset({400}),
        touches=(Member,),
        shows=("id", "head_health"),
        member_level=True,
    ),
    "api-household-incomes": Entry(
        scope=RECORD,
        params=household,
        writes={"POST": WRITERS},
        accepted=frozenset({400}),
        touches=(Income,),
    ),
    "api-household-income-year": Entry(
        scope=RECORD,
        params=household_year,
        writes={"PUT": WRITERS},
        accepted=frozenset({400}),
        touches=(Income,),
    ),
    "api-income-detail": Entry(scope=RECORD, params=lambda d: {"income_id": d.income.pk}),
    "api-household-conditions": Entry(
        scope=RECORD,
        params=household,
        writes={"POST": WRITERS},
        accepted=frozenset({400}),
        touches=(Conditions,),
    ),
    "api-household-conditions-year": Entry(
        scope=RECORD,
        params=household_year,
        writes={"PUT": WRITERS},
        accepted=frozenset({400}),
        touches=(Conditions,),
    ),
    "api-household-measures": Entry(
        scope=RECORD,
        params=household,
        writes={"POST": WRITERS},
        accepted=frozenset({400}),
        touches=(Measures,),
        shows=("measure",),
    ),
    "api-household-measures-year": Entry(
        scope=RECORD,
        params=household_year,
        writes={"PUT": WRITERS},
        accepted=frozenset({400}),
        touches=(Measures,),
        shows=("measure",),
    ),
    # The signals 有长期慢性病或大病成员 / 有残疾成员 rest on members' health.
    "api-household-policy": Entry(
        scope=RECORD, params=household, shows=("health_signals",), member_level=True
    ),
    # --- API: cases and notices -------------------------------------------------------------
    "api-case-list": Entry(
        needs=("cases",),
        writes={"POST": WRITERS},  # read-only roles are refused before the body is read
        accepted=frozenset({400}),
        touches=CASES,
    ),
    "api-case-detail": Entry(
        scope=RECORD, params=lambda d: {"case_id": d.case.pk}, shows=("case",)
    ),
    "api-case-steps": Entry(
        scope=RECORD,
        params=lambda d: {"case_id": d.review_case.pk},
        read=None,
        writes={"POST": WRITERS},
        accepted=frozenset({400}),
        touches=CASES,
    ),
    "api-case-objections": Entry(
        scope=RECORD,
        params=lambda d: {"case_id": d.case.pk},
        read=None,
        writes={"POST": WRITERS},
        accepted=frozenset({400}),
        touches=CASES,
    ),
    "api-case-withdraw": Entry(
        scope=RECORD,
        params=lambda d: {"case_id": d.case.pk},
        read=None,
        writes={"POST": WRITERS},
        accepted=frozenset({400}),
        touches=CASES,
    ),
    "api-notice-create": Entry(
        scope=NONE,
        read=None,
        writes={"POST": WRITERS},
        accepted=frozenset({400}),
        touches=CASES,
    ),
    "api-inbox": Entry(needs=("cases",)),
    # --- registry pages ---------------------------------------------------------------------
    "home": Entry(),
    "household_list": Entry(),
    "household_create": Entry(
        scope=NONE,
        read=WRITERS,
        writes={"POST": WRITERS},
        accepted=frozenset({200}),
        touches=(Household,),
    ),
    "household_detail": Entry(
        scope=RECORD,
        params=household,
        shows=("id", "phone", "bank", "remark", "measure", "health"),
        member_level=True,
    ),
    "household_edit": Entry(
        params=household, touches=(Household,), shows=("phone", "bank", "remark"), **REGISTRY_FORM
    ),
    "household_delete": Entry(params=household, touches=(Household,), **REGISTRY_FORM),
    "member_create": Entry(params=household, touches=(Member,), **REGISTRY_FORM),
    "member_edit": Entry(params=member, touches=(Member,), shows=("id",), **REGISTRY_FORM),
    "member_remove": Entry(params=member, touches=(Member,), **REGISTRY_FORM),
    "income_create": Entry(params=household, touches=(Income,), **REGISTRY_FORM),
    "income_edit": Entry(params=household_year, touches=(Income,), **REGISTRY_FORM),
    "conditions_create": Entry(params=household, touches=(Conditions,), **REGISTRY_FORM),
    "conditions_edit": Entry(params=household_year, touches=(Conditions,), **REGISTRY_FORM),
    "measures_create": Entry(params=household, touches=(Measures,), **REGISTRY_FORM),
    "measures_edit": Entry(
        params=household_year, touches=(Measures,), shows=("measure",), **REGISTRY_FORM
    ),
    # --- areas: the browser, 村情信息 and 三率一度 --------------------------------------------
    # A POST the role may not make shows the page again, unchanged (the form is not offered).
    "area_home": Entry(
        writes={"POST": BELOW_COUNTY},  # the own village's groups, the own township's villages
        body=lambda d: {"name": "矩阵测试新建"},
        accepted=frozenset({302}),
        write_refused=200,
        changes=True,
        touches=(Area,),
    ),
    "area_detail": Entry(
        scope=RECORD,
        params=village,
        writes={"POST": WRITERS},  # a group of the village
        body=lambda d: {"name": "矩阵测试组"},
        accepted=frozenset({302}),
        write_refused=200,
        changes=True,
        touches=(Area,),
    ),
    "village_profile_save": Entry(
        scope=RECORD,
        params=village,
        read=None,
        writes={"POST": AREA_MANAGERS},
        body=lambda d: {"year": YEAR, "rural_population": 800},
        accepted=frozenset({302}),
        changes=True,
        touches=(VillageProfile,),
    ),
    "county_assessment_save": Entry(
        scope=RECORD,
        params=lambda d: {"code": d.world.county.code},
        visible=holds_county,  # a village's or township's staff do not see the county
        read=None,
        writes={"POST": frozenset({Role.COUNTY_APPROVER, Role.ADMIN})},
        body=lambda d: {"year": YEAR, "source": "第三方评估报告（矩阵测试）"},
        accepted=frozenset({302}),
        changes=True,
        touches=(CountyAssessment,),
    ),
    # --- dashboards (工作台): the user's area, or an area of the scope ---------------------------
    "dashboards:home": Entry(read=ALL_ROLES, read_refused=404),  # no role: no area, nothing
    "dashboards:area": Entry(scope=RECORD, params=village),
    # --- standard reports (定期报表): figures of the user's area ----------------------------------
    "reporting:list": Entry(),
    "reporting:detail": Entry(
        params=lambda d: {"code": "annual_summary"}, read=ALL_ROLES, read_refused=404
    ),
    # --- third-party assessment sample surveys (抽样调查) ---------------------------------------
    "assessment:surveys": Entry(
        needs=("survey",),
        writes={"POST": frozenset(SURVEY_MANAGERS)},
        body=lambda d: {
            "county": d.world.county.code,
            "year": YEAR,
            "villages": 1,
            "households_per_village": 1,
        },
        body_scoped=True,
        accepted=frozenset({302}),
        changes=True,
        touches=(AssessmentSurvey, SurveyVillage, SurveyHousehold),
    ),
    "assessment:survey": Entry(
        scope=RECORD,
        params=lambda d: {"pk": d.survey.pk},
        visible=holds_county,  # a survey is the county's
        writes={"POST": frozenset(SURVEY_MANAGERS | ASSESSMENT_EDITORS)},
        accepted=frozenset({302}),  # no action chosen: back with the message
        touches=(AssessmentSurvey, SurveyVillage, SurveyHousehold, CountyAssessment),
    ),
    "assessment:sample_xlsx": Entry(
        scope=RECORD,
        params=lambda d: {"pk": d.survey.pk},
        visible=holds_county,
        binary="xlsx",
    ),
    # --- the audit trail --------------------------------------------------------------------
    "audit_list": Entry(read=AUDIT_READERS, shows=("reason",)),
    # The same entries as xlsx, logged as an export (the matrix reads the file's cells).
    "audit_export": Entry(read=AUDIT_READERS, shows=("reason",)),
    # --- quality ----------------------------------------------------------------------------
    "quality_home": Entry(needs=("quality_run",)),
    "quality_catalogue": Entry(scope=NONE),
    "quality_check": Entry(params=lambda d: {"code": "Q-M-010"}, needs=("quality_run",)),
    "quality_run_start": Entry(
        scope=NONE,
        read=None,
        writes={"POST": QUALITY_RUNNERS},
        body=lambda d: {"year": YEAR},
        accepted=frozenset({302}),
        changes=True,
        touches=(QualityRun,),
    ),
    "quality_run_status": Entry(
        scope=RECORD,
        params=lambda d: {"run_id": d.quality_run.pk},
        visible=within_county,  # a county's run: for the county's users down to its villages
    ),
    "quality_exempt": Entry(
        scope=NONE,
        read=None,
        writes={"POST": WRITERS},
        body=lambda d: {
            "check_code": "Q-M-010",
            "household_id": d.household.pk,
            "member_id": d.household.members.get(relation="son").pk,
            "reason": "入户核实，确为在校学生兼职",
        },
        accepted=frozenset({302}),
        changes=True,
        body_scoped=True,
        touches=(Exemption,),
    ),
    # --- imports ----------------------------------------------------------------------------
    "upload_list": Entry(needs=("upload",)),
    "upload_create": Entry(
        scope=NONE,
        read=WRITERS,
        writes={"POST": WRITERS},
        accepted=frozenset({400}),
        touches=(Upload,),
    ),
    "import_template": Entry(scope=NONE),
    "upload_detail": Entry(
        scope=RECORD,
        params=lambda d: {"upload_id": d.upload.pk},
        shows=("upload_id",),
        member_level=True,
    ),
    "upload_progress": Entry(scope=RECORD, params=lambda d: {"upload_id": d.upload.pk}),
    "upload_apply": Entry(
        scope=RECORD,
        params=lambda d: {"upload_id": d.upload.pk},
        read=None,
        writes={"POST": WRITERS},
        accepted=frozenset({302}),
        changes=True,
        touches=(Upload,),
    ),
    "upload_reject": Entry(
        scope=RECORD,
        params=lambda d: {"upload_id": d.upload.pk},
        read=None,
        writes={"POST": WRITERS},
        accepted=frozenset({302}),
        changes=True,
        touches=(Upload,),
    ),
    "upload_retry": Entry(
        scope=RECORD,
        params=lambda d: {"upload_id": d.upload.pk},
        read=None,
        writes={"POST": WRITERS},  # only an interrupted validation is retried: a message
        accepted=frozenset({302}),
        touches=(Upload,),
    ),
    "upload_failed_rows": Entry(
        scope=RECORD,
        params=lambda d: {"upload_id": d.upload.pk},
        shows=("failed_id", "upload_phone", "upload_health"),
        member_level=True,
    ),
    # --- ledger imports (台账导入) -----------------------------------------------------------
    # Every ledger's roles are the roles of its action; together (cadres and work teams:
    # ASSISTANCE_MANAGERS, sites: SITE_MANAGERS, relocation: RELOCATION_WRITERS) the writers,
    # with the problem ledger (PROBLEM_RECORDERS) the inspectors, and with the assessment
    # survey's results (SURVEY_MANAGERS) the county analysts.
    "ledgers:list": Entry(
        needs=("ledger_upload",),
        # Every role that may load some ledger (each ledger's roles are its action's).
        writes={"POST": frozenset().union(*(ledger.roles for ledger in ledgers()))},
        accepted=frozenset({400}),  # an empty form comes back with its errors
        touches=(LedgerUpload,),
    ),
    "ledgers:template": Entry(scope=NONE, params=lambda d: {"kind": "relocations"}),
    "ledgers:detail": Entry(scope=RECORD, params=lambda d: {"upload_id": d.ledger_upload.pk}),
    "ledgers:failed_rows": Entry(scope=RECORD, params=lambda d: {"upload_id": d.ledger_upload.pk}),
    # The relocation ledger's roles: the registry's writers (RELOCATION_WRITERS).
    "ledgers:apply": Entry(
        scope=RECORD,
        params=lambda d: {"upload_id": d.ledger_upload.pk},
        read=None,
        writes={"POST": WRITERS},
        accepted=frozenset({302}),
        changes=True,
        touches=(LedgerUpload, Relocation),
    ),
    "ledgers:discard": Entry(
        scope=RECORD,
        params=lambda d: {"upload_id": d.ledger_upload.pk},
        read=None,
        writes={"POST": WRITERS},
        accepted=frozenset({302}),
        changes=True,
        touches=(LedgerUpload,),
    ),
    # --- exports ----------------------------------------------------------------------------
    "export_list": Entry(needs=("export_log",)),
    "export_new": Entry(
        scope=NONE,
        # Every role may export what it may read, masked as it reads it.
        writes={"POST": EVERYONE},
        body=lambda d: {"what": "members", "format": "csv", "layout": "project"},
        accepted=frozenset({200}),
        changes=True,
        touches=(ExportLog,),
        shows=("id", "health"),
        shows_on="POST",
        member_level=True,
    ),
    "export_detail": Entry(
        scope=RECORD,
        params=lambda d: {"log_id": d.export_log.pk},
        # The analyst's own export; the roles that read the audit trail see every export.
        read=frozenset({Role.COUNTY_ANALYST}) | AUDIT_READERS,
        read_refused=404,
    ),
    "export_download": Entry(
        scope=RECORD,
        params=lambda d: {"log_id": d.export_log.pk},
        read=frozenset({Role.COUNTY_ANALYST}),  # the file is for the one who exported it
        read_refused=404,
        member_level=True,
    ),
    # --- policy -----------------------------------------------------------------------------
    "parameter_list": Entry(scope=NONE),
    "parameter_add": Entry(
        scope=NONE,
        read=None,
        writes={"POST": ADMIN},
        accepted=frozenset({400}),
        touches=(ParameterValue,),
    ),
    "evaluation_list": Entry(needs=("evaluation_run",)),
    "evaluation_start": Entry(
        scope=NONE,
        read=None,
        writes={"POST": frozenset(EVALUATION_STARTERS)},
        body=lambda d: {"year": YEAR},
        accepted=frozenset({302}),
        changes=True,
        touches=(EvaluationJob,),
    ),
    "whatif": Entry(
        scope=NONE,
        writes={"POST": EVERYONE},  # a simulation: reads, never writes the registry
        accepted=frozenset({400}),
        touches=(WhatIfRun,),
    ),
    "whatif_run": Entry(scope=RECORD, params=lambda d: {"run_id": d.whatif_run.pk}),
    # --- cases ------------------------------------------------------------------------------
    # --- department data and alerts (crosscheck), the visit ranking ---------------------------
    "crosscheck:inbox": Entry(needs=("alert",)),
    "crosscheck:report": Entry(needs=("alert",)),
    "crosscheck:alert": Entry(
        scope=RECORD,
        params=lambda d: {"pk": d.alert.pk},
        writes={"POST": WRITERS},
        accepted=frozenset({400}),  # no outcome chosen: the form comes back with its error
        touches=(Alert,),
    ),
    "crosscheck:batches": Entry(
        needs=("alert",),
        writes={"POST": LOADERS},
        accepted=frozenset({400}),  # no file: the form comes back with its errors
        touches=(Batch,),
    ),
    "crosscheck:batch": Entry(
        scope=RECORD,
        params=lambda d: {"pk": d.staged_batch.pk},
        visible=lambda user, d: holds_county(user, d),
        writes={"POST": LOADERS},
        accepted=frozenset({302}),  # the comparison is queued
        touches=(Batch,),
    ),
    "crosscheck:tokens": Entry(
        read=LOADERS,
        needs=("feed_token",),
        writes={"POST": LOADERS},
        accepted=frozenset({200}),
        touches=(FeedToken,),
    ),
    "crosscheck:token_revoke": Entry(
        scope=RECORD,
        params=lambda d: {"pk": d.feed_token.pk},
        read=None,
        visible=lambda user, d: holds_county(user, d),
        writes={"POST": LOADERS},
        accepted=frozenset({302}),
        touches=(FeedToken,),
    ),
    # A department system's push: only a department key (Authorization: Feed …) is accepted;
    # no user, signed in or with a user token, gets past authentication.
    "api-crosscheck-push": Entry(scope=NONE, public={"GET": 401, "POST": 401}),
    # --- assistance: cadres, work teams, visits, plans ---------------------------------------
    "assistance:overview": Entry(needs=("assistance",)),
    "assistance:coverage_report": Entry(needs=("assistance",), binary="xlsx"),
    "assistance:posts_report": Entry(needs=("assistance",), binary="xlsx"),
    "assistance:presence": Entry(needs=("assistance",)),
    "assistance:visits": Entry(needs=("assistance",)),
    "assistance:cadres": Entry(
        needs=("assistance",),
        writes={"POST": MANAGERS},
        accepted=frozenset({200}),  # an empty form comes back with its errors
        touches=(Cadre,),
    ),
    "assistance:cadre": Entry(
        scope=RECORD,
        params=lambda d: {"pk": d.assistance.cadre.pk},
        # A township's cadre: its township's users and those above, and the villages below.
        visible=lambda user, d: within_township(user, d) or holds_township(user, d),
        writes={"POST": MANAGERS},
        accepted=frozenset({200}),
        touches=(Cadre, Pairing),
    ),
    "assistance:pairing_end": Entry(
        scope=RECORD,
        params=lambda d: {"pk": d.assistance.pairing.pk},
        read=None,
        writes={"POST": MANAGERS},
        accepted=frozenset({302}),  # no date or reason: back to the cadre with the message
        touches=(Pairing,),
    ),
    "assistance:teams": Entry(
        needs=("assistance",),
        writes={"POST": MANAGERS},
        accepted=frozenset({200}),
        touches=(TeamPost,),
    ),
    "assistance:post": Entry(
        scope=RECORD,
        params=lambda d: {"pk": d.assistance.post.pk},
        writes={"POST": MANAGERS},
        accepted=frozenset({200}),
        touches=(TeamPost, Presence),
    ),
    "assistance:visit": Entry(
        scope=RECORD,
        params=lambda d: {"pk": d.assistance.visit.pk},
        writes={"POST": WRITERS},
        accepted=frozenset({302}),  # no pending signal: back with the message
        touches=(Visit, Case),
    ),
    "assistance:visit_photo": Entry(
        scope=RECORD,
        params=lambda d: {"pk": d.assistance.visit.pk, "photo": d.assistance.visit.photos.get().pk},
        binary="jpg",
    ),
    "assistance:visit_app": Entry(read=WRITERS),
    "assistance:visit_app_data": Entry(read=WRITERS, needs=("assistance",)),
    "assistance:visit_app_send": Entry(
        read=None,
        writes={"POST": WRITERS},
        accepted=frozenset({400}),  # an empty body: the messages come back as JSON
        touches=(Visit,),
    ),
    "assistance:visit_app_worker": Entry(public={"GET": 200}),
    "assistance:visit_new": Entry(
        scope=RECORD,
        params=household,
        read=WRITERS,
        writes={"POST": WRITERS},
        accepted=frozenset({200}),
        touches=(Visit,),
    ),
    "assistance:plan": Entry(
        scope=RECORD,
        params=household,
        needs=("assistance",),
        writes={"POST": WRITERS},
        accepted=frozenset({200}),
        touches=(PlanItem, Measures),
    ),
    "risk:visits": Entry(),
    # --- multidimensional poverty (多维贫困): the user's own area; ?area= beyond it is 404 ----
    "mpi:overview": Entry(),
    "mpi:summary": Entry(),  # the dashboards' fragment: the same figures, scoped alike
    # --- problem ledgers (问题台账) -------------------------------------------------------------
    "supervision:list": Entry(needs=("problem",)),
    "supervision:report": Entry(needs=("problem",)),
    "supervision:report_xlsx": Entry(needs=("problem",), binary="xlsx"),
    "supervision:new": Entry(
        scope=NONE,
        read=frozenset(PROBLEM_RECORDERS),
        writes={"POST": frozenset(PROBLEM_RECORDERS)},
        accepted=frozenset({400}),  # an empty form comes back with its errors
        touches=(Problem,),
    ),
    "supervision:raise_from_quality": Entry(
        scope=NONE,
        read=None,
        writes={"POST": frozenset(PROBLEM_RECORDERS)},
        accepted=frozenset({302}),  # no completed run: back to the list with the message
        touches=(Problem,),
    ),
    "supervision:detail": Entry(
        scope=RECORD,
        params=lambda d: {"pk": d.problem.pk},
        writes={"POST": frozenset(PROBLEM_RECTIFIERS | PROBLEM_CLOSERS)},
        accepted=frozenset({302}),  # no action chosen: back with the message
        touches=(Problem, ProblemEvidence),
    ),
    "supervision:evidence_file": Entry(
        scope=RECORD,
        params=lambda d: {"pk": d.problem.pk, "evidence": d.problem.file_evidence.pk},
        binary="pdf",
    ),
    # --- listed supervision (挂牌督战) and the battle map (作战图) --------------------------------
    "supervision:listings": Entry(needs=("listing",)),
    "supervision:battle_map": Entry(needs=("listing",)),
    "supervision:listing_new": Entry(
        scope=NONE,
        read=frozenset(LISTING_MANAGERS),
        writes={"POST": frozenset(LISTING_MANAGERS)},
        accepted=frozenset({400}),  # an empty form comes back with its errors
        touches=(Listing,),
    ),
    "supervision:listing": Entry(
        scope=RECORD,
        params=lambda d: {"pk": d.listing.pk},
        writes={"POST": frozenset(LISTING_TASK_EDITORS | LISTING_MANAGERS)},
        accepted=frozenset({302}),  # no action chosen: back with the message
        touches=(Listing, ListingTask),
    ),
    "supervision:listing_progress": Entry(
        scope=RECORD, params=lambda d: {"pk": d.listing.pk}, binary="xlsx"
    ),
    "supervision:listing_task": Entry(
        scope=RECORD,
        params=lambda d: {"pk": d.listing.pk, "task": d.listing.task.pk},
        writes={"POST": frozenset(LISTING_TASK_EDITORS | LISTING_TASK_REPORTERS)},
        accepted=frozenset({302}),  # no action chosen: back with the message
        touches=(ListingTask, ListingTaskEvidence),
    ),
    "supervision:listing_evidence_file": Entry(
        scope=RECORD,
        params=lambda d: {
            "pk": d.listing.pk,
            "task": d.listing.task.pk,
            "evidence": d.listing.file_evidence.pk,
        },
        binary="pdf",
    ),
    # --- relocation (易地扶贫搬迁) ------------------------------------------------------------
    "relocation:list": Entry(needs=("relocation",)),
    "relocation:report": Entry(needs=("relocation",)),
    "relocation:report_export": Entry(needs=("relocation",), binary="xlsx"),
    "relocation:sites": Entry(needs=("relocation",)),
    "relocation:sites_export": Entry(needs=("relocation",), binary="xlsx"),
    "relocation:site_new": Entry(
        scope=NONE,
        read=MANAGERS,
        writes={"POST": MANAGERS},
        accepted=frozenset({400}),  # an empty form comes back with its errors
        touches=(ResettlementSite,),
    ),
    "relocation:site": Entry(
        scope=RECORD,
        params=lambda d: {"pk": d.site.pk},
        needs=("relocation",),
        visible=sees_county_sites,
    ),
    "relocation:site_export": Entry(
        scope=RECORD,
        params=lambda d: {"pk": d.site.pk},
        needs=("relocation",),
        visible=sees_county_sites,
        binary="xlsx",
    ),
    # Seen county-wide, edited only by the managers whose area holds the site.
    "relocation:site_edit": Entry(
        scope=RECORD,
        params=lambda d: {"pk": d.site.pk},
        visible=holds_township,
        read=MANAGERS,
        writes={"POST": MANAGERS},
        accepted=frozenset({400}),
        touches=(ResettlementSite,),
    ),
    "relocation:household": Entry(
        scope=RECORD,
        params=household,
        needs=("relocation",),
        writes={"POST": WRITERS},
        accepted=frozenset({400}),
        touches=(Relocation, Conditions),
    ),
    "relocation:job": Entry(
        scope=RECORD,
        params=household,
        needs=("relocation",),
        read=None,
        writes={"POST": WRITERS},
        accepted=frozenset({400}),
        touches=(MemberJob,),
    ),
    "relocation:measure": Entry(
        scope=RECORD,
        params=household,
        needs=("relocation",),
        read=None,
        writes={"POST": WRITERS},
        accepted=frozenset({400}),
        touches=(FollowUpMeasure,),
    ),
    "relocation:sync": Entry(
        scope=RECORD,
        params=household,
        needs=("relocation",),
        read=None,
        writes={"POST": WRITERS},
        accepted=frozenset({302}),
        touches=(Conditions,),
    ),
    "cases:inbox": Entry(needs=("cases",)),
    "cases:overview": Entry(needs=("cases",)),
    "cases:batch": Entry(
        scope=NONE,
        read=None,
        # The review of the case waiting at 乡镇审核: the township's reviewer only; everyone
        # else gets the result page with the case refused.
        writes={"POST": REVIEWER},
        body=lambda d: {
            "action": "step",
            "step_code": "review",
            "case": f"{d.review_case.pk}:{d.fresh(d.review_case).version}",
            **REVIEW,
        },
        accepted=frozenset({200}),
        write_refused=200,
        changes=True,
        body_scoped=True,
        touches=CASES,
    ),
    "cases:detail": Entry(scope=RECORD, params=lambda d: {"pk": d.case.pk}, shows=("case",)),
    "cases:attachment": Entry(scope=RECORD, params=lambda d: {"pk": d.attachment.pk}),
    "cases:step": Entry(
        scope=RECORD,
        params=lambda d: {"pk": d.review_case.pk},
        read=None,
        writes={"POST": REVIEWER},
        body=lambda d: versioned(d.review_case, step_code="review", **REVIEW),
        accepted=frozenset({302}),
        changes=True,
        touches=CASES,
    ),
    "cases:notice": Entry(
        scope=RECORD,
        params=lambda d: {"pk": d.notice_case.pk},
        read=None,
        writes={"POST": CADRE},
        body=lambda d: versioned(d.notice_case, **helpers.notice_record(TODAY)),
        accepted=frozenset({302}),
        changes=True,
        touches=CASES,
    ),
    "cases:objection": Entry(
        scope=RECORD,
        params=lambda d: {"pk": d.case.pk},
        read=None,
        writes={"POST": HANDLERS},
        body=lambda d: versioned(d.case, raised_on=TODAY.isoformat(), content="户主收入核实有误"),
        accepted=frozenset({302}),
        changes=True,
        touches=CASES,
    ),
    "cases:withdraw": Entry(
        scope=RECORD,
        params=lambda d: {"pk": d.case.pk},
        read=None,
        writes={"POST": HANDLERS},
        body=lambda d: versioned(d.case, reason="农户主动撤回申请"),
        accepted=frozenset({302}),
        changes=True,
        touches=CASES,
    ),
    "cases:open": Entry(
        scope=RECORD,
        params=household_pk,
        writes={"POST": CADRE},  # the procedure's first step is the village cadre's
        body=lambda d: {"case_type": "monitoring", **helpers.application("monitoring", TODAY)},
        accepted=frozenset({302}),
        changes=True,
        touches=CASES,
    ),
    "cases:household": Entry(scope=RECORD, params=household_pk),
    # --- projects, funds and assets -----------------------------------------------------------
    "projects:list": Entry(needs=("project",)),
    "projects:new": Entry(
        scope=NONE,
        read=PROPOSERS,
        writes={"POST": PROPOSERS},
        accepted=frozenset({400}),
        touches=PROJECT_TABLES,
    ),
    "projects:funds": Entry(needs=("project",)),
    "projects:report": Entry(needs=("project",)),
    "projects:disclosures": Entry(
        needs=("project",),
        writes={"POST": frozenset(DISCLOSURE_PUBLISHERS)},
        accepted=frozenset({302}),
        touches=PROJECT_TABLES,
    ),
    "projects:detail": Entry(scope=RECORD, params=project),
    "projects:step": Entry(**project_post(PROPOSERS)),
    "projects:allocation": Entry(**project_post(frozenset(FUND_KEEPERS))),
    "projects:disbursement": Entry(**project_post(frozenset(FUND_KEEPERS))),
    "projects:benefit": Entry(**project_post(WRITERS)),
    "projects:disclose": Entry(**project_post(frozenset(DISCLOSURE_PUBLISHERS))),
    "assets:list": Entry(needs=("asset",)),
    "assets:report": Entry(needs=("asset",)),
    "assets:new": Entry(
        scope=NONE,
        read=frozenset(ASSET_WRITERS),
        writes={"POST": frozenset(ASSET_WRITERS)},
        accepted=frozenset({400}),
        touches=ASSET_TABLES,
    ),
    "assets:detail": Entry(scope=RECORD, params=asset),
    "assets:status": Entry(**asset_post(frozenset(ASSET_WRITERS))),
    "assets:income": Entry(**asset_post(frozenset(ASSET_WRITERS))),
    "assets:disposal": Entry(**asset_post(frozenset(ASSET_WRITERS))),
    "assets:decide": Entry(
        **asset_post(frozenset(DISPOSAL_APPROVERS), params=lambda d: {"pk": d.disposal.pk})
    ),
    "notices:list": Entry(needs=("cases",)),
    "notices:detail": Entry(scope=RECORD, params=lambda d: {"notice_id": d.notice.pk}),
    "notices:staff_pdf": Entry(
        scope=RECORD, params=lambda d: {"notice_id": d.notice.pk}, binary="pdf"
    ),
}

# Files under STATIC_URL (whitenoise, not in the URL configuration): public.
STATIC_FILES = ("/static/css/jingzhun.css", "/static/vendor/htmx-2.0.11.min.js")
