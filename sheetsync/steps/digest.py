"""digest: render this week's digests from the tabs as the earlier steps left them.

The step only renders (it changes no tab); the job hands the emails over after it has
written the spreadsheet, and logs each in the Run log tab, once per recipient and week.
Finding: "digests", the rendered Digest list. It reuses the summary step's "outcomes".
"""

from __future__ import annotations

import logging

from sheetsync.digest.deliver import digests_of
from sheetsync.steps import StepContext, StepResult

log = logging.getLogger(__name__)


def run(ctx: StepContext) -> StepResult:
    try:
        digests = digests_of(ctx.frames, ctx.config, ctx.now, ctx.findings.get("outcomes"))
    except Exception as err:  # a digest must never cost the week's update of the sheet
        log.exception("the digests could not be rendered")
        return StepResult(
            counts={"digests": 0},
            notices=[
                f"The digests could not be made ({type(err).__name__}: {err}), so none "
                "was sent; the spreadsheet was updated as usual. Please report this with "
                "the log; `sheetsync digest` sends them once it is fixed."
            ],
        )
    counts = {
        audience: sum(d.audience == audience for d in digests)
        for audience in ("organizers", "volunteer", "public")
    }
    notices = []
    if not ctx.config.email.organizers:
        notices.append(
            "No organizers' digest: list the organizers' addresses under [email] in "
            'sheetsync.toml, e.g. organizers = ["ana@example.org"].'
        )
    return StepResult(
        counts={"digests": len(digests), **counts}, findings={"digests": digests}, notices=notices
    )
