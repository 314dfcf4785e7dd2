from django.apps import AppConfig


class ExportsConfig(AppConfig):
    name = "jingzhun.exports"
    verbose_name = "数据导出"

    def ready(self) -> None:
        from jingzhun.core import jobs
        from jingzhun.exports.actions import fail_interrupted_exports
        from jingzhun.exports.models import ExportLog, ExportStatus

        jobs.register(jobs.JobKind(ExportLog, (ExportStatus.RUNNING,), fail_interrupted_exports))
