from django.urls import path

from jingzhun.exports import views

urlpatterns = [
    path("exports/", views.export_list, name="export_list"),
    path("exports/new/", views.export_new, name="export_new"),
    path("exports/<int:log_id>/", views.export_detail, name="export_detail"),
    path("exports/<int:log_id>/download/", views.export_download, name="export_download"),
]
