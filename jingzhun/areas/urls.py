from django.urls import path

from jingzhun.areas import views

urlpatterns = [
    path("areas/", views.area_detail, name="area_home"),
    path("areas/<str:code>/", views.area_detail, name="area_detail"),
    path("areas/<str:code>/profile/", views.village_profile_save, name="village_profile_save"),
    path(
        "areas/<str:code>/assessment/", views.county_assessment_save, name="county_assessment_save"
    ),
]
