"""The comparison of a staged batch runs in the background worker (linking a county's batch
takes seconds to minutes). A worker killed mid-way leaves the batch staged — the comparison is
one transaction — and its queue task failed by the reaper: the page offers to run it again."""

from __future__ import annotations

from typing import Any

from django_tasks import task

from jingzhun.core.actions import Actor
from jingzhun.crosscheck import actions
from jingzhun.crosscheck.models import Batch


@task()
def apply_batch_task(batch_id: int, user_id: int | None) -> dict[str, Any]:
    batch = Batch.objects.select_related("area").get(pk=batch_id)
    from jingzhun.accounts.models import User

    user = User.objects.select_related("area").get(pk=user_id) if user_id else None
    batch = actions.do_apply_batch(batch, actor=Actor(user=user, source="import"))
    return {"status": batch.status, "counts": batch.counts}
