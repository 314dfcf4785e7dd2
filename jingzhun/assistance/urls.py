from django.urls import path

from jingzhun.assistance import views

app_name = "assistance"

urlpatterns = [
    path("assistance/", views.overview, name="overview"),
    path("assistance/coverage.xlsx", views.coverage_report, name="coverage_report"),
    path("assistance/first-secretaries.xlsx", views.posts_report, name="posts_report"),
    path("assistance/cadres/", views.cadre_list, name="cadres"),
    path("assistance/cadres/<int:pk>/", views.cadre_detail, name="cadre"),
    path("assistance/pairings/<int:pk>/end/", views.pairing_end, name="pairing_end"),
    path("assistance/teams/", views.team_list, name="teams"),
    path("assistance/teams/<int:pk>/", views.post_detail, name="post"),
    path("assistance/presence/", views.presence_report, name="presence"),
    path("assistance/visits/", views.visit_list, name="visits"),
    path("assistance/visits/<int:pk>/", views.visit_detail, name="visit"),
    path("assistance/visits/<int:pk>/photos/<int:photo>/", views.visit_photo, name="visit_photo"),
    path("assistance/visit-app/", views.visit_app, name="visit_app"),
    path("assistance/visit-app/data.json", views.visit_app_data, name="visit_app_data"),
    path("assistance/visit-app/send/", views.visit_app_send, name="visit_app_send"),
    path("assistance/visit-app/sw.js", views.visit_app_worker, name="visit_app_worker"),
    path("households/<int:household_id>/visit/", views.visit_new, name="visit_new"),
    path("households/<int:household_id>/plan/", views.household_plan, name="plan"),
]
