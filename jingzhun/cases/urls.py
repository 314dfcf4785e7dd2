"""Case pages: inbox, case page and its step forms, the county overview."""

from django.urls import path

from jingzhun.cases import views

app_name = "cases"
urlpatterns = [
    path("cases/", views.inbox, name="inbox"),
    path("cases/batch/", views.batch, name="batch"),
    path("cases/overview/", views.county_overview, name="overview"),
    path("cases/attachment/<int:pk>/", views.attachment, name="attachment"),
    path("cases/<int:pk>/", views.detail, name="detail"),
    path("cases/<int:pk>/step/", views.perform_step, name="step"),
    path("cases/<int:pk>/notice/", views.publish_notice, name="notice"),
    path("cases/<int:pk>/objection/", views.record_objection, name="objection"),
    path("cases/<int:pk>/withdraw/", views.withdraw, name="withdraw"),
    path("households/<int:pk>/cases/new/", views.open_case, name="open"),
    path("households/<int:pk>/cases/", views.household_cases, name="household"),
]
