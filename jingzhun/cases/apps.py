from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "jingzhun.cases"
    verbose_name = "办理程序"
