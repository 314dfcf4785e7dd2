from django.apps import AppConfig


class FrontConfig(AppConfig):
    name = "jingzhun.front"
    verbose_name = "综合页面"
