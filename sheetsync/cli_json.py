"""What `--json` prints: one envelope for every command (docs/json.md).

Every command given --json prints one JSON object on stdout, and nothing else there:
`{"ok": true, "command": "check", ...}` with the command's own keys beside "ok" and
"command", or, when it failed, `"ok": false` and an "error" object (its type, its message
and the exit code the command exits with, unchanged by --json). The keys hold what the
text output shows, never more: rows by tab, row and id; digests by recipient id; no
name, email, phone or note (the "logs, terminal" audience of sheetsync/privacy.py).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

import click

from sheetsync.errors import SheetsyncError

# Raise it when a key is renamed or removed (adding a key keeps it): scripts can check it.
JSON_VERSION = 1
ENVELOPE_KEYS = ("ok", "command", "json_version", "error")


def envelope(
    command: str, data: Mapping[str, Any] | None = None, error: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """The object a command prints: "ok", "command", "json_version", its own keys, and
    "error" when it failed."""
    data = dict(data or {})
    clash = set(ENVELOPE_KEYS) & set(data)
    assert not clash, f"a command's JSON cannot use the envelope's keys {sorted(clash)}"
    obj: dict[str, Any] = {"ok": error is None, "command": command, "json_version": JSON_VERSION}
    obj.update(data)
    if error is not None:
        obj["error"] = dict(error)
    return obj


def error_object(kind: str, message: str, exit_code: int) -> dict[str, Any]:
    """{"type", "message", "exit_code"}: kind is the exception's class name (MissingTabError,
    BadParameter…) or, for an outcome that is not an exception, a name of its own."""
    return {"type": kind, "message": message, "exit_code": exit_code}


def error_of(err: BaseException) -> dict[str, Any]:
    """The error object of an exception a command stops with (sheetsync's or click's)."""
    if isinstance(err, click.UsageError):  # NoSuchOption, BadParameter…: all exit 2
        message = err.format_message()
        if err.ctx is not None:
            message = f"{message} (`{err.ctx.command_path} --help` lists the options)"
        return error_object("UsageError", message, err.exit_code)
    if isinstance(err, click.ClickException):
        return error_object(type(err).__name__, err.format_message(), err.exit_code)
    if isinstance(err, click.Abort):
        return error_object("Aborted", "Stopped: the question was answered no.", 1)
    assert isinstance(err, SheetsyncError)
    return error_object(type(err).__name__, str(err), 1)


def emit(
    command: str, data: Mapping[str, Any] | None = None, error: Mapping[str, Any] | None = None
) -> None:
    """Print the command's envelope on stdout."""
    click.echo(json.dumps(envelope(command, data, error), indent=2, default=str))


def finish(command: str, data: Mapping[str, Any], error: Mapping[str, Any] | None = None) -> None:
    """Print the envelope, then exit with the error's code when there is one."""
    emit(command, data, error)
    if error is not None:
        raise SystemExit(int(error["exit_code"]))


class JsonCommand(click.Command):
    """A click command with --json: a usage error found while parsing its command line is
    printed as the JSON error object too (click prints its text on stderr, exit 2)."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        wants_json = "--json" in args
        try:
            return super().parse_args(ctx, args)
        except click.UsageError as err:
            if wants_json:
                emit(self.name or "", error=error_of(err))
            raise


def issue_dicts(issues: Sequence[Any]) -> list[dict[str, Any]]:
    """Problems found in rows, as the Errors tab names them: tab, row, field, code, message
    and severity (the messages never quote a cell's value)."""
    return [
        {
            "tab": i.tab,
            "row": i.row,
            "field": i.field,
            "code": str(i.code),
            "severity": str(i.severity),
            "message": i.message,
        }
        for i in issues
    ]


def check_data(where: str, result: Any) -> dict[str, Any]:
    """check's keys: the spreadsheet, its figures (responses, valid, invalid, noted…), the
    notes and every problem found. `result`: check_spreadsheet's StepResult."""
    return {
        "spreadsheet": where,
        "counts": dict(result.counts),
        "notices": list(result.notices),
        "issues": issue_dicts(result.issues),
    }


def delivery_dict(delivery: Any) -> dict[str, Any]:
    """A digest handed over, refused or not sent again, by recipient id: never its address
    (as `run --json`'s deliveries)."""
    return {
        "audience": str(delivery.audience),
        "period": delivery.period,
        "outcome": str(delivery.outcome),
        "recipient": delivery.recipient,
        "detail": delivery.detail,
    }
