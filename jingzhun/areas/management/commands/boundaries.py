"""``jingzhun boundaries load FILE.geojson --code-property PROPERTY --source "…"``: load
administrative-area boundaries from a GeoJSON FeatureCollection keyed by division code, all or
nothing (codes not in the area tree, features without a code, geometries that are not
polygons and repeated codes are refused, naming the features); ``jingzhun boundaries list``
counts the stored boundaries by level and source; ``jingzhun boundaries clear [--under CODE]``
deletes them. See docs/maps.md for sources and their licences."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db.models import Count

from jingzhun.areas.boundaries import do_clear_boundaries, do_load_boundaries, parse_boundaries
from jingzhun.areas.models import AreaBoundary, Level
from jingzhun.audit.models import Source
from jingzhun.core.actions import Actor


def _messages(error: ValidationError) -> str:
    return "\n".join(m for ms in error.message_dict.values() for m in ms)


class Command(BaseCommand):
    help = "导入、列出或清除行政区划边界（GeoJSON）。"

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="command", required=True)
        load = sub.add_parser("load", help="从 GeoJSON 要素集合导入边界（全部通过才导入）")
        load.add_argument("file")
        load.add_argument(
            "--code-property", required=True, help="要素中存放区划代码的属性名（如 adcode）"
        )
        load.add_argument(
            "--source", required=True, help="数据来源与许可（如 “geoBoundaries，CC BY 4.0”）"
        )
        sub.add_parser("list", help="按级别和来源统计已导入的边界")
        clear = sub.add_parser("clear", help="清除已导入的边界")
        clear.add_argument("--under", default="", help="只清除该区划代码下的边界")

    def handle(self, *args: Any, **options: Any) -> None:
        actor = Actor(user=None, source=Source.COMMAND)
        command = options["command"]
        if command == "load":
            path = Path(options["file"])
            if not path.is_file():
                raise CommandError(f"文件不存在：{path}")
            try:
                parsed = parse_boundaries(path.read_bytes(), options["code_property"])
                n = do_load_boundaries(actor=actor, parsed=parsed, source=options["source"])
            except ValidationError as error:
                raise CommandError("未导入任何边界。\n" + _messages(error)) from None
            self.stdout.write(f"已导入{n}个行政区划的边界（来源：{options['source']}）。")
        elif command == "list":
            rows = (
                AreaBoundary.objects.values("area__level", "source")
                .annotate(n=Count("id"))
                .order_by("area__level", "source")
            )
            if not rows:
                self.stdout.write("尚未导入任何行政区划边界。")
            for row in rows:
                level = Level(row["area__level"]).label
                self.stdout.write(f"{level}级 {row['n']}个：{row['source']}")
        else:
            under = options["under"].strip()
            prefix = ""
            if under:
                from jingzhun.areas.models import Area

                area = Area.objects.filter(code=under).first()
                if area is None:
                    raise CommandError(f"没有区划代码为{under}的地区。")
                prefix = area.scope_prefix
            n = do_clear_boundaries(actor=actor, prefix=prefix)
            self.stdout.write(f"已清除{n}个行政区划的边界。")
