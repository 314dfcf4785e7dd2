"""Project library pages."""

from django.urls import path

from jingzhun.projects import views

app_name = "projects"
urlpatterns = [
    path("projects/", views.project_list, name="list"),
    path("projects/new/", views.project_new, name="new"),
    path("projects/funds/", views.funds, name="funds"),
    path("projects/report/", views.report, name="report"),
    path("projects/disclosures/", views.disclosures, name="disclosures"),
    path("projects/<int:pk>/", views.project_detail, name="detail"),
    path("projects/<int:pk>/step/", views.project_step, name="step"),
    path("projects/<int:pk>/allocation/", views.project_allocation, name="allocation"),
    path("projects/<int:pk>/disbursement/", views.project_disbursement, name="disbursement"),
    path("projects/<int:pk>/benefit/", views.project_benefit, name="benefit"),
    path("projects/<int:pk>/disclose/", views.project_disclose, name="disclose"),
]
