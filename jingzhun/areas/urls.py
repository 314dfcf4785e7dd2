from django.urls import path

from jingzhun.areas import views

urlpatterns = [
    path("areas/", views.area_detail, name="area_home"),
    path("areas/<str:code>/", views.area_detail, name="area_detail"),
]
