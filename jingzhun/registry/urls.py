from django.urls import path

from jingzhun.registry import views

urlpatterns = [
    path("households/new/", views.household_create, name="household_create"),
    path("households/<int:household_id>/edit/", views.household_edit, name="household_edit"),
    path("households/<int:household_id>/delete/", views.household_delete, name="household_delete"),
    path("households/<int:household_id>/members/new/", views.member_create, name="member_create"),
    path("members/<int:member_id>/edit/", views.member_edit, name="member_edit"),
    path("members/<int:member_id>/remove/", views.member_remove, name="member_remove"),
    path("households/<int:household_id>/incomes/new/", views.income_edit, name="income_create"),
    path(
        "households/<int:household_id>/incomes/<int:year>/", views.income_edit, name="income_edit"
    ),
    path(
        "households/<int:household_id>/conditions/new/",
        views.conditions_edit,
        name="conditions_create",
    ),
    path(
        "households/<int:household_id>/conditions/<int:year>/",
        views.conditions_edit,
        name="conditions_edit",
    ),
    path(
        "households/<int:household_id>/measures/new/",
        views.measures_edit,
        name="measures_create",
    ),
    path(
        "households/<int:household_id>/measures/<int:year>/",
        views.measures_edit,
        name="measures_edit",
    ),
]
