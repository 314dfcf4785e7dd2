from django.urls import include, path

urlpatterns = [
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/v1/", include("jingzhun.api.urls")),
    path("", include("jingzhun.accounts.urls")),
    path("", include("jingzhun.areas.urls")),
    path("", include("jingzhun.audit.urls")),
    path("", include("jingzhun.quality.urls")),
    path("", include("jingzhun.imports.urls")),
    path("", include("jingzhun.ledgers.urls")),
    path("", include("jingzhun.exports.urls")),
    path("", include("jingzhun.policy.urls")),
    path("", include("jingzhun.cases.urls")),
    path("", include("jingzhun.cases.notice_urls")),
    path("", include("jingzhun.crosscheck.urls")),
    path("", include("jingzhun.assistance.urls")),
    path("", include("jingzhun.projects.urls")),
    path("", include("jingzhun.assets.urls")),
    path("", include("jingzhun.risk.urls")),
    path("", include("jingzhun.relocation.urls")),
    path("", include("jingzhun.registry.urls")),
    path("", include("jingzhun.front.urls")),
]
