from django.apps import AppConfig


class QualityConfig(AppConfig):
    name = "jingzhun.quality"
    verbose_name = "数据质量"

    def ready(self) -> None:
        from jingzhun.core import jobs
        from jingzhun.quality.actions import fail_interrupted_runs
        from jingzhun.quality.models import QualityRun, RunStatus

        jobs.register(jobs.JobKind(QualityRun, (RunStatus.RUNNING,), fail_interrupted_runs))
