from django.urls import path

from jingzhun.ledgers import views

app_name = "ledgers"

urlpatterns = [
    path("ledgers/", views.ledger_list, name="list"),
    path("ledgers/templates/<slug:kind>.xlsx", views.template, name="template"),
    path("ledgers/<int:upload_id>/", views.detail, name="detail"),
    path("ledgers/<int:upload_id>/apply/", views.apply, name="apply"),
    path("ledgers/<int:upload_id>/discard/", views.discard, name="discard"),
    path("ledgers/<int:upload_id>/failed-rows.xlsx", views.failed_rows, name="failed_rows"),
]
