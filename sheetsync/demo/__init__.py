"""The demo network: generated form responses and a played-out past, for `sheetsync init
--demo`, the tests and the benchmarks.

The generator's parts: sizes.py (how big), truth.py (what the rows really are), options.py
(the forms' answers), build.py (one run's state), people.py, forms.py, mess.py, and
responses.py (generate(): the order of it all). history.py plays weeks of the weekly job;
network.py (create_demo) puts the demo in a spreadsheet. Those two are imported from their
modules: they run the weekly job, and importing them loads the whole pipeline.
"""

from sheetsync.demo.mess import FORMULA_LIKE
from sheetsync.demo.options import (
    CATEGORIES,
    CHECKIN_STATUSES,
    CONTACT_PREFS,
    LANGUAGES,
    REQUEST_CONSENTS,
    SLOTS,
    URGENCIES,
    YES_NO,
)
from sheetsync.demo.people import AREA_CODES, MAX_PEOPLE
from sheetsync.demo.responses import generate, generate_responses
from sheetsync.demo.sizes import DEMO, SIZES, NetworkSize
from sheetsync.demo.truth import (
    FORMS,
    GeneratedNetwork,
    Invalid,
    Pair,
    PairKind,
    Problem,
    RowRef,
    Truth,
    Value,
)

__all__ = [
    "AREA_CODES",
    "CATEGORIES",
    "CHECKIN_STATUSES",
    "CONTACT_PREFS",
    "DEMO",
    "FORMS",
    "FORMULA_LIKE",
    "LANGUAGES",
    "MAX_PEOPLE",
    "REQUEST_CONSENTS",
    "SIZES",
    "SLOTS",
    "URGENCIES",
    "YES_NO",
    "GeneratedNetwork",
    "Invalid",
    "NetworkSize",
    "Pair",
    "PairKind",
    "Problem",
    "RowRef",
    "Truth",
    "Value",
    "generate",
    "generate_responses",
]
