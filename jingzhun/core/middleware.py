"""Request middleware of the project."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse


def chinese_by_default(get_response: Callable[[HttpRequest], HttpResponse]) -> Callable:
    """The interface is Chinese unless the user picks another language (the language cookie).

    Django's LocaleMiddleware would otherwise follow the browser's Accept-Language, and many
    office machines run English-language browsers; the cadres using them still read Chinese.
    """

    def middleware(request: HttpRequest) -> HttpResponse:
        request.META.pop("HTTP_ACCEPT_LANGUAGE", None)
        return get_response(request)

    return middleware
