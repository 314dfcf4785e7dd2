"""The REST API's views: thin. Serializers parse, the action functions decide and write.

Reads go through :mod:`jingzhun.registry.scoping` only, so a record outside the user's area
answers 404 exactly like one that does not exist. Writes check the role first (403 for read-only
roles, whatever the body says), then parse, then call the ``do_*`` action with an API actor, so
the audit trail records ``source="api"``. Nested lists (a household's members, incomes,
conditions and measures) are small and returned whole; the household and area lists are
keyset-paginated.
"""

from __future__ import annotations

from functools import cached_property
from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.reverse import reverse
from rest_framework.views import APIView

from jingzhun.api.pagination import AreaPagination
from jingzhun.api.serializers import (
    AreaCreateSerializer,
    AreaSerializer,
    ConditionsSerializer,
    HouseholdSerializer,
    IncomeSerializer,
    MeasuresSerializer,
    MemberSerializer,
    RemovalSerializer,
)
from jingzhun.areas.actions import do_create_area, ensure_can_create_areas
from jingzhun.areas.models import Area, Level
from jingzhun.audit import recorder
from jingzhun.audit.models import Source
from jingzhun.core.actions import Actor, NotFound
from jingzhun.registry import actions, scoping
from jingzhun.registry import choices as c
from jingzhun.registry.income import INPUT_FIELDS
from jingzhun.registry.models import MEASURE_FIELDS, Conditions, Household, Income, Measures, Member
from jingzhun.registry.queries import HouseholdFilters, filter_households


def api_actor(request: Request) -> Actor:
    return Actor.from_request(request, source=Source.API)  # type: ignore[arg-type]


def _with_year(data: Any, year: int) -> Any:
    """The request body with the year taken from the URL."""
    data = data.copy() if hasattr(data, "copy") else dict(data)
    data["year"] = year
    return data


def _removal(request: Request) -> dict[str, Any]:
    """``reason`` (and optionally ``version``) from the body, else from the query string."""
    source = request.data if request.data else request.query_params
    parsed = RemovalSerializer(data=source)
    parsed.is_valid(raise_exception=True)
    return dict(parsed.validated_data)


REMOVAL_PARAMETERS = [
    OpenApiParameter("reason", str, description="删除/减员原因（必填，也可放在请求体中）。"),
    OpenApiParameter("version", int, description="可选：读取时的版本号。"),
]


class ApiRootView(APIView):
    """精准扶贫与防返贫动态监测系统 REST API (v1)."""

    @extend_schema(exclude=True)
    def get(self, request: Request, format: str | None = None) -> Response:
        def link(name: str) -> str:
            return reverse(name, request=request, format=format)

        return Response(
            {
                "areas": link("api-area-list"),
                "households": link("api-household-list"),
                "cases": link("api-case-list"),
                "inbox": link("api-inbox"),
                "token": link("api-token"),
                "schema": link("api-schema"),
                "docs": link("api-docs"),
            }
        )


# --- Areas -------------------------------------------------------------------------------------


@extend_schema(tags=["areas"])
class AreaListView(generics.ListCreateAPIView):
    """行政区划: the user's own area and everything beneath it, ordered by code."""

    serializer_class = AreaSerializer
    pagination_class = AreaPagination

    def get_queryset(self) -> QuerySet[Area]:
        qs = scoping.areas_for(self.request.user).select_related("parent")
        params = self.request.query_params
        if parent := params.get("parent", "").strip():
            qs = qs.filter(parent__code=parent)
        if level := params.get("level", "").strip():
            if not level.isdigit() or int(level) not in Level.values:
                allowed = "、".join(f"{value}={label}" for value, label in Level.choices)
                raise serializers.ValidationError(
                    {"level": [f"级别“{level}”无效：可选{allowed}。"]}
                )
            qs = qs.filter(level=int(level))
        return qs

    @extend_schema(
        parameters=[
            OpenApiParameter("parent", str, description="上级区划代码"),
            OpenApiParameter("level", int, enum=Level.values, description="级别：1省…6组"),
        ]
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(request=AreaCreateSerializer, responses={201: AreaSerializer})
    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Create a village under a township or a group under a village."""
        ensure_can_create_areas(request.user)  # read-only roles: 403 whatever the body says
        parsed = AreaCreateSerializer(data=request.data, context=self.get_serializer_context())
        parsed.is_valid(raise_exception=True)
        area = do_create_area(
            parsed.validated_data["parent"],
            actor=api_actor(request),
            name=parsed.validated_data["name"],
            code=parsed.validated_data["code"],
        )
        return Response(self.get_serializer(area).data, status=status.HTTP_201_CREATED)


@extend_schema(tags=["areas"])
class AreaDetailView(generics.RetrieveAPIView):
    serializer_class = AreaSerializer

    def get_object(self) -> Area:
        return scoping.access_area_by_code(self.request.user, self.kwargs["code"])


# --- Households --------------------------------------------------------------------------------

HOUSEHOLD_FILTER_PARAMETERS = [
    OpenApiParameter(
        "q",
        str,
        description=(
            "检索（见 jingzhun.registry.queries）：成员姓名（全名或开头）、拼音首字母、"
            "身份证号码（全号，或末4–6位；证件号码脱敏显示的角色只能用末4位）、"
            "电话号码末4–6位、户编号（开头或末尾）。每类最多取前200条匹配"
        ),
    ),
    OpenApiParameter("area", str, description="区划代码：只列其下的农户"),
    OpenApiParameter("household_type", str, enum=c.HouseholdType.values),
    OpenApiParameter("monitoring_category", str, enum=c.MonitoringCategory.values),
    OpenApiParameter("risk", str, enum=c.RiskType.values, description="致贫/返贫风险类型"),
    OpenApiParameter("year", int, description="有该年度收入记录的农户"),
]


def _risk_pairs(risks: list[dict[str, str]] | None) -> list[tuple[str, str]] | None:
    return None if risks is None else [(r["kind"], r.get("remark", "")) for r in risks]


@extend_schema(tags=["households"])
class HouseholdListView(generics.ListCreateAPIView):
    """农户: the households under the user's area, filtered like the list page."""

    serializer_class = HouseholdSerializer

    def get_queryset(self) -> QuerySet[Household]:
        filters = HouseholdFilters.from_params(self.request.query_params)
        if filters.errors:
            raise serializers.ValidationError({k: [v] for k, v in filters.errors.items()})
        return (
            filter_households(self.request.user, filters)
            .select_related("village")
            .prefetch_related("risks")
        )

    @extend_schema(parameters=HOUSEHOLD_FILTER_PARAMETERS)
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        scoping.ensure_can_edit(request.user)
        parsed = self.get_serializer(data=request.data)
        parsed.is_valid(raise_exception=True)
        data = dict(parsed.validated_data)
        village = data.pop("village")
        risks = _risk_pairs(data.pop("risks", [])) or []
        household = actions.do_create_household(
            actor=api_actor(request), village=village, data=data, risks=risks
        )
        return Response(self.get_serializer(household).data, status=status.HTTP_201_CREATED)


@extend_schema(tags=["households"])
class HouseholdDetailView(generics.RetrieveUpdateDestroyAPIView):
    """One household. PATCH/PUT need the ``version`` read; DELETE needs a ``reason`` and is a
    soft delete (the record stays for the audit trail). PUT replaces: fields left out are
    cleared, and so are the risks."""

    serializer_class = HouseholdSerializer

    def get_object(self) -> Household:
        return scoping.access_household_by_id(self.request.user, self.kwargs["household_id"])

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        household = self.get_object()
        _record_read(request, "read_household", household, household)
        return Response(self.get_serializer(household).data)

    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        partial = kwargs.pop("partial", False)
        household = self.get_object()
        scoping.ensure_can_edit(request.user, household)
        parsed = self.get_serializer(household, data=request.data, partial=partial)
        parsed.is_valid(raise_exception=True)
        data = dict(parsed.validated_data)
        version, reason = data.pop("version"), data.pop("reason", "")
        village, risks = data.pop("village", None), data.pop("risks", None)
        if not partial:
            data = {name: data.get(name) for name in actions.HOUSEHOLD_FIELDS}
            risks = risks or []
        household = actions.do_update_household(
            household,
            actor=api_actor(request),
            changes=data,
            expected_version=version,
            risks=_risk_pairs(risks),
            village=village,
            reason=reason,
        )
        return Response(self.get_serializer(household).data)

    @extend_schema(parameters=REMOVAL_PARAMETERS, request=RemovalSerializer)
    def delete(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        household = self.get_object()
        scoping.ensure_can_edit(request.user, household)
        removal = _removal(request)
        actions.do_delete_household(
            household,
            actor=api_actor(request),
            reason=removal["reason"],
            expected_version=removal.get("version"),
        )
        return Response(status=status.HTTP_204_NO_CONTENT)


def _record_read(request: Request, action: str, obj: Any, household: Household) -> None:
    """Reads of a household's personal data through the API, for inspectors (as the pages)."""
    recorder.record_read(
        actor=api_actor(request),
        action=action,
        obj=obj,
        area_code=household.village_code,
        household=household,
    )


class HouseholdChildView(generics.GenericAPIView):
    """A list nested under one household: the household is checked first (404 if not seen)."""

    pagination_class = None

    @cached_property
    def household(self) -> Household:
        return scoping.access_household_by_id(self.request.user, self.kwargs["household_id"])

    def writable_household(self) -> Household:
        scoping.ensure_can_edit(self.request.user, self.household)
        return self.household


# --- Members -----------------------------------------------------------------------------------


@extend_schema(tags=["members"])
class HouseholdMemberListView(HouseholdChildView, generics.ListCreateAPIView):
    """家庭成员 of one household (current members; removed ones stay in the audit trail)."""

    serializer_class = MemberSerializer

    def get_queryset(self) -> QuerySet[Member]:
        return (
            scoping.members_for(self.request.user).filter(household=self.household).order_by("id")
        )

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        response = super().list(request, *args, **kwargs)
        _record_read(request, "read_members", self.household, self.household)
        return response

    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        household = self.writable_household()
        parsed = self.get_serializer(data=request.data)
        parsed.is_valid(raise_exception=True)
        data = dict(parsed.validated_data)
        data.pop("version", None)
        data.pop("reason", None)
        member = actions.do_add_member(household, actor=api_actor(request), data=data)
        return Response(self.get_serializer(member).data, status=status.HTTP_201_CREATED)


@extend_schema(tags=["members"])
class MemberDetailView(generics.RetrieveUpdateDestroyAPIView):
    """One member. PATCH needs the ``version`` read; DELETE (减员) needs a ``reason``."""

    serializer_class = MemberSerializer
    http_method_names = ["get", "patch", "delete", "head", "options"]

    def get_object(self) -> Member:
        return scoping.access_member_by_id(self.request.user, self.kwargs["member_id"])

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        member = self.get_object()
        _record_read(request, "read_member", member, member.household)
        return Response(self.get_serializer(member).data)

    def patch(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        member = self.get_object()
        scoping.ensure_can_edit(request.user, member.household)
        parsed = self.get_serializer(member, data=request.data, partial=True)
        parsed.is_valid(raise_exception=True)
        data = dict(parsed.validated_data)
        version, reason = data.pop("version"), data.pop("reason", "")
        member = actions.do_update_member(
            member,
            actor=api_actor(request),
            changes=data,
            expected_version=version,
            reason=reason,
        )
        return Response(self.get_serializer(member).data)

    @extend_schema(parameters=REMOVAL_PARAMETERS, request=RemovalSerializer)
    def delete(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        member = self.get_object()
        scoping.ensure_can_edit(request.user, member.household)
        actions.do_remove_member(
            member, actor=api_actor(request), reason=_removal(request)["reason"]
        )
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- Yearly records: incomes, conditions and measures ------------------------------------------


class YearlyView(HouseholdChildView):
    """Shared by the income, conditions and measures views: one row per (household, year)."""

    def yearly(self) -> QuerySet[Any]:
        raise NotImplementedError

    def set_year(self, data: dict[str, Any]) -> Any:
        raise NotImplementedError

    def get_queryset(self) -> QuerySet[Any]:
        return self.yearly().filter(household=self.household).order_by("-year")

    def save_year(self, request: Request, data: Any) -> Response:
        """Create or change one year; 201 when the year is new, else 200."""
        household = self.writable_household()
        parsed = self.get_serializer(data=data)
        parsed.is_valid(raise_exception=True)
        values = dict(parsed.validated_data)
        existed = self.yearly().filter(household=household, year=values["year"]).exists()
        row = self.set_year(values)
        return Response(
            self.get_serializer(row).data,
            status=status.HTTP_200_OK if existed else status.HTTP_201_CREATED,
        )


class YearListView(YearlyView, generics.ListCreateAPIView):
    """POST sets one year (year in the body): creates it, or changes it if it exists."""

    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self.save_year(request, request.data)


class YearDetailView(YearlyView, generics.RetrieveUpdateAPIView):
    """GET or PUT one year (year in the URL)."""

    http_method_names = ["get", "put", "head", "options"]

    def get_object(self) -> Any:
        row = self.get_queryset().filter(year=self.kwargs["year"]).first()
        if row is None:
            raise NotFound(self.kwargs["year"])
        return row

    def put(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self.save_year(request, _with_year(request.data, self.kwargs["year"]))


class IncomeRows(YearlyView):
    serializer_class = IncomeSerializer

    def yearly(self) -> QuerySet[Income]:
        return scoping.incomes_for(self.request.user)

    def set_year(self, data: dict[str, Any]) -> Income:
        return actions.do_set_income(
            self.household,
            actor=api_actor(self.request),
            year=data["year"],
            values={k: data[k] for k in INPUT_FIELDS if k in data},
            household_size=data.get("household_size"),
            expected_version=data.get("version"),
            reason=data.get("reason", ""),
        )


class ConditionsRows(YearlyView):
    serializer_class = ConditionsSerializer

    def yearly(self) -> QuerySet[Conditions]:
        return scoping.conditions_for(self.request.user)

    def set_year(self, data: dict[str, Any]) -> Conditions:
        return actions.do_set_conditions(
            self.household,
            actor=api_actor(self.request),
            year=data["year"],
            values={k: data[k] for k in actions.CONDITION_FIELDS if k in data},
            expected_version=data.get("version"),
            reason=data.get("reason", ""),
        )


@extend_schema(tags=["incomes"])
class HouseholdIncomeListView(IncomeRows, YearListView):
    """收入情况 by year. 转移性收入, 家庭纯收入 and 人均纯收入 are derived (read-only)."""


@extend_schema(tags=["incomes"])
class HouseholdIncomeYearView(IncomeRows, YearDetailView):
    """One year's income. Fields left out of a PUT count as 0."""


@extend_schema(tags=["incomes"])
class IncomeDetailView(generics.RetrieveAPIView):
    serializer_class = IncomeSerializer

    def get_object(self) -> Income:
        return scoping.access_income_by_id(self.request.user, self.kwargs["income_id"])


@extend_schema(tags=["conditions"])
class HouseholdConditionsListView(ConditionsRows, YearListView):
    """生产生活条件 by year."""


@extend_schema(tags=["conditions"])
class HouseholdConditionsYearView(ConditionsRows, YearDetailView):
    """One year's conditions. Fields left out keep their value (or the default, for a new year)."""


class MeasuresRows(YearlyView):
    serializer_class = MeasuresSerializer

    def yearly(self) -> QuerySet[Measures]:
        return scoping.measures_for(self.request.user)

    def set_year(self, data: dict[str, Any]) -> Measures:
        return actions.do_set_measures(
            self.household,
            actor=api_actor(self.request),
            year=data["year"],
            values={k: data[k] for k in MEASURE_FIELDS if k in data},
            expected_version=data.get("version"),
            reason=data.get("reason", ""),
        )


@extend_schema(tags=["measures"])
class HouseholdMeasuresListView(MeasuresRows, YearListView):
    """帮扶措施 by year: per family the measure names (blank = none)."""


@extend_schema(tags=["measures"])
class HouseholdMeasuresYearView(MeasuresRows, YearDetailView):
    """One year's measures. Families left out keep their value (blank, for a new year)."""


__all__ = [
    "ApiRootView",
    "AreaDetailView",
    "AreaListView",
    "HouseholdConditionsListView",
    "HouseholdConditionsYearView",
    "HouseholdDetailView",
    "HouseholdIncomeListView",
    "HouseholdIncomeYearView",
    "HouseholdListView",
    "HouseholdMeasuresListView",
    "HouseholdMeasuresYearView",
    "HouseholdMemberListView",
    "IncomeDetailView",
    "MemberDetailView",
]


# --- Policy decisions (政策判定) ----------------------------------------------------------------


@extend_schema(
    tags=["households"],
    parameters=[OpenApiParameter("year", int, description="收入年度（默认上一年）。")],
    responses={200: dict},
)
class HouseholdPolicyView(APIView):
    """Every decision for one household (exit standard, monitoring, risk elimination), each
    criterion with its status, value, threshold and parameter version — the household page's
    政策判定 panel. Scoped like every household endpoint: out of scope answers 404."""

    def get(self, request: Request, household_id: int) -> Response:
        from jingzhun.policy.decisions import evaluate_household
        from jingzhun.quality.context import default_year

        raw = request.query_params.get("year")
        try:
            year = int(raw) if raw else default_year()
        except ValueError:
            year = 0
        if not 2000 <= year <= 2100:
            raise serializers.ValidationError({"year": ["年度应为四位数字，如2024。"]})
        return Response(evaluate_household(household_id, year, request.user).as_dict())
