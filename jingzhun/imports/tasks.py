"""Background jobs of the import, run by the database queue (``jingzhun worker``).

The web request only stores the file and enqueues; parsing, matching and applying run here, so
no request waits on them. Progress is written beside the upload and polled by the page.
"""

from __future__ import annotations

from typing import Any

from django_tasks import task

from jingzhun.imports import actions
from jingzhun.imports.models import Upload


@task()
def validate_upload_task(upload_id: int) -> dict[str, Any]:
    upload = actions.do_validate_upload(Upload.objects.get(pk=upload_id))
    return {"status": upload.status, "counts": upload.counts}


@task()
def apply_upload_task(upload_id: int) -> dict[str, Any]:
    upload = actions.do_apply_upload(Upload.objects.get(pk=upload_id))
    return {
        "status": upload.status,
        "result": {k: v for k, v in upload.result.items() if k != "late_refusals"},
    }
