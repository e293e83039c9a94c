"""digest: render this week's digests from the tabs as the earlier steps left them.

The step only renders (it changes no tab). Sending is its effect (SendDigests): the job
runs it after it has written the spreadsheet, and each email is logged in the Run log tab,
once per recipient and week. It reuses the outcomes the summary step worked out.
"""

from __future__ import annotations

import logging

from sheetsync.digest.deliver import WEEKLY, SendDigests, digests_of, weekly_until
from sheetsync.errors import failure_text, trace_text
from sheetsync.steps import StepContext, StepResult
from sheetsync.steps.findings import SummaryFindings

log = logging.getLogger(__name__)


def run(ctx: StepContext) -> StepResult:
    summary = ctx.findings.get(SummaryFindings)
    outcomes = summary.outcomes if summary is not None else None
    try:
        digests = digests_of(ctx.frames, ctx.config, ctx.now, outcomes)
    except Exception as err:  # a digest must never cost the week's update of the sheet
        log.error("the digests could not be rendered:\n%s", trace_text(err))
        return StepResult(
            counts={"digests": 0},
            until=ctx.now,  # at another moment they might render: cannot tell
            notices=[
                f"The digests could not be made ({failure_text(err)}), so none "
                "was sent; the spreadsheet was updated as usual. Please report this with "
                "the log; `sheetsync digest` sends them once it is fixed."
            ],
        )
    # The weekly audiences only: alerts and reminders go from the followup step.
    counts = {a.value: sum(d.audience == a for d in digests) for a in sorted(WEEKLY)}
    notices = []
    if not ctx.config.email.organizers:
        notices.append(
            "No organizers' digest: list the organizers' addresses under [email] in "
            'sheetsync.toml, e.g. organizers = ["ana@example.org"].'
        )
    return StepResult(
        counts={"digests": len(digests), **counts},
        notices=notices,
        effects=[SendDigests(tuple(digests), ctx.tables["run_log"])],
        until=weekly_until(digests, ctx.now),
    )
