"""Notices: the staff list and page, and the public page and PDF (no login, by link)."""

from django.urls import path

from jingzhun.cases import notice_views as views

app_name = "notices"
urlpatterns = [
    path("cases/notices/", views.notice_list, name="list"),
    path("cases/notices/<int:notice_id>/", views.notice_detail, name="detail"),
    path("cases/notices/<int:notice_id>/pdf/", views.staff_pdf, name="staff_pdf"),
    path("notices/<str:token>/", views.public_notice, name="public"),
    path("notices/<str:token>/pdf/", views.public_pdf, name="pdf"),
]
