"""Area browser: an area, its ancestors, its children with household counts (one query)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.db.models.functions import Substr
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from jingzhun.areas.actions import CHILD_LEVEL, do_create_area
from jingzhun.areas.models import SCOPE_DIGITS, Level
from jingzhun.core.actions import Actor
from jingzhun.core.http import domain_errors
from jingzhun.registry import scoping
from jingzhun.registry.forms import AreaForm, attach_errors


@login_required
@domain_errors
def area_detail(request: HttpRequest, code: str | None = None) -> HttpResponse:
    user = request.user
    area = scoping.access_area_by_code(user, code) if code else user.area
    children = list(area.children.order_by("code"))
    counts: dict[str, int] = {}
    if children and area.level < Level.VILLAGE:
        digits = SCOPE_DIGITS[Level(children[0].level)]
        rows = (
            scoping.households_for(user)
            .filter(village_code__startswith=area.scope_prefix)
            .annotate(child=Substr("village_code", 1, digits))
            .values("child")
            .annotate(n=Count("id"))
            .order_by()
        )
        counts = {row["child"]: row["n"] for row in rows}
    for child in children:
        child.household_count = counts.get(child.scope_prefix, 0)  # type: ignore[attr-defined]
    form = None
    if (Level(area.level) in CHILD_LEVEL and user.can_manage_areas) or (
        area.level == Level.VILLAGE and user.can_edit_registry
    ):
        form = AreaForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                child = do_create_area(
                    area,
                    actor=Actor.from_request(request),
                    name=form.cleaned_data["name"],
                    code=form.cleaned_data["code"],
                )
            except ValidationError as error:
                attach_errors(form, error)
            else:
                messages.success(
                    request, f"已新建{child.get_level_display()}：{child.name}（{child.code}）。"
                )
                return redirect("area_detail", code=area.code)
    return render(
        request,
        "areas/area_detail.html",
        {
            "area": area,
            "ancestors": [a for a in area.ancestors() if a.level >= user.area.level],
            "children": children,
            "form": form,
            "child_level": CHILD_LEVEL.get(Level(area.level)),
        },
    )
