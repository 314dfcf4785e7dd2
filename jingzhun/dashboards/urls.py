from django.urls import path

from jingzhun.dashboards import views

app_name = "dashboards"

urlpatterns = [
    path("dashboard/", views.area_dashboard, name="home"),
    path("dashboard/<str:code>/", views.area_dashboard, name="area"),
]
