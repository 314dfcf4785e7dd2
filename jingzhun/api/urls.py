"""Routes of the REST API, mounted at /api/v1/ by jingzhun/urls.py."""

from django.contrib.auth.decorators import login_required
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from jingzhun.api import cases, views
from jingzhun.api.auth import ObtainTokenView, TokenListView, TokenRevokeView
from jingzhun.api.errors import not_found
from jingzhun.crosscheck.api import BatchPushView

urlpatterns = [
    path("", views.ApiRootView.as_view(), name="api-root"),
    path("auth/token/", ObtainTokenView.as_view(), name="api-token"),
    path("auth/tokens/", TokenListView.as_view(), name="api-token-list"),
    path("auth/tokens/<int:token_id>/", TokenRevokeView.as_view(), name="api-token-revoke"),
    # Sign-in and sign-out links of the browsable API (session authentication).
    path("auth/", include("rest_framework.urls")),
    path("schema", SpectacularAPIView.as_view(), name="api-schema"),
    path("schema/", SpectacularAPIView.as_view(), name="api-schema-slash"),
    # The split view serves Swagger UI's start-up code as a script file (no inline script: the
    # Content-Security-Policy holds); an anonymous visitor is sent to the sign-in page (the
    # schema it loads answers 401/403 to anyone not signed in: SERVE_PERMISSIONS).
    path(
        "docs/",
        login_required(SpectacularSwaggerSplitView.as_view(url_name="api-schema")),
        name="api-docs",
    ),
    path("crosscheck/batches/", BatchPushView.as_view(), name="api-crosscheck-push"),
    path("areas/", views.AreaListView.as_view(), name="api-area-list"),
    path("areas/<str:code>/", views.AreaDetailView.as_view(), name="api-area-detail"),
    path("households/", views.HouseholdListView.as_view(), name="api-household-list"),
    path(
        "households/<int:household_id>/",
        views.HouseholdDetailView.as_view(),
        name="api-household-detail",
    ),
    path(
        "households/<int:household_id>/members/",
        views.HouseholdMemberListView.as_view(),
        name="api-household-members",
    ),
    path(
        "households/<int:household_id>/incomes/",
        views.HouseholdIncomeListView.as_view(),
        name="api-household-incomes",
    ),
    path(
        "households/<int:household_id>/incomes/<int:year>/",
        views.HouseholdIncomeYearView.as_view(),
        name="api-household-income-year",
    ),
    path(
        "households/<int:household_id>/conditions/",
        views.HouseholdConditionsListView.as_view(),
        name="api-household-conditions",
    ),
    path(
        "households/<int:household_id>/conditions/<int:year>/",
        views.HouseholdConditionsYearView.as_view(),
        name="api-household-conditions-year",
    ),
    path(
        "households/<int:household_id>/measures/",
        views.HouseholdMeasuresListView.as_view(),
        name="api-household-measures",
    ),
    path(
        "households/<int:household_id>/measures/<int:year>/",
        views.HouseholdMeasuresYearView.as_view(),
        name="api-household-measures-year",
    ),
    path(
        "households/<int:household_id>/policy/",
        views.HouseholdPolicyView.as_view(),
        name="api-household-policy",
    ),
    path("members/<int:member_id>/", views.MemberDetailView.as_view(), name="api-member-detail"),
    path("incomes/<int:income_id>/", views.IncomeDetailView.as_view(), name="api-income-detail"),
    path("cases/", cases.CaseListView.as_view(), name="api-case-list"),
    path("cases/<int:case_id>/", cases.CaseDetailView.as_view(), name="api-case-detail"),
    path("cases/<int:case_id>/steps/", cases.CaseStepView.as_view(), name="api-case-steps"),
    path(
        "cases/<int:case_id>/objections/",
        cases.CaseObjectionView.as_view(),
        name="api-case-objections",
    ),
    path(
        "cases/<int:case_id>/withdraw/", cases.CaseWithdrawView.as_view(), name="api-case-withdraw"
    ),
    path("notices/", cases.NoticeCreateView.as_view(), name="api-notice-create"),
    path("inbox/", cases.InboxView.as_view(), name="api-inbox"),
    # Last: every other URL ending in "/" is a JSON 404 (one without the slash is first
    # redirected to it, as before).
    re_path(r"^[\s\S]*/$", not_found),  # not ".": a path may hold an encoded line break
]
