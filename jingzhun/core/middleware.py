"""Request middleware of the project."""

from __future__ import annotations

import time
from collections.abc import Callable

from django.conf import settings
from django.contrib.sessions.backends.base import SessionBase
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, JsonResponse


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


NUL_REFUSED = "请求中含有空字符（NUL），无法处理：请检查链接或输入的内容。"


def refuse_nul_characters(get_response: Callable[[HttpRequest], HttpResponse]) -> Callable:
    """A URL or query string carrying a NUL character (``%00``) is refused with 400 before any
    view runs. No value of this system holds one, and PostgreSQL cannot even compare against
    one: a search for ``?q=%00`` or ``/api/v1/areas/14%00/`` failed with a server error (found
    by schemathesis). Forms and API text fields already refuse NUL in bodies."""

    def middleware(request: HttpRequest) -> HttpResponse:
        query = request.GET
        if "\x00" in request.path or any(
            "\x00" in key or any("\x00" in value for value in query.getlist(key)) for key in query
        ):
            if request.path.startswith("/api/"):
                return JsonResponse({"detail": NUL_REFUSED}, status=400)
            return HttpResponseBadRequest(NUL_REFUSED, content_type="text/plain; charset=utf-8")
        return get_response(request)

    return middleware


TOUCHED_KEY = "_touched"


def note_session_touched(session: SessionBase) -> None:
    """Record that the session's idle expiry was just renewed (it is saved at sign-in)."""
    session[TOUCHED_KEY] = int(time.time())


def touch_session(get_response: Callable[[HttpRequest], HttpResponse]) -> Callable:
    """Renew a signed-in session's idle expiry (SESSION_COOKIE_AGE) when it is used — at most
    once per settings.SESSION_TOUCH_SECONDS, so a page view does not also write the session's
    row each time."""

    def middleware(request: HttpRequest) -> HttpResponse:
        response = get_response(request)
        session = getattr(request, "session", None)
        if session is not None and not session.is_empty():
            since = int(time.time()) - int(session.get(TOUCHED_KEY, 0))
            if session.modified or since >= settings.SESSION_TOUCH_SECONDS:
                # Setting it marks the session modified: saved, its expiry renewed (a session
                # being saved anyway notes the time too).
                note_session_touched(session)
        return response

    return middleware
