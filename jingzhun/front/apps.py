from django.apps import AppConfig


class FrontConfig(AppConfig):
    name = "jingzhun.front"
    verbose_name = "综合页面"

    def ready(self) -> None:
        # An export "with the list's filters" keeps to the list's drill-downs too.
        from jingzhun.exports.layouts import install_narrowing
        from jingzhun.front.drilldown import export_narrowing

        install_narrowing(export_narrowing)
