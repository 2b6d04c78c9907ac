"""``manage.py bench_summary``: every figure this `make bench` run recorded, in one table."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from core.bench import Figure, clear_recorded, load_average, recorded, results_path, table


def _number(value: float | None, unit: str = "") -> str:
    if value is None:
        return "—"
    text = f"{value:,.0f}" if abs(value) >= 100 else f"{value:,.1f}"
    return f"{text} {unit}".strip()


def _ratio(figure: Figure) -> str:
    ratio = figure.ratio
    if ratio is None:
        return "—"
    return f"{ratio:.0%}" if figure.higher_is_better else f"{ratio:.1f}x"


def _target(figure: Figure) -> str:
    parts = []
    if figure.target is not None:
        sign = ">=" if figure.higher_is_better else "<="
        parts.append(f"{sign} {_number(figure.target, figure.unit)}")
    if figure.ratio_target is not None:
        parts.append(
            f">= {figure.ratio_target:.0%} of floor"
            if figure.higher_is_better
            else f"<= {figure.ratio_target:g}x floor"
        )
    return ", ".join(parts) or "—"


class Command(BaseCommand):
    help = "Prints every figure the bench commands of this run recorded, with floor and target."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--clear", action="store_true", help="Forget the recorded figures.")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["clear"]:
            clear_recorded()
            return
        figures = recorded()
        if not figures:
            self.stdout.write(f"No figures recorded in {results_path()}.")
            return
        rows = [
            [
                f"{figure.section}: {figure.name}",
                _number(figure.measured, figure.unit),
                _number(figure.floor, figure.unit),
                _ratio(figure),
                _target(figure),
                {True: "met", False: "MISSED", None: "—"}[figure.met],
            ]
            for figure in figures
        ]
        headers = ["figure", "measured", "floor", "ratio", "target", ""]
        self.stdout.write(table(headers, rows))
        missed = sum(figure.met is False for figure in figures)
        met = sum(figure.met is True for figure in figures)
        self.stdout.write(f"\n{met} targets met, {missed} missed; load {load_average()}.")
