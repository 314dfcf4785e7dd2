from django.apps import AppConfig


class RiskConfig(AppConfig):
    """Visit ranking (敲门行动、遍访排序): a model of the registry's own history that orders the
    visit list and says why. Never a decision (docs/risk.md)."""

    name = "jingzhun.risk"
    verbose_name = "走访风险排序"
