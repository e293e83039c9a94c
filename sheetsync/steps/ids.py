"""Stable ids for rows sheetsync adds (sheetsync/ids.py), as the steps import them."""

from __future__ import annotations

from sheetsync.ids import Ids as Ids
from sheetsync.ids import id_number as id_number
