from django.urls import path

from jingzhun.supervision import views

app_name = "supervision"

urlpatterns = [
    path("problems/", views.problem_list, name="list"),
    path("problems/new/", views.problem_new, name="new"),
    path("problems/raise-from-quality/", views.raise_from_quality, name="raise_from_quality"),
    path("problems/report/", views.report, name="report"),
    path("problems/report.xlsx", views.report_xlsx, name="report_xlsx"),
    path("problems/<int:pk>/", views.problem_detail, name="detail"),
    path("problems/<int:pk>/evidence/<int:evidence>/", views.evidence_file, name="evidence_file"),
]
