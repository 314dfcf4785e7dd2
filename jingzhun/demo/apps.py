from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "jingzhun.demo"
    verbose_name = "演示数据"
