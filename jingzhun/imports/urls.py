from django.urls import path

from jingzhun.imports import views

urlpatterns = [
    path("imports/", views.upload_list, name="upload_list"),
    path("imports/new/", views.upload_create, name="upload_create"),
    path("imports/template.xlsx", views.template_download, name="import_template"),
    path("imports/<int:upload_id>/", views.upload_detail, name="upload_detail"),
    path("imports/<int:upload_id>/progress/", views.upload_progress, name="upload_progress"),
    path("imports/<int:upload_id>/apply/", views.upload_apply, name="upload_apply"),
    path("imports/<int:upload_id>/reject/", views.upload_reject, name="upload_reject"),
    path("imports/<int:upload_id>/retry/", views.upload_retry, name="upload_retry"),
    path(
        "imports/<int:upload_id>/failed-rows.xlsx",
        views.upload_failed_rows,
        name="upload_failed_rows",
    ),
]
