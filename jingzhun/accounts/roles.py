"""Roles and what each may do. The one place that says who may write, see numbers, read audits.

A role is bound to a level: a village cadre to a village, a township reviewer to a township, and
so on. Scope (which records) is the area; capability (what to do with them) is the role.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from jingzhun.areas.models import Level


class Role(models.TextChoices):
    VILLAGE_CADRE = "village_cadre", _("村干部")
    TOWNSHIP_REVIEWER = "township_reviewer", _("乡镇审核员")
    COUNTY_APPROVER = "county_approver", _("县级审批员")
    COUNTY_ANALYST = "county_analyst", _("县级分析员")
    CITY_VIEWER = "city_viewer", _("市级查看")
    PROVINCE_VIEWER = "province_viewer", _("省级查看")
    INSPECTOR = "inspector", _("纪检督查（只读）")
    ADMIN = "admin", _("系统管理员")


# Which levels a role may be bound to.
ROLE_LEVELS: dict[str, set[int]] = {
    Role.VILLAGE_CADRE: {Level.VILLAGE},
    Role.TOWNSHIP_REVIEWER: {Level.TOWNSHIP},
    Role.COUNTY_APPROVER: {Level.COUNTY},
    Role.COUNTY_ANALYST: {Level.COUNTY},
    Role.CITY_VIEWER: {Level.CITY},
    Role.PROVINCE_VIEWER: {Level.PROVINCE},
    Role.INSPECTOR: {Level.PROVINCE, Level.CITY, Level.COUNTY, Level.TOWNSHIP},
    Role.ADMIN: {Level.PROVINCE, Level.CITY, Level.COUNTY},
}

REGISTRY_WRITERS = frozenset(
    {Role.VILLAGE_CADRE, Role.TOWNSHIP_REVIEWER, Role.COUNTY_APPROVER, Role.ADMIN}
)
# Roles that handle households' paperwork and therefore see full ID, phone and bank numbers.
PERSONAL_DATA_READERS = frozenset(
    {Role.VILLAGE_CADRE, Role.TOWNSHIP_REVIEWER, Role.COUNTY_APPROVER, Role.ADMIN}
)
# Health status (健康状况: 长期慢性病, 患有大病, 残疾) is sensitive personal information under the
# Personal Information Protection Law (个人信息保护法 第二十八条): shown only to the roles that
# verify, review and approve a household's assistance (the 因病/因残 risks rest on it) and to the
# administrator who corrects records. Analysts, viewers and inspectors see "已隐藏"; figures
# aggregated over many households (the quality checks, the policy engine) still use it.
HEALTH_READERS = frozenset(
    {Role.VILLAGE_CADRE, Role.TOWNSHIP_REVIEWER, Role.COUNTY_APPROVER, Role.ADMIN}
)
AUDIT_READERS = frozenset({Role.INSPECTOR, Role.ADMIN, Role.COUNTY_APPROVER})
AREA_MANAGERS = frozenset({Role.TOWNSHIP_REVIEWER, Role.COUNTY_APPROVER, Role.ADMIN})
# Department data (信息比对): the county loads batches and issues department push keys; the
# roles that write the registry verify (核实) the alerts of their area.
CROSSCHECK_LOADERS = frozenset({Role.COUNTY_APPROVER, Role.COUNTY_ANALYST, Role.ADMIN})
ALERT_VERIFIERS = REGISTRY_WRITERS
# Visit ranking (jingzhun/risk): the county trains and stores a ranking run; every role reads
# the visit list of its own area.
RISK_RANKERS = frozenset({Role.COUNTY_APPROVER, Role.COUNTY_ANALYST, Role.ADMIN})
# Relocation (jingzhun/relocation): the roles that write the registry record a household's move,
# its members' jobs and its follow-up support; townships and the county set up and edit the
# resettlement sites (集中安置点) of their area.
RELOCATION_WRITERS = REGISTRY_WRITERS
SITE_MANAGERS = frozenset({Role.TOWNSHIP_REVIEWER, Role.COUNTY_APPROVER, Role.ADMIN})

# Assistance work (jingzhun/assistance): townships and the county keep the cadres, their
# pairings and the village work teams; the roles that write the registry record visits and the
# items of a household's yearly plan.
ASSISTANCE_MANAGERS = AREA_MANAGERS
VISIT_RECORDERS = REGISTRY_WRITERS

# Roles that approve (the county's decisions) or administer (accounts, parameters): they sign
# in with a second factor (TOTP) where it is required (the production profile).
SECOND_FACTOR_ROLES = frozenset({Role.COUNTY_APPROVER, Role.ADMIN})

# Projects and funds (jingzhun/projects): the county records allocations (下达) and
# disbursements (拨付) and adjusts budgets after approval; the step roles come from the
# procedure files. Disclosure notices are published by the staff of the area they cover.
FUND_KEEPERS = frozenset({Role.COUNTY_APPROVER, Role.ADMIN})
DISCLOSURE_PUBLISHERS = frozenset(
    {Role.VILLAGE_CADRE, Role.TOWNSHIP_REVIEWER, Role.COUNTY_APPROVER, Role.ADMIN}
)
# Project assets (jingzhun/assets): recorded, and their income entered, by the staff who write
# the registry, in their area; a disposal is approved by the county.
ASSET_WRITERS = REGISTRY_WRITERS
DISPOSAL_APPROVERS = frozenset({Role.COUNTY_APPROVER})

# Problem ledgers (jingzhun/supervision): the roles that write the registry and the inspectors
# (纪检督查) enter problems; the staff of the problem's area record its rectification and ask
# for closing; closing (销号) is done by a township, the county or an inspector of a level ABOVE
# the problem's area (never its own unit); the level above or an inspector reopens.
# Third-party assessment sample surveys: the county draws the sample and enters what the
# surveyors found; applying the results to the county's assessment figures is the approver's.
SURVEY_MANAGERS = frozenset({Role.COUNTY_APPROVER, Role.COUNTY_ANALYST, Role.ADMIN})
PROBLEM_RECORDERS = REGISTRY_WRITERS | {Role.INSPECTOR}
PROBLEM_RECTIFIERS = REGISTRY_WRITERS
PROBLEM_CLOSERS = frozenset(
    {Role.TOWNSHIP_REVIEWER, Role.COUNTY_APPROVER, Role.INSPECTOR, Role.ADMIN}
)
PROBLEM_REOPENERS = PROBLEM_CLOSERS

# Listed supervision (挂牌督战, jingzhun/supervision/listings.py): a county, township or village
# is listed — and its listing closed (摘牌) — by the county's approver, an inspector or an
# administrator of a level ABOVE it (a township by its county, a county by its city); the
# listed area's own managers and those above add and change its tasks; the staff of the area
# a task concerns (the roles that write the registry) report its progress.
LISTING_MANAGERS = frozenset({Role.COUNTY_APPROVER, Role.INSPECTOR, Role.ADMIN})
LISTING_TASK_EDITORS = LISTING_MANAGERS | AREA_MANAGERS
LISTING_TASK_REPORTERS = REGISTRY_WRITERS
