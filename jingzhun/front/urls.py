from django.urls import path

from jingzhun.front import views

urlpatterns = [
    path("households/<int:household_id>/", views.household_detail, name="household_detail"),
]
