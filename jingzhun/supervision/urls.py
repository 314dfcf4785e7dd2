from django.urls import path

from jingzhun.supervision import listing_views, views

app_name = "supervision"

urlpatterns = [
    path("problems/", views.problem_list, name="list"),
    path("problems/new/", views.problem_new, name="new"),
    path("problems/raise-from-quality/", views.raise_from_quality, name="raise_from_quality"),
    path("problems/report/", views.report, name="report"),
    path("problems/report.xlsx", views.report_xlsx, name="report_xlsx"),
    path("problems/<int:pk>/", views.problem_detail, name="detail"),
    path("problems/<int:pk>/evidence/<int:evidence>/", views.evidence_file, name="evidence_file"),
    # listed supervision (挂牌督战) and the battle map (作战图)
    path("listings/", listing_views.listing_list, name="listings"),
    path("listings/new/", listing_views.listing_new, name="listing_new"),
    path("listings/map/", listing_views.battle_map, name="battle_map"),
    path("listings/<int:pk>/", listing_views.listing_detail, name="listing"),
    path("listings/<int:pk>/progress.xlsx", listing_views.progress_xlsx, name="listing_progress"),
    path("listings/<int:pk>/tasks/<int:task>/", listing_views.task_detail, name="listing_task"),
    path(
        "listings/<int:pk>/tasks/<int:task>/evidence/<int:evidence>/",
        listing_views.task_evidence_file,
        name="listing_evidence_file",
    ),
]
