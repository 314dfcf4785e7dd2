from django.urls import path

from jingzhun.quality import views

urlpatterns = [
    path("quality/", views.quality_home, name="quality_home"),
    path("quality/catalogue/", views.quality_catalogue, name="quality_catalogue"),
    path("quality/checks/<str:code>/", views.quality_check, name="quality_check"),
    path("quality/runs/", views.quality_run_start, name="quality_run_start"),
    path("quality/runs/<int:run_id>/", views.quality_run_status, name="quality_run_status"),
    path("quality/exemptions/", views.quality_exempt, name="quality_exempt"),
]
