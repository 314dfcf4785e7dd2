"""Project asset pages."""

from django.urls import path

from jingzhun.assets import views

app_name = "assets"
urlpatterns = [
    path("assets/", views.asset_list, name="list"),
    path("assets/new/", views.asset_new, name="new"),
    path("assets/report/", views.asset_report, name="report"),
    path("assets/<int:pk>/", views.asset_detail, name="detail"),
    path("assets/<int:pk>/status/", views.asset_status, name="status"),
    path("assets/<int:pk>/income/", views.asset_income, name="income"),
    path("assets/<int:pk>/disposal/", views.asset_disposal, name="disposal"),
    path("assets/disposals/<int:pk>/decide/", views.disposal_decide, name="decide"),
]
