"""sheetsync's own files that name a person: outbox digests, and lines of the send journal
and of the scheduled log."""

from __future__ import annotations

import email
import email.policy
import html
import os
import stat
import tempfile
from pathlib import Path

from sheetsync.config import Config
from sheetsync.digest.deliver import JOURNAL
from sheetsync.errors import SheetsyncError
from sheetsync.forget.person import Traces
from sheetsync.scheduling.crontab import scheduled_log_file

_READABLE = (".eml", ".html", ".txt")


def remove_files(config: Config, traces: Traces, *, dry_run: bool) -> tuple[int, int]:
    """(files, lines) naming them: removed, or only counted in a dry run."""
    files = outbox_files(config.email.outbox, traces)
    lines = sum(
        _drop_lines(path, traces, dry_run=dry_run)
        for path in (config.state_dir / JOURNAL, scheduled_log_file(config))
    )
    if not dry_run:
        for path in files:
            try:
                path.unlink(missing_ok=True)
            except OSError as err:
                raise _file_error(path, err) from err
    return len(files), lines


def outbox_files(folder: Path | None, traces: Traces) -> list[Path]:
    """Outbox digests naming them, in their file names or in what they say, with the files
    written beside each (its .html, its pictures: `<stem>--<picture>`)."""
    if folder is None or not folder.is_dir():
        return []
    files = sorted(p for p in folder.iterdir() if p.is_file())
    stems = {
        p.stem
        for p in files
        if traces.has_address(p.name) or (p.suffix in _READABLE and traces.in_text(_text_of(p)))
    }
    return [p for p in files if p.stem in stems or any(p.name.startswith(f"{s}--") for s in stems)]


def _text_of(path: Path) -> str:
    """What a digest file says, as a person reads it: an .eml's headers and text, decoded."""
    data = path.read_bytes()
    if path.suffix != ".eml":
        return html.unescape(data.decode("utf-8", "replace"))
    message = email.message_from_bytes(data, policy=email.policy.default)
    parts = [str(message.get(name, "")) for name in ("To", "Subject")]
    for part in message.walk():
        if part.get_content_maintype() == "text" and not part.is_multipart():
            parts.append(str(part.get_content()))
    return html.unescape("\n".join(parts))


def _drop_lines(path: Path, traces: Traces, *, dry_run: bool) -> int:
    """Remove the lines naming them from a file of lines; how many there were."""
    if not path.is_file():
        return 0
    lines = path.read_bytes().splitlines(keepends=True)
    kept = [line for line in lines if not traces.in_text(line.decode("utf-8", "replace"))]
    if len(kept) < len(lines) and not dry_run:
        _rewrite(path, b"".join(kept))
    return len(lines) - len(kept)


def _rewrite(path: Path, data: bytes) -> None:
    """Replace a file's contents at once (a copy beside it, renamed over it), keeping its
    mode: a crash leaves the old file or the new one, never half of one."""
    try:
        mode = stat.S_IMODE(path.stat().st_mode)
        fd, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
            os.chmod(temp, mode)
            os.replace(temp, path)
        finally:
            Path(temp).unlink(missing_ok=True)
    except OSError as err:
        raise _file_error(path, err) from err


def _file_error(path: Path, err: OSError) -> SheetsyncError:
    # The folder only: a file's own name may hold the person's address.
    return SheetsyncError(
        f"A file in {path.parent} that names them could not be changed ({err.strerror}), so "
        "nothing was written to the sheet. Check that the folder can be written, then run "
        "the command again."
    )
