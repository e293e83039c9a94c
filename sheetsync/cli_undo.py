"""`sheetsync undo`: revert the last run's changes (undo.py), leaving cells changed since.

Registered by importing this module at the end of cli.py (it adds itself to the group)."""

from __future__ import annotations

import json
from collections.abc import Iterator

import click

from sheetsync.backends import open_backend
from sheetsync.cli import Settings, cli, handle_errors, pass_settings
from sheetsync.undo import Undone, undo_run

SHOWN = 10  # without --verbose, at most this many cells reverted and left are listed


def undone_lines(result: Undone, where: str, *, limit: int | None) -> Iterator[str]:
    """What an undo reverted (or would) and left, by tab, row id and column: no values."""
    verb = "would revert" if result.dry_run else "reverted"
    cells = [r for r in result.reverted if r.what == "reverted"]
    blanked = [r for r in result.reverted if r.what == "row blanked"]
    again = [r for r in result.reverted if r.what == "row added again"]
    head = "Undo (dry run, nothing written)" if result.dry_run else f"Undo {result.undo_id}"
    yield f"{head} of run {result.run_id} on {where}:"
    for note in result.notices:
        yield f"Note: {note}"
    blank, add = ("would blank", "would add back") if result.dry_run else ("blanked", "added back")
    yield (
        f"  {verb} {len(cells)} cells; {blank} {len(blanked)} rows the run added; "
        f"{add} {len(again)} rows an undo had blanked."
    )
    for item in result.reverted[:limit]:
        column = f" {item.column}" if item.column else ""
        yield f"  ~ {item.tab} {item.key}{column}: {item.what}"
    if limit is not None and len(result.reverted) > limit:
        yield f"  … and {len(result.reverted) - limit} more (--verbose lists them all)"
    if result.left:
        yield (
            f"Left as they are ({len(result.left)}): changed since the run, so what is there "
            "now was kept:"
        )
        for left in result.left[:limit]:
            column = f" {left.column}" if left.column else ""
            yield f"  ! {left.tab} {left.key}{column}: {left.why}"
        if limit is not None and len(result.left) > limit:
            yield f"  … and {len(result.left) - limit} more (--verbose lists them all)"
    if not result.dry_run:
        yield "The undo is recorded on the Changes tab: `sheetsync undo` again reverts it."


@cli.command("undo")
@click.option("--run", "run_id", metavar="RUN_ID", help="The run to undo (default: the newest).")
@click.option("--dry-run", is_flag=True, help="Show what would be reverted; change nothing.")
@click.option("--json", "as_json", is_flag=True, help="Print what was reverted as JSON.")
@pass_settings
@handle_errors
def undo_command(settings: Settings, run_id: str | None, dry_run: bool, as_json: bool) -> None:
    """Revert the last run's changes, as the Changes tab records them.

    Each cell gets back what it held before the run, and rows the run added are blanked,
    unless changed since (by an organizer): those are left as they are, and listed. The
    undo is recorded too, so running `sheetsync undo` again reverts it.
    """
    config = settings.config()
    store = open_backend(config)
    result = undo_run(store, config, run_id, dry_run=dry_run)
    if as_json:
        click.echo(json.dumps(result.to_dict(), indent=2))
        return
    limit = None if settings.verbose else SHOWN
    click.echo("\n".join(undone_lines(result, store.describe(), limit=limit)))
