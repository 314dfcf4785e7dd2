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


# Every page's Content-Security-Policy: scripts, styles, fonts and images only from this site
# (everything is served locally), no inline script at all, no plugins, no framing, forms only
# to this site. Inline style="…" attributes are allowed (style-src-attr); <style> elements are
# not (style-src-elem). A page needing more must say so in its own header.
CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "style-src-elem 'self'",
        "style-src-attr 'unsafe-inline'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)


def content_security_policy(get_response: Callable[[HttpRequest], HttpResponse]) -> Callable:
    def middleware(request: HttpRequest) -> HttpResponse:
        response = get_response(request)
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        return response

    return middleware
