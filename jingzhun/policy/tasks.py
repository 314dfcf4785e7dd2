"""Background what-if simulations (django-tasks; worked by ``jingzhun worker``)."""

from __future__ import annotations

from django_tasks import task

from jingzhun.areas.models import Area
from jingzhun.policy import runs
from jingzhun.policy.models import WhatIfRun
from jingzhun.policy.whatif import Override, WhatIf, simulate_area

# How many affected households a stored result lists (the page shows them; the counts by area
# cover every one).
STORED_AFFECTED = 500


@task()
def run_whatif(run_id: int) -> int:
    """Work the queued WhatIfRun ``run_id``, reporting each step as its progress; returns how
    many households were affected."""
    if not runs.start_whatif(run_id):
        return 0
    run = WhatIfRun.objects.get(pk=run_id)
    try:
        area = Area.objects.get(code=run.area_code)
        result = runs_simulate(run, area)
    except Exception as error:
        runs.finish_whatif(run_id, result=None, error=f"{type(error).__name__}: {error}")
        raise
    runs.finish_whatif(run_id, result=result.summary(STORED_AFFECTED))
    return result.affected.num_rows


def runs_simulate(run: WhatIfRun, area: Area) -> WhatIf:
    return simulate_area(
        run.year,
        [Override.from_dict(o) for o in run.overrides],
        area_code=area.code,
        area_prefix=area.scope_prefix,
        progress=lambda step: runs.mark_whatif(run.pk, progress=step),
    )
