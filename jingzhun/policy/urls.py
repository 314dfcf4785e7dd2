from django.urls import path

from jingzhun.policy import views

urlpatterns = [
    path("policy/parameters/", views.parameter_list, name="parameter_list"),
    path("policy/parameters/add/", views.parameter_add, name="parameter_add"),
]
