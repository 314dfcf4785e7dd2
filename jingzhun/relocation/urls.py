from django.urls import path

from jingzhun.relocation import views

app_name = "relocation"

urlpatterns = [
    path("relocation/", views.relocation_list, name="list"),
    path("relocation/report/", views.report, name="report"),
    path("relocation/report/export/", views.report_export, name="report_export"),
    path("relocation/sites/", views.site_list, name="sites"),
    path("relocation/sites/export/", views.sites_export, name="sites_export"),
    path("relocation/sites/new/", views.site_new, name="site_new"),
    path("relocation/sites/<int:pk>/", views.site_detail, name="site"),
    path("relocation/sites/<int:pk>/edit/", views.site_edit, name="site_edit"),
    path("relocation/sites/<int:pk>/export/", views.site_export, name="site_export"),
    path("relocation/households/<int:household_id>/", views.household, name="household"),
    path("relocation/households/<int:household_id>/jobs/", views.job, name="job"),
    path("relocation/households/<int:household_id>/measures/", views.measure, name="measure"),
    path("relocation/households/<int:household_id>/sync/", views.sync, name="sync"),
]
