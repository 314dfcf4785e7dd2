from django.urls import path

from jingzhun.assessment import views

app_name = "assessment"

urlpatterns = [
    path("assessment/surveys/", views.survey_list, name="surveys"),
    path("assessment/surveys/<int:pk>/", views.survey_detail, name="survey"),
    path("assessment/surveys/<int:pk>/sample.xlsx", views.survey_sample_xlsx, name="sample_xlsx"),
]
