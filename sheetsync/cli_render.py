"""What `sheetsync run` shows on the terminal: a live line while a step runs, then the report."""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Iterator
from typing import TYPE_CHECKING

import click

from sheetsync.report import CellChange, Issue, IssueCode, RunReport, Severity, TabReport

if TYPE_CHECKING:  # sheetsync.forget is imported when `forget` runs: it loads the digests
    from sheetsync.forget import Forgotten

# Without --verbose, at most this many rows, cell changes and issues are listed.
SHOWN = 5


class Progress:
    """On a terminal, a live line for steps that take over a second (the log has a line
    for each step when it ends)."""

    def __init__(self, enabled: bool = True) -> None:
        # No stderr at all under pythonw.exe (Windows' Task Scheduler starts tick so).
        self.tty = enabled and sys.stderr is not None and sys.stderr.isatty()
        self.enabled = enabled
        self._step: str | None = None
        self._began = 0.0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def on_step(self, name: str, seconds: float | None) -> None:
        if not self.enabled:
            return
        if seconds is None:
            self._step, self._began = name, time.monotonic()
            if self.tty and self._thread is None:
                self._thread = threading.Thread(target=self._tick, daemon=True)
                self._thread.start()
            return
        self._step = None
        if self.tty:  # the log's line for the step follows
            click.echo("\r\x1b[K", err=True, nl=False)

    def _tick(self) -> None:
        while not self._stop.wait(0.25):
            step = self._step
            if step and time.monotonic() - self._began >= 1:
                click.echo(
                    f"\r\x1b[K  {step} … {time.monotonic() - self._began:.0f} s", err=True, nl=False
                )

    def stop(self) -> None:
        self._stop.set()


def render_report(report: RunReport, where: str, *, verbose: bool) -> None:
    """The run report as text a person reads."""
    for line in report_lines(report, where, verbose=verbose):
        click.echo(line)


def report_lines(report: RunReport, where: str, *, verbose: bool) -> Iterator[str]:
    """The report's lines, block by block: what ran, what changed, what to fix and look at."""
    limit = None if verbose else SHOWN
    yield from _header_lines(report, where)
    yield from _step_lines(report)
    yield from _tab_lines(report, limit, detailed=report.dry_run or verbose)
    yield from _issue_lines(report, limit)
    for d in report.deliveries:
        yield f"Digest {d.outcome}: {d.audience} {d.period} to {d.recipient} {d.detail}".rstrip()
    if not report.dry_run and report.tabs:
        yield f"Open {where} and look at: {', '.join(t.tab for t in report.tabs)}."
        yield ("The Changes tab lists what this run changed; `sheetsync undo` puts it back.")


def _header_lines(report: RunReport, where: str) -> Iterator[str]:
    """Which job ran where, whether it wrote, how long its steps took, and its notes."""
    if report.skipped_for:
        yield f"Job {report.job} on {where}: {report.message}"
        return
    took = sum(s.seconds for s in report.steps)
    mode = "dry run, nothing written" if report.dry_run else "done"
    yield f"Job {report.job} on {where}: {mode} ({took:.1f} s of steps)."
    for note in report.notices:
        yield f"Note: {note}"


def _step_lines(report: RunReport) -> Iterator[str]:
    """A line per step with its figures, e.g. `  intake   responses 40, valid 38`."""
    for step in report.steps:
        figures = ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in step.counts.items())
        yield f"  {step.name:<8} {figures}"


def _tab_lines(report: RunReport, limit: int | None, *, detailed: bool) -> Iterator[str]:
    """A line per tab written (or that would be, in a dry run), each followed by its rows
    and cells when detailed, so a dry run shows what it would write."""
    if not report.tabs:
        yield "No changes: the spreadsheet was already up to date."
    would = "would " if report.dry_run else ""
    for tab in report.tabs:
        new = " (new tab)" if tab.created else ""
        yield (
            f"{tab.tab}: {would}add {tab.rows_added} rows, "
            f"{would}change {tab.cells_changed} cells{new}"
        )
        if detailed:
            yield from _tab_detail_lines(tab, limit)


def _tab_detail_lines(tab: TabReport, limit: int | None) -> Iterator[str]:
    """The rows added (by id) and the cells changed (by tab, row id and column, old → new),
    up to limit of each. A personal column's values are not shown, only that it changes:
    the terminal's output ends up in cron mail and logs, and the values are in the
    spreadsheet."""
    for number in range(len(tab.added))[:limit]:
        key = tab.added_ids[number] if number < len(tab.added_ids) else ""
        yield f"  + {key or 'a row'}"
    for change in tab.changed[:limit]:
        yield f"  ~ {tab.tab} {change.key or f'row {change.row}'} {change.column}: {_shift(change)}"
    if limit is None:
        return
    hidden = max(0, len(tab.added) - limit) + max(0, len(tab.changed) - limit)
    if hidden:
        yield f"  … and {hidden} more (--verbose shows every change)"


def _shift(change: CellChange) -> str:
    """`proposed → withdrawn`, `(empty) → 3`; "(personal, changed)" for a personal column."""
    if change.personal:
        return "(personal, changed)"
    return f"{_short(change.old)} → {_short(change.new)}"


def _short(text: str, most: int = 40) -> str:
    """A value for one line: "(empty)", or cut with "…" past `most` characters."""
    if not text:
        return "(empty)"
    return text if len(text) <= most else text[: most - 1] + "…"


def _issue_lines(report: RunReport, limit: int | None) -> Iterator[str]:
    """What to fix, and the first of each (all with --verbose): the form responses, then
    the values in the organizers' own tabs; then the warnings: what was used but deserves a
    look (an answer cleaned on the way in). A step's warning about a cell already listed as
    a value to fix is not listed again."""
    errors = [i for i in report.issues if i.severity is Severity.ERROR]
    values = [i for i in report.issues if i.code is IssueCode.ORGANIZER_VALUE]
    cells = {(i.tab, i.row, i.field) for i in values}
    warnings = [
        i
        for i in report.issues
        if i.severity is Severity.WARNING
        and i.code is not IssueCode.ORGANIZER_VALUE
        and (i.tab, i.row, i.field) not in cells
    ]
    if errors:
        yield (
            f"{len({i.source for i in errors})} form responses to fix; they are on the Errors tab:"
        )
        for issue in errors[:limit]:
            yield f"  {issue.source}  {issue.message}"
    yield from values_to_fix_lines(values, limit)
    if warnings:
        yield (
            f"Worth a look ({len(warnings)}), the run went on; each is on the Errors tab "
            "(a rule an edit broke, or a form answer cleaned on the way in):"
        )
        for issue in warnings[:limit]:
            yield f"  {issue.source}  {issue.message}"


def values_to_fix_lines(values: list[Issue], limit: int | None) -> Iterator[str]:
    """The values in organizers' own columns that break their rule, by tab (also what
    `sheetsync check` shows)."""
    if not values:
        return
    tabs = ", ".join(dict.fromkeys(i.tab for i in values))
    yield f"{len(values)} values in your tabs to fix ({tabs}); they are on the Errors tab:"
    for issue in values[:limit]:
        yield f"  {issue.source}  {issue.message}"


def forgotten_lines(result: Forgotten, where: str, *, rows: bool = True) -> Iterator[str]:
    """What `sheetsync forget` emptied (or would), row by row when `rows`, named by tab, row
    and id only: never by the person's name or contact."""
    rows_word = "row" if len(result.linked) == 1 else "rows"
    linked = f" (and linked {rows_word} {', '.join(result.linked)})" if result.linked else ""
    who = f"{result.person_id}{linked}"
    if result.nothing_left:
        yield f"Nothing of {who} is left to clear on {where}: they were forgotten already."
        return
    if result.dry_run:
        yield f"To forget {who} on {where}, sheetsync would empty:"
    else:
        yield f"Forgot {who} on {where}." + (" It emptied:" if rows else "")
    for row in result.rows if rows else ():
        label = f" ({row.id})" if row.id and row.id != f"{row.tab}:{row.row}" else ""
        marks = "".join(f"; {header}: {word}" for header, word in row.marked.items())
        yield f"  {row.tab} row {row.row}{label}: {_cells(len(row.cleared))}{marks}"
    by_tab = result.cells_by_tab
    tabs = f" ({', '.join(f'{tab} {n}' for tab, n in by_tab.items())})" if by_tab else ""
    remove = "would remove" if result.dry_run else "removed"
    yield (
        f"In all: {_cells(sum(by_tab.values()))}{tabs}; {remove} {result.files_removed} outbox "
        f"files and {result.lines_removed} lines of the send journal and log"
        + (
            f"; {remove} {result.backups_removed} backups of the workbook."
            if result.backups_removed
            else "."
        )
    )


def not_erased_lines() -> Iterator[str]:
    """What sheetsync cannot erase of a person it forgot: the organizer sees to it."""
    from sheetsync.forget import NOT_ERASED

    yield "sheetsync cannot erase these; please see to them by hand:"
    for item in NOT_ERASED:
        yield f"  - {item}"


def _cells(n: int) -> str:
    return f"{n} cell" if n == 1 else f"{n} cells"
