"""The few Drive v3 calls a Sheets client makes: create, get, list and delete a spreadsheet."""

from __future__ import annotations

import datetime as dt

from sheetsync_testkit._workbook import ApiError, JsonObject, Spreadsheet, invalid

SPREADSHEET_MIME = "application/vnd.google-apps.spreadsheet"


class DriveError(ApiError):
    """Drive v3 errors carry an 'errors' list and no status name."""

    def __init__(self, code: int, message: str, reason: str, location: str) -> None:
        super().__init__(code, message, "")
        self.reason = reason
        self.location = location

    def body(self) -> JsonObject:
        error = {
            "message": self.message,
            "domain": "global",
            "reason": self.reason,
            "location": self.location,
            "locationType": "parameter",
        }
        return {"error": {"code": self.code, "message": self.message, "errors": [error]}}


def not_found(file_id: str) -> DriveError:
    """Drive's answer for a file that does not exist or that the caller cannot see."""
    return DriveError(404, f"File not found: {file_id}.", "notFound", "fileId")


def _time(moment: dt.datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def file_resource(book: Spreadsheet, *, timestamps: bool) -> JsonObject:
    """A spreadsheet as a Drive file; timestamps only when a field mask asks (as Drive does)."""
    resource: JsonObject = {
        "kind": "drive#file",
        "id": book.id,
        "name": book.props.get("title", ""),
        "mimeType": SPREADSHEET_MIME,
    }
    if timestamps:
        resource["createdTime"] = _time(book.created)
        resource["modifiedTime"] = _time(book.modified)
    return resource


def matches(book: Spreadsheet, q: str) -> bool:
    """Drive's q as clients use it to find spreadsheets: mimeType = "...", name = "...",
    trashed = false, joined by 'and'."""
    if not q.strip():
        return True
    for clause in q.split(" and "):
        name, _, value = (part.strip() for part in clause.partition("="))
        value = value.strip("'\"").replace("\\'", "'").replace('\\"', '"')
        if name == "mimeType" and value != SPREADSHEET_MIME:
            return False
        if name == "name" and value != book.props.get("title"):
            return False
        if name not in ("mimeType", "name", "trashed"):
            raise invalid(f"Invalid Value: the emulator's Drive cannot search {clause!r}")
    return True
