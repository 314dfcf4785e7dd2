"""``jingzhun link --left A --right B --mapping M.yaml --out links.parquet``: link two tables
of people (CSV in UTF-8 or GBK, or Parquet) and write one row per predicted pair."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pandas as pd
from django.core.management.base import BaseCommand, CommandError, CommandParser

from jingzhun.imports.reading import csv_encoding
from jingzhun.linkage.backends import BACKENDS
from jingzhun.linkage.linker import EXACT_ID_REASON, link
from jingzhun.linkage.mapping import MappingError, load_mapping


def read_table(path: Path) -> pd.DataFrame:
    """A CSV (UTF-8 or GBK, every cell as text so ID numbers keep their digits) or Parquet
    file; raises :class:`CommandError` naming the file and the fix when it cannot be read."""
    if not path.is_file():
        raise CommandError(f"找不到文件 {path}：请核对路径。")
    try:
        with path.open("rb") as handle:
            head = handle.read(4)
        if head == b"PAR1":
            return pd.read_parquet(path)
        return pd.read_csv(
            path, dtype=str, keep_default_na=False, na_values=[""], encoding=csv_encoding(path)
        )
    except (ValueError, OSError, UnicodeDecodeError, pd.errors.ParserError) as error:
        raise CommandError(
            f"无法读取 {path}（{error}）：请提供UTF-8或GBK编码的CSV文件，或Parquet文件。"
        ) from None


class Command(BaseCommand):
    help = "记录关联：按映射文件比对两张人员表（CSV或Parquet），输出匹配结果（Parquet）。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--left", type=Path, required=True, help="左表（CSV或Parquet）")
        parser.add_argument("--right", type=Path, required=True, help="右表（CSV或Parquet）")
        parser.add_argument("--mapping", type=Path, required=True, help="映射文件（YAML）")
        parser.add_argument("--out", type=Path, required=True, help="输出的Parquet文件")
        parser.add_argument("--threshold", type=float, help="匹配概率阈值（默认取映射文件的）")
        parser.add_argument("--backend", choices=BACKENDS, default="duckdb")

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.perf_counter()
        threshold = options["threshold"]
        if threshold is not None and not 0 < threshold <= 1:
            raise CommandError(f"--threshold {threshold} 不是概率：请填写0到1之间的数，如0.9。")
        try:
            mapping = load_mapping(options["mapping"])
        except MappingError as error:
            raise CommandError(str(error)) from None
        left, right = read_table(options["left"]), read_table(options["right"])
        try:
            links = link(left, right, mapping, threshold=threshold, backend=options["backend"])
        except MappingError as error:
            raise CommandError(str(error)) from None
        out: Path = options["out"]
        out.parent.mkdir(parents=True, exist_ok=True)
        links.to_parquet(out, index=False)
        exact = int((links["reason"] == EXACT_ID_REASON).sum())
        self.stdout.write(
            f"左表{len(left):,}行，右表{len(right):,}行；匹配{len(links):,}对"
            f"（证件号码完全一致{exact:,}对，概率匹配{len(links) - exact:,}对），"
            f"用时{time.perf_counter() - started:.1f}秒；已写入 {out}"
        )
