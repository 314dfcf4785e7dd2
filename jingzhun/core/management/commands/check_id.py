"""``jingzhun check-id NUMBER...``: one JSON object per number, one per line."""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand, CommandParser

from jingzhun.core.idnumber import check_id_as_json


class Command(BaseCommand):
    help = "校验居民身份证号码（GB 11643-1999），每个号码输出一行JSON。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("numbers", nargs="+", metavar="NUMBER")

    def handle(self, *args: object, numbers: list[str], **options: object) -> None:
        for number in numbers:
            self.stdout.write(json.dumps(check_id_as_json(number), ensure_ascii=False))
