"""The one scoping function per kind of record. Every page, export, search and API endpoint
reads households, members, incomes and audit entries through these and nothing else.

Out of scope, deleted and absent answer the same: :class:`NotFound`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, TypeVar

from django.db.models import QuerySet

from jingzhun.areas.models import Area, code_range
from jingzhun.audit.models import AuditEntry
from jingzhun.core.actions import NotFound, PermissionDenied
from jingzhun.registry.models import (
    Conditions,
    Household,
    Income,
    Measures,
    Member,
    VillageTally,
)

if TYPE_CHECKING:
    from jingzhun.accounts.models import User


def _prefix(user: User) -> str:
    return user.scope_prefix


def areas_for(user: User) -> QuerySet[Area]:
    """The user's own area and everything beneath it."""
    low, high = code_range(_prefix(user))
    return Area.objects.filter(code__gte=low, code__lt=high, level__gte=user.area.level)


def access_area_by_code(user: User, code: str) -> Area:
    try:
        return areas_for(user).get(code=code)
    except Area.DoesNotExist:
        raise NotFound(code) from None


def households_for(user: User, *, within: str = "", start: str = "") -> QuerySet[Household]:
    """Households under the user's area. ``within`` narrows to an area's scope prefix and
    ``start`` raises the lower bound (keyset paging); both only ever narrow, and everything
    becomes ONE code range, because SQLite's planner uses only one bound of several."""
    low, high = code_range(_prefix(user))
    if within:
        within_low, within_high = code_range(within)
        low, high = max(low, within_low), min(high, within_high)
    if start:
        low = max(low, start)
    return Household.objects.filter(village_code__gte=low, village_code__lt=high, is_deleted=False)


def tallies_for(user: User) -> QuerySet[VillageTally]:
    """The headline counts of the villages under the user's area (the same code range as
    :func:`households_for`; kept by triggers, models.VillageTally)."""
    low, high = code_range(_prefix(user))
    return VillageTally.objects.filter(village_code__gte=low, village_code__lt=high)


def search_prefix(user: User, within: str) -> str | None:
    """The narrower of the user's scope prefix and ``within``; None when they do not overlap."""
    own = _prefix(user)
    if not within or own.startswith(within):
        return own
    if within.startswith(own):
        return within
    return None


def households_for_search(user: User, *, within: str = "") -> QuerySet[Household]:
    """The same households as :func:`households_for`, for look-ups driven by a search key's
    index. The area is written as a prefix match (LIKE) that the scope index does not serve:
    otherwise SQLite (which cannot tell how much of the table a range holds) walks the whole
    scope range — every household, for a city user — instead of the few rows the key finds."""
    prefix = search_prefix(user, within)
    if prefix is None:
        return Household.objects.none()
    return Household.objects.filter(village_code__startswith=prefix, is_deleted=False)


def members_for_search(user: User, *, within: str = "") -> QuerySet[Member]:
    """Living members of :func:`households_for_search`'s households (the same rule), unordered."""
    prefix = search_prefix(user, within)
    if prefix is None:
        return Member.objects.none()
    return Member.objects.filter(
        household__village_code__startswith=prefix,
        household__is_deleted=False,
        is_deleted=False,
    ).order_by()


def access_household_by_id(user: User, household_id: int | str) -> Household:
    try:
        return households_for(user).select_related("village", "group").get(pk=int(household_id))
    except (Household.DoesNotExist, ValueError, TypeError):
        raise NotFound(household_id) from None


def members_for(user: User) -> QuerySet[Member]:
    low, high = code_range(_prefix(user))
    return Member.objects.filter(
        household__village_code__gte=low,
        household__village_code__lt=high,
        household__is_deleted=False,
        is_deleted=False,
    )


def access_member_by_id(user: User, member_id: int | str) -> Member:
    try:
        return members_for(user).select_related("household").get(pk=int(member_id))
    except (Member.DoesNotExist, ValueError, TypeError):
        raise NotFound(member_id) from None


Y = TypeVar("Y", Income, Conditions, Measures)


def _of_households_in_scope(model: type[Y], user: User) -> QuerySet[Y]:
    """A per-household record (income, conditions, measures) of the households in scope."""
    low, high = code_range(_prefix(user))
    return model.objects.filter(
        household__village_code__gte=low,
        household__village_code__lt=high,
        household__is_deleted=False,
    )


def incomes_for(user: User) -> QuerySet[Income]:
    return _of_households_in_scope(Income, user)


def access_income_by_id(user: User, income_id: int | str) -> Income:
    try:
        return incomes_for(user).select_related("household").get(pk=int(income_id))
    except (Income.DoesNotExist, ValueError, TypeError):
        raise NotFound(income_id) from None


def conditions_for(user: User) -> QuerySet[Conditions]:
    return _of_households_in_scope(Conditions, user)


def measures_for(user: User) -> QuerySet[Measures]:
    return _of_households_in_scope(Measures, user)


def audit_entries_for(user: User) -> QuerySet[AuditEntry]:
    """Audit entries under the user's area; only roles that read the audit trail get any."""
    if not user.can_read_audit:
        raise PermissionDenied("审计记录仅限纪检督查、审批和管理人员查看。")
    low, high = code_range(_prefix(user))
    return AuditEntry.objects.filter(area_code__gte=low, area_code__lt=high)


def ensure_can_edit(user: User | None, household: Household | None = None) -> None:
    """Raise unless ``user`` may change the registry (and ``household``, if given)."""
    if user is None:
        return  # the system itself (demo loader, migrations)
    if not user.can_edit_registry:
        raise PermissionDenied(f"角色“{user.get_role_display()}”只能查看，不能修改建档立卡信息。")
    if household is not None and not household.village_code.startswith(_prefix(user)):
        raise NotFound(household.pk)


def access_household_for_audit(
    user: User, household_id: int | str, *, number: str = ""
) -> Household:
    """Like :func:`access_household_by_id` but soft-deleted households stay visible to the
    audit trail (the deletion and its reason are what inspectors look for). With ``number``
    (户编号) the household is looked up by it instead of its id."""
    audit_entries_for(user)  # raises unless the role reads the audit trail
    low, high = code_range(_prefix(user))
    in_scope = Household.objects.filter(village_code__gte=low, village_code__lt=high)
    try:
        if number:
            return in_scope.get(number=number)
        return in_scope.get(pk=int(household_id))
    except (Household.DoesNotExist, ValueError, TypeError):
        raise NotFound(number or household_id) from None
