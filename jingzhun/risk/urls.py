from django.urls import path

from jingzhun.risk import views

app_name = "risk"

urlpatterns = [
    path("risk/", views.visit_list, name="visits"),
]
