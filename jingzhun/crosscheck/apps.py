from django.apps import AppConfig


class CrosscheckConfig(AppConfig):
    """Department data comparison (信息比对) and early warning (部门筛查预警)."""

    name = "jingzhun.crosscheck"
    verbose_name = "部门信息比对与预警"
