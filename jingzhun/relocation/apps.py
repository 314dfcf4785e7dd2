from django.apps import AppConfig


class RelocationConfig(AppConfig):
    """Relocation for poverty alleviation (易地扶贫搬迁): sites, relocated households, their jobs
    and follow-up support (后续扶持)."""

    name = "jingzhun.relocation"
    verbose_name = "易地扶贫搬迁"
