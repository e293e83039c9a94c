"""The demo's feedback round: requesters and volunteers answer the Feedback form.

After each simulated week, every task whose requester or volunteer sheetsync asked (the
Tasks tab's feedback_asked) and who has not answered yet answers, by a fixed pattern so
the demo always shows each case: most say the help happened; one in five requesters says
it did not (the next run opens the need again); one in four asks an organizer to get in
touch (the Call list, reason follow-up); volunteers on a regular need say they continue.
The demo's feedback key is fixed, so its codes are the same on every machine.
"""

from __future__ import annotations

import datetime as dt

from sheetsync.backends.base import Backend, TabChanges, Value
from sheetsync.config import Config
from sheetsync.feedback.asks import reached_roles
from sheetsync.feedback.codes import KEY_FILE
from sheetsync.feedback.model import Role
from sheetsync.files import write_private_text
from sheetsync.form_languages import written_in
from sheetsync.schema import load_schemas
from sheetsync.state import read_state
from sheetsync.tables import records_of

DEMO_KEY = "demo-feedback-key-not-secret"  # a real network's key is random (feedback/codes.py)
_HOW = {
    "Yes": "Thank you, it went well.",
    "Partly": "Some of it came, not all.",
    "No": "Nobody came in the end.",
}


_TITLES = {Role.REQUESTER.value: "I asked for help", Role.VOLUNTEER.value: "I helped"}


def _answer(k: int, role: str, code: str, recurring: bool) -> dict[str, Value]:
    """The k-th task's answer from one role, by the pattern of the module's docstring."""
    happened = "Yes"
    if role == Role.REQUESTER and k % 5 == 2:
        happened = "No"
    elif k % 7 == 3:
        happened = "Partly"
    volunteer = role == Role.VOLUNTEER
    return {
        "code": code,
        "role": _TITLES[role],
        "happened": happened,
        "how": _HOW[happened],
        "follow_up": "Yes, please contact me" if k % 4 == 1 else "No",
        "continue": "Yes" if volunteer and recurring else "",
    }


def use_demo_key(config: Config) -> None:
    """The demo's fixed feedback key, unless the folder has one already."""
    path = config.state_dir / KEY_FILE
    if not path.exists():
        write_private_text(path, DEMO_KEY + "\n")


def answer_feedback(backend: Backend, config: Config, now: dt.datetime) -> int:
    """Append an answer from each person asked who has not answered yet, in the forms'
    first language; how many."""
    state = read_state(backend, config)
    form = state.forms["feedback"]
    answered = {
        (str(code).casefold(), str(role))
        for code, role in zip(form.frame["code"], form.frame["role"], strict=True)
    }
    recurring = {
        n["need_id"]
        for n in records_of(state.tables["needs"].frame)
        if n["recurrence"] not in ("", "once")
    }
    schema = load_schemas()["feedback"]
    rows: list[list[Value]] = []
    for k, task in enumerate(records_of(state.tables["tasks"].frame)):
        code = str(task["feedback_code"])
        for role in reached_roles(str(task["feedback_asked"])):
            if code and (code.casefold(), _TITLES[role]) not in answered:
                answer = _answer(k, role, code, task["need_id"] in recurring)
                answer["timestamp"] = now + dt.timedelta(minutes=30 + len(rows))
                rows.append(written_in(schema, answer, config.form_languages[0]))
    if rows:
        tab = form.tab
        n_rows = len(backend.read_tabs([tab])[tab].rows)
        backend.apply([TabChanges(tab=tab, start_row=n_rows + 1, append=rows)])
    return len(rows)
