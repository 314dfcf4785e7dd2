from django.apps import AppConfig


class LinkageConfig(AppConfig):
    """Record linkage as a library: normalising names, ID numbers and dates, and linking two
    tables of people (exact and Fellegi–Sunter), with no models of its own."""

    name = "jingzhun.linkage"
    verbose_name = "记录关联"
