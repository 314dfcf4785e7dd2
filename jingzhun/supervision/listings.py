"""Listed supervision (挂牌督战): a county, township or village listed by the level above for
supervision, with a supervising leader and unit, a period, a task list (任务清单) down to
villages and households, and its closing (摘牌). The models; every write is in
:mod:`jingzhun.supervision.listing_actions`, every read in
:mod:`jingzhun.supervision.listing_queries`. A listing's history is its audit trail (object
type ``listing``) with its tasks' (``listingtask``).

A task's 已逾期 is never stored: it is read from its deadline and the day (see
:meth:`ListingTask.is_overdue`). ``completed_on`` is stored when a task becomes 已完成, so the
weekly progress is a query over the tasks, not typed figures.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

LISTING_LABEL = gettext_noop("%(area)s 挂牌督战")


class ListingStatus(models.TextChoices):
    ACTIVE = "active", _("督战中")
    CLOSED = "closed", _("已摘牌")


class TaskStatus(models.TextChoices):
    NOT_STARTED = "not_started", _("未开始")
    IN_PROGRESS = "in_progress", _("推进中")
    DONE = "done", _("已完成")


class Listing(models.Model):
    """One listed area (county, township or village) and who supervises it."""

    area = models.ForeignKey(
        "areas.Area", verbose_name=_("挂牌地区"), on_delete=models.PROTECT, related_name="+"
    )
    area_code = models.CharField(_("区划代码"), max_length=15, editable=False)
    reason = models.TextField(_("挂牌原因"))
    supervisor_name = models.CharField(_("督战领导"), max_length=64)
    supervisor_post = models.CharField(_("领导职务"), max_length=100)
    supervising_unit = models.CharField(_("督战单位"), max_length=100)
    # The area of the supervising unit: always above the listed area.
    supervising_area = models.ForeignKey(
        "areas.Area", verbose_name=_("督战单位所在地区"), on_delete=models.PROTECT, related_name="+"
    )
    starts_on = models.DateField(_("督战开始日期"))
    ends_on = models.DateField(_("督战结束日期"))
    status = models.CharField(
        _("状态"), max_length=16, choices=ListingStatus.choices, default=ListingStatus.ACTIVE
    )
    closed_on = models.DateField(_("摘牌日期"), null=True, blank=True)
    close_reason = models.CharField(_("摘牌意见"), max_length=500, blank=True)
    # Why the listing was closed with tasks still open (required then, empty otherwise).
    open_tasks_note = models.CharField(_("未完成任务说明"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("登记人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("挂牌督战")
        verbose_name_plural = _("挂牌督战")
        ordering = ["-starts_on", "-id"]
        indexes = [models.Index(fields=["area_code", "status"], name="listing_scope")]

    def __str__(self) -> str:
        return f"{self.area_code} {self.starts_on}"


class ListingTask(models.Model):
    """One task of a listing's task list (县乡村户任务清单): who does it by when, and for which
    village or household (optional)."""

    listing = models.ForeignKey(Listing, on_delete=models.CASCADE, related_name="tasks")
    text = models.TextField(_("任务内容"))
    owner_unit = models.CharField(_("责任单位"), max_length=100)
    owner_person = models.CharField(_("责任人"), max_length=64)
    deadline = models.DateField(_("完成时限"))
    # The area the task concerns: a village of the listed area, or the listed area itself.
    area = models.ForeignKey(
        "areas.Area", verbose_name=_("任务所在地区"), on_delete=models.PROTECT, related_name="+"
    )
    area_code = models.CharField(_("区划代码"), max_length=15, editable=False)
    household = models.ForeignKey(
        "registry.Household",
        verbose_name=_("农户"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    status = models.CharField(
        _("进度"), max_length=16, choices=TaskStatus.choices, default=TaskStatus.NOT_STARTED
    )
    completed_on = models.DateField(_("完成日期"), null=True, blank=True)
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)
    version = models.PositiveIntegerField(_("版本"), default=1)

    class Meta:
        verbose_name = _("督战任务")
        verbose_name_plural = _("任务清单")
        ordering = ["listing", "deadline", "id"]
        indexes = [models.Index(fields=["area_code", "status"], name="listing_task_scope")]

    def __str__(self) -> str:
        return self.text[:40]

    def is_overdue(self, today: dt.date) -> bool:
        """已逾期: not done and past its deadline (derived, never stored)."""
        return self.status != TaskStatus.DONE and self.deadline < today


class ListingTaskEvidence(models.Model):
    """A text or a file reported with a task's progress."""

    task = models.ForeignKey(ListingTask, on_delete=models.CASCADE, related_name="evidence")
    text = models.TextField(_("进展说明"), blank=True)
    file = models.FileField(_("文件"), upload_to="listings/%Y/%m/", blank=True)
    added_at = models.DateTimeField(_("登记时间"), auto_now_add=True)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("登记人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("任务佐证")
        verbose_name_plural = _("任务佐证")
        ordering = ["task", "id"]

    def __str__(self) -> str:
        return f"{self.task_id} {self.pk}"
