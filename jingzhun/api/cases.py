"""Cases in the REST API: list and open cases, read one, perform its current step, record an
objection, withdraw it, publish a village's 公示/公告 and read the inbox.

The same rules as the pages, because the same functions decide: reads go through
:mod:`jingzhun.cases.queries` (a case outside the user's area answers 404 like an absent one),
writes through :mod:`jingzhun.cases.actions` with an API actor (the audit trail says
``source="api"``). Read-only roles are refused (403) before the body is looked at. A step's
record is passed to the action as sent: the action's cleaners name every missing or wrong field
(400), a stale ``version`` answers 409 and a step by the wrong role 403. Files (the 民主评议's
``minutes``, a signed ``consent``, a ``report``) come as multipart parts named by purpose.

Nothing here shows an ID, phone or bank number in its own field: a case carries the head's
name and the household's id; the household's facts stored with each step hold none of them
either. Numbers typed into free text (the application's reason, a step's record, an objection)
are masked for roles that see masked numbers, like everywhere else.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    inline_serializer,
)
from rest_framework import generics, serializers, status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from jingzhun.accounts.models import User
from jingzhun.accounts.roles import REGISTRY_WRITERS
from jingzhun.api.case_serializers import (
    CaseDetailSerializer,
    CaseItemSerializer,
    NoticeDocSerializer,
    NoticeRequestSerializer,
    NoticeSerializer,
    ObjectionRequestSerializer,
    OpenCaseDocSerializer,
    OpenCaseSerializer,
    StepDocSerializer,
    StepSerializer,
    VersionSerializer,
    WithdrawRequestSerializer,
)
from jingzhun.api.pagination import page_size_asked
from jingzhun.api.parsers import BoundedJSONParser
from jingzhun.api.views import api_actor
from jingzhun.cases import actions, queries, records
from jingzhun.cases import choices as cc
from jingzhun.cases.models import Case, Notice
from jingzhun.core.actions import NotFound, PermissionDenied
from jingzhun.registry import scoping

# Keys of a request body that are not part of the step's record.
CONTROL_KEYS = frozenset({"version", "step_code", "household", "case_type"})
INBOX_PAGE_SIZE = 200
INBOX_MAX_PAGE_SIZE = 1000
TRUE_WORDS = frozenset({"1", "true", "yes", "on", "是"})
FALSE_WORDS = frozenset({"0", "false", "no", "off", "否"})


# --- reading helpers ------------------------------------------------------------------------------


def annotated(qs: QuerySet[Case], today: dt.date) -> QuerySet[Case]:
    """``deadline`` (the nearest date the case waits on) and ``overdue``, by the database."""
    return queries.with_deadline(qs).annotate(overdue=queries.overdue_flag(today))


def read_case(user: User, case_id: int | str) -> Case:
    """The case as :func:`jingzhun.cases.queries.access_case` finds it (NotFound when absent
    or out of scope), with its deadline and overdue flag."""
    case = queries.access_case(user, case_id)
    extra = annotated(Case.objects.filter(pk=case.pk), actions.today()).values(
        "deadline", "overdue"
    )[0]
    case.deadline = extra["deadline"]  # type: ignore[attr-defined]
    case.overdue = extra["overdue"]  # type: ignore[attr-defined]
    return case


def ensure_case_worker(user: User) -> None:
    """Read-only roles (analysts, viewers, inspectors) are refused before anything else."""
    if user.role not in REGISTRY_WRITERS:
        raise PermissionDenied(
            _("角色“%(role)s”只能查看案件，不能办理。") % {"role": user.get_role_display()}
        )


def plain_data(data: Any) -> dict[str, Any]:
    """The request body as a dict: JSON as sent; a form's repeated keys (``risk_types``) as a
    list, single ones as the value. Files are not part of it."""
    if hasattr(data, "getlist"):
        out: dict[str, Any] = {}
        for key in data:
            values = data.getlist(key)
            if values and all(isinstance(v, str) for v in values):
                out[key] = values if len(values) > 1 else values[0]
        return out
    return dict(data) if isinstance(data, dict) else {}


def uploads(request: Request) -> dict[str, Any]:
    """The attachments sent, by purpose (minutes, consent, report)."""
    return {
        purpose: request.FILES[purpose]
        for purpose in records.ATTACHMENT_LABELS
        if purpose in request.FILES
    }


def flat_messages(errors: Any, where: str = "") -> list[str]:
    """A nested serializer's errors as one list of messages, each naming the item and field
    (``第2项 version：…``), so a client shows them as they come."""
    if isinstance(errors, dict):
        out = []
        for key, value in errors.items():
            if isinstance(key, int):
                here = where + _("第%(n)d项") % {"n": key + 1}
            elif key == "non_field_errors":
                here = where
            else:
                here = f"{where} {key}"
            out.extend(flat_messages(value, here))
        return out
    if isinstance(errors, list):
        return [m for item in errors for m in flat_messages(item, where)]
    return [f"{where.strip()}：{errors}" if where.strip() else str(errors)]


def record_of(data: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in data.items() if k not in CONTROL_KEYS}


# --- views ----------------------------------------------------------------------------------------

CASE_FILTER_PARAMETERS = [
    OpenApiParameter("status", str, enum=cc.CaseStatus.values, description="案件状态"),
    OpenApiParameter("case_type", str, enum=cc.CaseType.values, description="案件类型"),
    OpenApiParameter("step_code", str, description="当前环节代码，如 review（只列办理中的）"),
    OpenApiParameter("village", str, description="区划代码前缀：只列其下的案件"),
    OpenApiParameter("overdue", bool, description="true：只列逾期案件"),
]


def filtered_cases(user: User, params: Any, today: dt.date) -> QuerySet[Case]:
    """The list's filters, each bad value refused naming the parameter."""
    errors: dict[str, list[str]] = {}
    village = params.get("village", "").strip()
    if village and not (village.isdigit() and len(village) <= 15):
        errors["village"] = [_("区划代码“%(code)s”应为数字。") % {"code": village}]
        village = ""
    qs = queries.cases_for(user, within=village)
    for name, values in (("status", cc.CaseStatus), ("case_type", cc.CaseType)):
        value = params.get(name, "").strip()
        if value and value not in values.values:
            errors[name] = [
                _("“%(value)s”无效：可选%(allowed)s。")
                % {"value": value, "allowed": "、".join(values.values)}
            ]
        elif value:
            qs = qs.filter(**{name: value})
    if step_code := params.get("step_code", "").strip():
        # A closed case keeps the code of the step it stopped at; it waits on no step.
        qs = qs.filter(step_code=step_code, status=cc.CaseStatus.OPEN)
    overdue = params.get("overdue", "").strip().lower()
    if overdue in TRUE_WORDS:
        qs = qs.filter(queries.overdue_q(today))
    elif overdue and overdue not in FALSE_WORDS:
        errors["overdue"] = [_("overdue应为true或false。")]
    if errors:
        raise serializers.ValidationError(errors)
    return qs


def case_response(request: Request, case_id: int, code: int = status.HTTP_200_OK) -> Response:
    """The case as it now stands (re-read: versions, step and deadline after the action)."""
    case = read_case(request.user, case_id)  # type: ignore[arg-type]
    return Response(CaseDetailSerializer(case, context={"request": request}).data, status=code)


@extend_schema(tags=["cases"])
class CaseListView(generics.ListAPIView):
    """办理案件: the cases under the user's area."""

    serializer_class = CaseItemSerializer
    parser_classes = (BoundedJSONParser, MultiPartParser, FormParser)

    def get_queryset(self) -> QuerySet[Case]:
        today = actions.today()
        qs = filtered_cases(self.request.user, self.request.query_params, today)  # type: ignore[arg-type]
        return annotated(qs, today).select_related("household")

    @extend_schema(parameters=CASE_FILTER_PARAMETERS)
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(
        request={
            "application/json": OpenCaseDocSerializer,
            "multipart/form-data": OpenCaseDocSerializer,
        },
        responses={201: CaseDetailSerializer, 400: None, 403: None},
    )
    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Open a case: the household, the case type and the application's record (the first
        step). Only the role of the procedure's first step (a village cadre) may."""
        user: User = request.user  # type: ignore[assignment]
        ensure_case_worker(user)
        data = plain_data(request.data)
        parsed = OpenCaseSerializer(data=data)
        parsed.is_valid(raise_exception=True)
        try:
            household = scoping.access_household_by_id(user, parsed.validated_data["household"])
        except NotFound:
            raise serializers.ValidationError(
                {"household": [_("农户不存在或不在您的管辖范围内。")]}
            ) from None
        case = actions.do_open_case(
            actor=api_actor(request),
            household=household,
            case_type=parsed.validated_data["case_type"],
            record=record_of(data),
            attachments=uploads(request),
        )
        return case_response(request, case.pk, status.HTTP_201_CREATED)


@extend_schema(tags=["cases"])
class CaseDetailView(APIView):
    @extend_schema(responses={200: CaseDetailSerializer, 404: None})
    def get(self, request: Request, case_id: int) -> Response:
        """One case: its procedure, the steps done (who, when, record, attachments, household
        facts and policy verdict as of each), objections."""
        return case_response(request, case_id)


@extend_schema(tags=["cases"])
class CaseStepView(APIView):
    parser_classes = (BoundedJSONParser, MultiPartParser, FormParser)

    @extend_schema(
        request={"application/json": StepDocSerializer, "multipart/form-data": StepDocSerializer},
        responses={
            200: CaseDetailSerializer,
            400: OpenApiResponse(description="记录不全或有误：按字段列出"),
            403: OpenApiResponse(description="不是本环节的办理角色"),
            404: None,
            409: OpenApiResponse(description="案件已被他人办理（version已过期）"),
        },
    )
    def post(self, request: Request, case_id: int) -> Response:
        """Perform the case's current step (``step_code``) with its record. A 公示 is opened
        with POST /notices/ and closed here once its days have passed."""
        user: User = request.user  # type: ignore[assignment]
        ensure_case_worker(user)
        case = queries.access_case(user, case_id)
        data = plain_data(request.data)
        parsed = StepSerializer(data=data)
        parsed.is_valid(raise_exception=True)
        actions.do_perform_step(
            case,
            actor=api_actor(request),
            expected_version=parsed.validated_data["version"],
            step_code=parsed.validated_data["step_code"],
            record=record_of(data),
            attachments=uploads(request),
        )
        return case_response(request, case.pk)


@extend_schema(tags=["cases"])
class CaseObjectionView(APIView):
    @extend_schema(
        request=ObjectionRequestSerializer,
        responses={201: CaseDetailSerializer, 400: None, 403: None, 404: None, 409: None},
    )
    def post(self, request: Request, case_id: int) -> Response:
        """Record an objection raised during the case's 公示: the case goes back to
        re-verification."""
        user: User = request.user  # type: ignore[assignment]
        ensure_case_worker(user)
        case = queries.access_case(user, case_id)
        data = plain_data(request.data)
        version = _version(data)
        actions.do_record_objection(
            case, actor=api_actor(request), expected_version=version, record=record_of(data)
        )
        return case_response(request, case.pk, status.HTTP_201_CREATED)


@extend_schema(tags=["cases"])
class CaseWithdrawView(APIView):
    @extend_schema(
        request=WithdrawRequestSerializer,
        responses={200: CaseDetailSerializer, 400: None, 403: None, 404: None, 409: None},
    )
    def post(self, request: Request, case_id: int) -> Response:
        """Withdraw an open case, with the reason."""
        user: User = request.user  # type: ignore[assignment]
        ensure_case_worker(user)
        case = queries.access_case(user, case_id)
        data = plain_data(request.data)
        actions.do_withdraw_case(
            case,
            actor=api_actor(request),
            expected_version=_version(data),
            reason=str(data.get("reason") or ""),
        )
        return case_response(request, case.pk)


def _version(data: dict[str, Any]) -> int:
    parsed = VersionSerializer(data=data)
    parsed.is_valid(raise_exception=True)
    return parsed.validated_data["version"]


@extend_schema(tags=["notices"])
class NoticeCreateView(APIView):
    @extend_schema(
        request=NoticeDocSerializer,
        responses={201: NoticeSerializer, 400: None, 403: None, 404: None, 409: None},
    )
    def post(self, request: Request) -> Response:
        """Publish one 公示 or 公告 for a village's batch of cases, each at a notice step and
        given with the version read. The days come from the village's parameter."""
        user: User = request.user  # type: ignore[assignment]
        ensure_case_worker(user)
        data = plain_data(request.data)
        parsed = NoticeRequestSerializer(data=data)
        if not parsed.is_valid():
            raise serializers.ValidationError(
                {field: flat_messages(errors) for field, errors in parsed.errors.items()}
            )
        batch = [
            (queries.access_case(user, item["id"]), item["version"])
            for item in parsed.validated_data["cases"]
        ]
        notice = actions.do_publish_notice(
            batch,
            actor=api_actor(request),
            record={k: data.get(k) for k in ("starts_on", "place", "contact")},
        )
        notice = (
            Notice.objects.select_related("village").prefetch_related("entries").get(pk=notice.pk)
        )
        body = NoticeSerializer(notice, context={"request": request}).data
        body["cases"] = [{"id": c.pk, "number": c.number, "version": c.version} for c, _ in batch]
        return Response(body, status=status.HTTP_201_CREATED)


@extend_schema(
    tags=["cases"],
    parameters=[
        OpenApiParameter(
            "page_size",
            {"type": "integer", "minimum": 1, "maximum": INBOX_MAX_PAGE_SIZE},
            description=f"最多返回多少件（默认{INBOX_PAGE_SIZE}，最多{INBOX_MAX_PAGE_SIZE}）",
        )
    ],
    responses={
        200: inline_serializer(
            "Inbox",
            {
                "results": CaseItemSerializer(many=True),
                "more": serializers.BooleanField(help_text="还有更多待办未列出。"),
            },
        )
    },
)
class InboxView(APIView):
    """待办: open cases waiting for a step by the user's role, in scope, nearest deadline first."""

    def get(self, request: Request) -> Response:
        size = page_size_asked(request)
        size = INBOX_PAGE_SIZE if size is None else size
        if not 1 <= size <= INBOX_MAX_PAGE_SIZE:
            raise serializers.ValidationError(
                {"page_size": [_("page_size应为1至1000之间的整数。")]}
            )
        qs = queries.inbox_for(request.user).select_related("household")  # type: ignore[arg-type]
        qs = qs.annotate(overdue=queries.overdue_flag(actions.today()))
        rows = list(qs[: size + 1])
        data = CaseItemSerializer(rows[:size], many=True, context={"request": request}).data
        return Response({"results": data, "more": len(rows) > size})
