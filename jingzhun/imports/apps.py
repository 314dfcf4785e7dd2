from django.apps import AppConfig


class ImportsConfig(AppConfig):
    name = "jingzhun.imports"
    verbose_name = "数据导入"

    def ready(self) -> None:
        from jingzhun.core import jobs
        from jingzhun.imports.actions import fail_interrupted_uploads
        from jingzhun.imports.models import Status, Upload

        jobs.register(
            jobs.JobKind(Upload, (Status.VALIDATED, Status.APPLYING), fail_interrupted_uploads)
        )
