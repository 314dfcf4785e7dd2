from django.apps import AppConfig


class ReportingConfig(AppConfig):
    name = "jingzhun.reporting"
    verbose_name = "定期报表"
