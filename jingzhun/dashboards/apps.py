from django.apps import AppConfig


class DashboardsConfig(AppConfig):
    name = "jingzhun.dashboards"
    verbose_name = "工作台"
