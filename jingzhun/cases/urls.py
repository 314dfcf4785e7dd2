"""Case pages: inbox, case page and its step forms, the county overview."""

from django.urls import path  # noqa: F401

app_name = "cases"
urlpatterns: list = []
