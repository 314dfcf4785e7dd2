from django.urls import path

from jingzhun.crosscheck import views

app_name = "crosscheck"

urlpatterns = [
    path("crosscheck/", views.batch_list, name="batches"),
    path("crosscheck/batches/<int:pk>/", views.batch_detail, name="batch"),
    path("crosscheck/tokens/", views.token_list, name="tokens"),
    path("crosscheck/tokens/<int:pk>/revoke/", views.token_revoke, name="token_revoke"),
    path("alerts/", views.alert_inbox, name="inbox"),
    path("alerts/report/", views.alert_report, name="report"),
    path("alerts/<int:pk>/", views.alert_detail, name="alert"),
]
