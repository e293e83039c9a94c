"""The send journal (.sheetsync/sent.jsonl): each email noted on disk before it is handed
over and again after, so that a run that stops anywhere leaves the next one enough to
never send a digest twice and never forget one.

Two kinds of line, each flushed and fsynced before the run goes on:
- "pending", before the email is handed over: its Message-ID, label, audience, period and
  recipient;
- the send log row after (sent, failed or unconfirmed, with the same Message-ID), as it
  goes to the Run log tab.

A pending line with no row after it is *in doubt*: the run stopped between the two, and the
email may or may not have gone. A line cut short by a crash is skipped, and is harmless:
a pending line is complete before its email is handed over, so a cut one was never sent;
a cut row leaves its pending line in doubt, to be checked, never sent again blindly.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from sheetsync.digest.mail import DeliveryError
from sheetsync.files import private_dir, private_fd

log = logging.getLogger(__name__)
JOURNAL = "sent.jsonl"  # in the network's state folder
PENDING = "pending"  # the key of a pending line: its value is the Message-ID


@dataclass
class Journal:
    """The journal as read: the send log rows, and the pending lines still in doubt."""

    rows: list[dict[str, str]] = field(default_factory=list)
    in_doubt: list[dict[str, str]] = field(default_factory=list)


def read_journal(path: Path) -> Journal:
    """The journal's rows and in-doubt sends (an empty Journal when there is none)."""
    journal = Journal()
    waiting: dict[str, dict[str, str]] = {}  # Message-ID -> its pending line, in order
    for line in _lines(path):
        if PENDING in line:
            waiting[line[PENDING]] = line
            continue
        waiting.pop(line.get("message_id", ""), None)  # its outcome is known
        journal.rows.append(line)
    journal.in_doubt = list(waiting.values())
    return journal


def _lines(path: Path) -> Iterator[dict[str, str]]:
    """The journal's complete lines; one cut short by a crash is skipped."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return
    for number, line in enumerate(data.split(b"\n"), start=1):
        if not line.strip():
            continue
        try:
            values = json.loads(line)
        except ValueError:  # cut short (or bytes a crash left): see the module's docstring
            log.warning("send journal %s: line %d is cut short and skipped", path, number)
            continue
        if isinstance(values, dict):
            yield {str(k): str(v) for k, v in values.items()}


@contextlib.contextmanager
def open_journal(path: Path) -> Iterator[Callable[[dict[str, str]], None]]:
    """A function writing one journal line, on disk before it returns. Unbuffered
    (os.write), so that a failed write raises where it happens, never later at close."""
    try:
        private_dir(path.parent)
        fd = private_fd(path, os.O_RDWR | os.O_CREAT | os.O_APPEND)
    except OSError as err:
        raise _cannot_write(path, err) from err

    def record(values: dict[str, str]) -> None:
        data = (json.dumps(values, ensure_ascii=False) + "\n").encode("utf-8")
        try:
            if _ends_cut_short(fd):
                data = b"\n" + data  # else this line would be glued to the cut one, lost
            while data:
                data = data[os.write(fd, data) :]
            os.fsync(fd)
        except OSError as err:
            raise _cannot_write(path, err) from err

    try:
        yield record
    finally:
        os.close(fd)


def _ends_cut_short(fd: int) -> bool:
    """Whether the journal's last line lacks its line end (a crash while writing it)."""
    size = os.fstat(fd).st_size
    if size == 0:
        return False
    os.lseek(fd, size - 1, os.SEEK_SET)  # not os.pread, which Windows lacks; writes append
    return os.read(fd, 1) != b"\n"


def _cannot_write(path: Path, err: OSError) -> DeliveryError:
    return DeliveryError(
        f"The send journal {path} cannot be written ({err.strerror or err}), so sheetsync "
        "stopped sending: it notes each email before and after it goes, and sends none it "
        "cannot note. Free some space on that disk and check that the folder can be "
        "written ([schedule] state_dir in sheetsync.toml moves it); the next run sends "
        "the rest, and checks the one it was sending."
    )


def pending_line(
    message_id: str, label: str, audience: str, period: str, to: str, recipient: str
) -> dict[str, str]:
    """The line noting an email about to be handed over (`to`: the address, as the send
    log's rows have it; the journal is private to the user)."""
    return {
        PENDING: message_id,
        "label": label,
        "audience": audience,
        "period": period,
        "changes": to,
        "recipient": recipient,
    }
