from django.urls import path

from jingzhun.policy import views

urlpatterns = [
    path("policy/parameters/", views.parameter_list, name="parameter_list"),
    path("policy/parameters/add/", views.parameter_add, name="parameter_add"),
    path("policy/evaluations/", views.evaluation_list, name="evaluation_list"),
    path("policy/evaluations/start/", views.evaluation_start, name="evaluation_start"),
    path("policy/whatif/", views.whatif_page, name="whatif"),
    path("policy/whatif/<int:run_id>/", views.whatif_run, name="whatif_run"),
]
