from django.apps import AppConfig


class AnalyticsConfig(AppConfig):
    name = "jingzhun.analytics"
    verbose_name = "分析引擎"
