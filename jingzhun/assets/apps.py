from django.apps import AppConfig


class AssetsConfig(AppConfig):
    name = "jingzhun.assets"
    verbose_name = "扶贫项目资产"
