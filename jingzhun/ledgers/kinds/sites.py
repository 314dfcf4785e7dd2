"""集中安置点台账: one row is a resettlement site. Loaded before the relocation ledger, whose
rows name their site.

Natural key: 所在区划 + 安置点名称. A stored site is changed through ``do_update_site`` (a
capacity below the households already there is refused by it); a new one is created through
``do_create_site``.
"""

from __future__ import annotations

from jingzhun.accounts.roles import SITE_MANAGERS
from jingzhun.areas.models import Area, Level
from jingzhun.ledgers.changes import changes, snapshot
from jingzhun.ledgers.spec import Column, Context, Ledger, Outcome, Row, given
from jingzhun.relocation import actions
from jingzhun.relocation.choices import SiteService
from jingzhun.relocation.models import ResettlementSite

AREA_LEVELS = (Level.COUNTY, Level.TOWNSHIP, Level.VILLAGE)
FIELDS = (
    "resettlement_type",
    "capacity_households",
    "capacity_people",
    "built_year",
    "services",
    "managing_unit",
)


def _area(ctx: Context, row: Row) -> Area:
    if row.get("area") in (None, ""):
        return ctx.scope
    return ctx.area("area", row["area"], levels=AREA_LEVELS, what="所在区划")


def find(ctx: Context, row: Row) -> ResettlementSite | None:
    return ResettlementSite.objects.filter(area=_area(ctx, row), name=row.get("name") or "").first()


def write(ctx: Context, row: Row, site: ResettlementSite | None) -> Outcome:
    area = _area(ctx, row)
    if site is None:
        site = actions.do_create_site(
            actor=ctx.actor,
            area=area,
            name=row.get("name"),
            resettlement_type=row.get("resettlement_type"),
            capacity_households=row.get("capacity_households"),
            capacity_people=row.get("capacity_people"),
            built_year=row.get("built_year"),
            managing_unit=row.get("managing_unit"),
            services=row.get("services") or (),
        )
        return Outcome("create", f"新建安置点{site.name}（{area.name}）")
    before = snapshot(site, FIELDS)
    site = actions.do_update_site(
        site,
        actor=ctx.actor,
        expected_version=site.version,
        reason="台账导入",
        **given(row, *FIELDS),
    )
    changed = changes(site, before, FIELDS)
    if not changed:
        return Outcome("unchanged", f"安置点{site.name}已登记")
    return Outcome("change", f"修改安置点{site.name}的{'、'.join(changed)}", changed)


LEDGER = Ledger(
    kind="sites",
    title="集中安置点台账",
    order=30,
    roles=SITE_MANAGERS,
    key="按“所在区划＋安置点名称”识别",
    find=find,
    write=write,
    columns=(
        Column(
            "name",
            "安置点名称",
            aliases=("安置点", "集中安置点", "集中安置点名称"),
            required=True,
            meaning="集中安置点的名称（本县内不重名，搬迁户台账按此名称对应）",
            example="东冶移民新村",
        ),
        Column(
            "area",
            "所在区划",
            aliases=("所在乡镇", "所在地", "所在村", "区划代码"),
            meaning="安置点所在的县、乡镇或行政村（名称或区划代码）；空白为上传人的辖区",
            example="",
        ),
        Column(
            "resettlement_type",
            "安置方式",
            "choice",
            aliases=("安置类型",),
            required=True,
            meaning="安置点的安置方式",
            example="县城或城镇安置",
            choices="ResettlementType",
        ),
        Column(
            "capacity_households",
            "设计安置户数",
            "int",
            aliases=("安置户数", "设计户数"),
            meaning="设计可安置的户数",
            example=50,
        ),
        Column(
            "capacity_people",
            "设计安置人数",
            "int",
            aliases=("安置人数", "设计人数"),
            meaning="设计可安置的人数",
            example=200,
        ),
        Column(
            "built_year",
            "建成年度",
            "int",
            aliases=("建成年份", "建成时间"),
            meaning="安置点建成的年份（不能晚于今年）",
            example=2017,
        ),
        Column(
            "services",
            "配套设施",
            aliases=("公共服务设施", "配套服务设施"),
            meaning="多项用顿号分隔，可选："
            + "、".join(str(label) for label in SiteService.labels),
            example="学校、扶贫车间/就业车间",
        ),
        Column(
            "managing_unit",
            "管理单位",
            aliases=("管理机构", "社区"),
            meaning="负责管理安置点的单位（如社区居委会）",
            example="东冶社区居委会",
        ),
    ),
    notes=("请先导入集中安置点，再导入易地扶贫搬迁户台账：搬迁户按安置点名称对应。",),
)
