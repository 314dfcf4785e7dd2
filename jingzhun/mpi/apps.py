from django.apps import AppConfig


class MpiConfig(AppConfig):
    """Multidimensional poverty (多维贫困) by the Alkire–Foster method, beside the income line:
    read-only analytics over the snapshot or any data file (docs/mpi.md)."""

    name = "jingzhun.mpi"
    verbose_name = "多维贫困测算"
