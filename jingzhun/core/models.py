"""Models every app shares: the lease of a process that runs background jobs."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class WorkerLease(models.Model):
    """One process that runs jobs (the background worker, a command, the web server doing a
    small export inline). Jobs in a running state record the lease of the process running
    them; :mod:`jingzhun.core.jobs` finds the leases whose process is gone and fails their
    jobs with a reason, so nothing stays "运行中" forever."""

    id = models.CharField(_("进程标识"), max_length=160, primary_key=True)
    host = models.CharField(_("主机"), max_length=100)
    pid = models.PositiveIntegerField(_("进程号"))
    # The process's start time on its host (Linux clock ticks since boot; 0 where unknown):
    # a pid reused by a later process is not mistaken for the one that held the lease.
    process_start = models.BigIntegerField(_("进程启动标记"), default=0)
    kind = models.CharField(_("类型"), max_length=16)
    started_at = models.DateTimeField(_("开始时间"))
    heartbeat_at = models.DateTimeField(_("最近心跳"), db_index=True)

    class Meta:
        verbose_name = _("后台进程")
        verbose_name_plural = _("后台进程")

    def __str__(self) -> str:
        return self.id
