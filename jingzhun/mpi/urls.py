from django.urls import path

from jingzhun.mpi import views

app_name = "mpi"

urlpatterns = [
    path("mpi/", views.overview, name="overview"),
    path("mpi/summary/", views.summary, name="summary"),
]
