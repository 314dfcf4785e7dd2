from django.apps import AppConfig


class ExportsConfig(AppConfig):
    name = "jingzhun.exports"
    verbose_name = "数据导出"
