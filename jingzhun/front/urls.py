from django.urls import path

from jingzhun.front import views

urlpatterns = [
    path("", views.home, name="home"),
    path("households/", views.household_list, name="household_list"),
    path("households/<int:household_id>/", views.household_detail, name="household_detail"),
]
