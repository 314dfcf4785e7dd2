from django.apps import AppConfig


class PolicyConfig(AppConfig):
    name = "jingzhun.policy"
    verbose_name = "政策参数与判定"
