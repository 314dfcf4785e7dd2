from django.urls import path

from jingzhun.reporting import views

app_name = "reporting"

urlpatterns = [
    path("reports/", views.report_list, name="list"),
    path("reports/<str:code>/", views.report_detail, name="detail"),
]
