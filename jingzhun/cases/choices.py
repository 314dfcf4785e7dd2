"""Value lists of the statutory procedures (docs/domain.md, 办理程序 and 防返贫动态监测)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class CaseType(models.TextChoices):
    IDENTIFICATION = "identification", _("建档立卡识别")
    EXIT = "exit", _("脱贫退出")
    MONITORING = "monitoring", _("纳入监测")
    ELIMINATION = "elimination", _("风险消除")
    REVERSAL = "reversal", _("返贫重新纳入")
    REMOVAL = "removal", _("清退")


class CaseStatus(models.TextChoices):
    OPEN = "open", _("办理中")
    COMPLETED = "completed", _("已办结")
    REJECTED = "rejected", _("未通过")
    WITHDRAWN = "withdrawn", _("已撤回")


class Channel(models.TextChoices):
    SELF_REPORT = "self_report", _("农户自主申报")
    CADRE_VISIT = "cadre_visit", _("基层干部排查")
    DEPARTMENT_ALERT = "department_alert", _("部门筛查预警")


class StepKind(models.TextChoices):
    """What a step records; a procedure names its steps and gives each a kind."""

    APPLICATION = "application", _("申请或发现")
    VISIT = "visit", _("入户核实和签字授权")
    COMPARISON = "comparison", _("部门信息比对")
    DELIBERATION = "deliberation", _("民主评议")
    VERIFICATION = "verification", _("村级核实")
    AGREEMENT = "agreement", _("农户签字认可")
    PUBLICITY = "publicity", _("公示")
    REVIEW = "review", _("审核")
    APPROVAL = "approval", _("审批")
    ANNOUNCEMENT = "announcement", _("公告")
    UPDATE = "update", _("系统标注")


class Outcome(models.TextChoices):
    DONE = "done", _("完成")
    NOTICE_OPENED = "notice_opened", _("开始公示")
    RETURNED = "returned", _("退回重新核实")
    OBJECTION = "objection", _("公示有异议，退回核实")
    REJECTED = "rejected", _("不予通过")
    WITHDRAWN = "withdrawn", _("撤回")


class Opinion(models.TextChoices):
    AGREE = "agree", _("同意")
    RETURN = "return", _("退回重新核实")
    REJECT = "reject", _("不同意")


class VerificationResult(models.TextChoices):
    CONFIRMED = "confirmed", _("情况属实")
    NOT_CONFIRMED = "not_confirmed", _("情况不属实")


class ComparisonResult(models.TextChoices):
    CONSISTENT = "consistent", _("比对无异常")
    FINDINGS = "findings", _("比对发现疑点（已说明）")
    INELIGIBLE = "ineligible", _("比对显示不符合条件")


class NoticeKind(models.TextChoices):
    PUBLICITY = "publicity", _("公示")
    ANNOUNCEMENT = "announcement", _("公告")


class RemovalScope(models.TextChoices):
    MONITORING = "monitoring", _("清退出监测对象")
    REGISTRATION = "registration", _("清退出建档立卡贫困户")


# --- the project library (项目库) ----------------------------------------------------------------
# Kept here beside the case value lists because the procedure files name them
# (cases/procedures/*.yaml, ``project_types:``); jingzhun.projects.choices re-exports them.


class ProjectType(models.TextChoices):
    INDUSTRY = "industry", _("产业发展")
    EMPLOYMENT = "employment", _("就业")
    INFRASTRUCTURE = "infrastructure", _("基础设施")
    PUBLIC_SERVICE = "public_service", _("公共服务")
    RELOCATION_FOLLOWUP = "relocation_followup", _("易地搬迁后续扶持")
    OTHER = "other", _("其他")


class ProjectStepKind(models.TextChoices):
    """What a project step records."""

    APPLICATION = "application", _("入库申报")
    REVIEW = "review", _("论证审核")
    APPROVAL = "approval", _("批复入库")
    IMPLEMENTATION = "implementation", _("实施")
    ACCEPTANCE = "acceptance", _("验收")
    HANDOVER = "handover", _("资产移交")


class NoticeSubject(models.TextChoices):
    """What a notice lists: households (the procedures' 公示/公告) or projects and funds
    (扶贫资金项目公告公示)."""

    HOUSEHOLDS = "households", _("农户")
    PROJECTS = "projects", _("项目")
    FUNDS = "funds", _("资金")
