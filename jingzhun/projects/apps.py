from django.apps import AppConfig


class ProjectsConfig(AppConfig):
    name = "jingzhun.projects"
    verbose_name = "项目库和资金"
