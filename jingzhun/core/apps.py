from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "jingzhun.core"
    verbose_name = "基础"

    def ready(self) -> None:
        from jingzhun.core import checks  # noqa: F401 (registers the deployment checks)
