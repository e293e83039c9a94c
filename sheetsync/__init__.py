"""sheetsync: a careful helper for mutual aid organizers, inside their own spreadsheet."""

from __future__ import annotations

__version__ = "0.1.0"
