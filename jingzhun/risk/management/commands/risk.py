"""``jingzhun risk backtest [--year N]`` trains on the years before N and reports AUC, precision
among the top 5%, the income rule's same figures, and calibration for year N's outcomes in N+1.
``jingzhun risk rank [--area CODE] [--top K] [--year N]`` trains on every year with a known
outcome, scores year N (default: the latest income year), stores the run and prints the top K.
Both read the registry's history snapshot through the batch backend (docs/risk.md)."""

from __future__ import annotations

import json
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from jingzhun.accounts.commands import command_user
from jingzhun.analytics.backend import BACKENDS, Backend, open_backend
from jingzhun.core.actions import Actor, NotFound, PermissionDenied
from jingzhun.registry import scoping
from jingzhun.risk import backtest as bt
from jingzhun.risk.actions import do_store_risk_run
from jingzhun.risk.model import MODEL_KINDS
from jingzhun.risk.reasons import reason_record, reason_text


def _latest_income_year() -> int:
    from django.db.models import Max

    from jingzhun.registry.models import Income

    year = Income.objects.aggregate(top=Max("year"))["top"]
    if year is None:
        raise CommandError("没有收入记录，无法排序。")
    return int(year)


def _backend(kind: str, year: int, area_code: str, reuse: bool) -> Backend:
    return open_backend(kind, year=year, area_code=area_code, history=True, reuse=reuse)


class Command(BaseCommand):
    help = "走访风险排序：jingzhun risk backtest [--year N] | jingzhun risk rank [--area CODE]"

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="verb", required=True)
        back = sub.add_parser("backtest", help="留出一年回测：AUC、前5%命中率、校准")
        back.add_argument("--year", type=int, default=0, help="留出的数据年度（默认最近第二年）")
        back.add_argument("--area", default="", help="区划代码（默认全部）")
        back.add_argument("--json", action="store_true", help="输出JSON")
        rank = sub.add_parser("rank", help="训练、排序并保存本批次")
        rank.add_argument("--year", type=int, default=0, help="数据年度（默认最近的收入年度）")
        rank.add_argument("--area", default="", help="区划代码（默认用户所在区域）")
        rank.add_argument("--top", type=int, default=20, help="显示前K户")
        rank.add_argument("--model", choices=MODEL_KINDS, default="hgb")
        rank.add_argument("--user", default="", help="以哪个用户的名义保存（默认唯一的管理员）")
        for p in (back, rank):
            p.add_argument("--backend", choices=BACKENDS, default="duckdb")
            p.add_argument("--reuse-snapshot", action="store_true", help="快照未变时沿用")

    def handle(self, *args: Any, verb: str, **options: Any) -> None:
        try:
            if verb == "backtest":
                self._backtest(options)
            else:
                self._rank(options)
        except (NotFound, PermissionDenied) as error:
            raise CommandError(str(error) or "该区域不存在或无权访问。") from None
        except ValueError as error:
            raise CommandError(str(error)) from None

    def _backtest(self, options: dict[str, Any]) -> None:
        latest = _latest_income_year()
        year = options["year"] or latest - 1
        if year + 1 > latest:
            raise CommandError(f"{year + 1}年还没有收入记录：回测年度最晚为{latest - 1}年。")
        started = time.perf_counter()
        backend = _backend(options["backend"], latest, options["area"], options["reuse_snapshot"])
        report = bt.backtest(backend, year)
        report["seconds"] = round(time.perf_counter() - started, 1)
        if options["json"]:
            self.stdout.write(json.dumps(report, ensure_ascii=False, indent=2))
            return
        self._print_report(report)

    def _print_report(self, report: dict[str, Any]) -> None:
        w = self.stdout.write
        w(
            f"回测：{report['year']}年年底数据 → {report['outcome_year']}年结果；"
            f"训练年度 {report['training_years']}（{report['training_rows']}行，"
            f"结果发生率 {report['training_outcome_rate']}）"
        )
        for name, figures in report["models"].items():
            for subset, title in (("all", "全部农户"), ("not_monitored", "年底不在监测中的农户")):
                f = figures[subset]
                m, b = f["model"], f["baseline"]
                w(
                    f"[{name}] {title} {f['households']}户，结果 {f['outcomes']}户："
                    f"AUC {m['auc']}（收入规则 {b['auc']}），"
                    f"前5%命中率 {m['precision_top5']}（收入规则 {b['precision_top5']}；"
                    f"规则标出 {b['flagged']}户，命中率 {b['precision_flagged']}）"
                )
            cal = figures["calibration"]
            w(f"[{name}] Brier {cal['brier']}（只用发生率：{cal['base_rate_brier']}）")
            for row in cal["reliability"]:
                if row["households"]:
                    w(
                        f"    {row['bin']}: {row['households']}户，"
                        f"预测 {row['predicted']}，实际 {row['observed']}"
                    )
        w(f"用时 {report['seconds']} 秒")

    def _rank(self, options: dict[str, Any]) -> None:
        user = command_user(options["user"], doing="排序")
        area = scoping.access_area_by_code(user, options["area"]) if options["area"] else user.area
        area_code = "" if area is None or not area.scope_prefix else area.code
        latest = _latest_income_year()
        year = options["year"] or latest
        backend = _backend(options["backend"], latest, area_code, options["reuse_snapshot"])
        today = timezone.localdate()
        model, frame, reasons = bt.rank(backend, year, kind=options["model"], today=today)
        metrics: dict[str, Any] = {
            "training_years": model.training_years,
            "training_rows": model.training_rows,
            "training_positives": model.training_positives,
            "features": list(model.features),
        }
        if bt.training_years(backend, year - 1):
            report = bt.backtest(backend, year - 1, kinds=(options["model"],))
            figures = report["models"][options["model"]]
            metrics["backtest"] = {
                "year": year - 1,
                "auc": figures["all"]["model"]["auc"],
                "precision_top5": figures["all"]["model"]["precision_top5"],
                "baseline_auc": figures["all"]["baseline"]["auc"],
                "baseline_precision_top5": figures["all"]["baseline"]["precision_top5"],
                "brier": figures["calibration"]["brier"],
            }
        run = do_store_risk_run(
            Actor(user=user, source="command"),
            year=year,
            area=area if area_code else None,
            model_kind=options["model"],
            trained_at=timezone.now(),
            metrics=metrics,
            scored=frame,
            reasons=reasons,
        )
        self.stdout.write(f"已保存走访排序批次 {run.pk}：{year}年，{run.households}户。")
        top = frame.sort_values("score", ascending=False).head(max(0, options["top"]))
        sees_health = bool(getattr(user, "sees_health", False))
        for position, (hid, row) in enumerate(top.iterrows(), start=1):
            words = [
                reason_text(reason_record(name, row[name], effect), sees_health=sees_health)
                for name, effect in reasons.get(int(hid), [])
            ]
            self.stdout.write(
                f"{position:>4}  农户{hid}  {row['village_code']}  {row['score']:.3f}  "
                + "；".join(words)
            )
