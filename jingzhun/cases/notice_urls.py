"""Notices: the staff list and page, and the public page and PDF (no login, by link)."""

from django.urls import path  # noqa: F401

app_name = "notices"
urlpatterns: list = []
