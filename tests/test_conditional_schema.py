"""`sheetsync_writes` in a schema: the values sheetsync may write into an organizer's cell."""

from __future__ import annotations

from pathlib import Path

import pytest

from sheetsync.errors import SchemaError
from sheetsync.schema import Owner, load_schema

TASKS = """
name: tasks
kind: tab
primaryKey: task_id
fields:
  - {{name: task_id, owner: sheetsync}}
  - {{name: status, owner: {owner}{constraints}{writes}}}
"""
ENUM = ", constraints: {enum: [proposed, accepted, done, declined, withdrawn]}"


def schema_file(
    tmp_path: Path, owner: str = "organizer", enum: str = ENUM, writes: str = ""
) -> Path:
    path = tmp_path / "tasks.yaml"
    text = TASKS.format(
        owner=owner, constraints=enum, writes=f", sheetsync_writes: {writes}" if writes else ""
    )
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("enum", "writes", "expected"),
    [
        (ENUM, "[withdrawn]", ("withdrawn",)),
        (ENUM, "[withdrawn, declined]", ("withdrawn", "declined")),
        ("", "[withdrawn]", ("withdrawn",)),  # no enum: any text may be named
        (ENUM, "", ()),  # absent: sheetsync never writes an existing row's cell
    ],
)
def test_sheetsync_writes_is_read_on_an_organizers_field(tmp_path, enum, writes, expected):
    schema = load_schema(schema_file(tmp_path, enum=enum, writes=writes))
    status = schema.field("status")
    assert status.owner is Owner.ORGANIZER
    assert status.sheetsync_writes == expected
    assert schema.field("task_id").sheetsync_writes == ()


@pytest.mark.parametrize(
    ("owner", "enum", "writes", "message"),
    [
        (
            "sheetsync",
            ENUM,
            "[withdrawn]",
            "sheetsync_writes is only for a field with owner: organizer (sheetsync rewrites "
            "every cell of its own columns anyway). Remove the key, or set owner: organizer.",
        ),
        (
            "form",
            ENUM,
            "[withdrawn]",
            "sheetsync_writes is only for a field with owner: organizer (sheetsync never "
            "writes a form's answers).",
        ),
        (
            "organizer",
            ENUM,
            "[withdrawn, cancelled]",
            "sheetsync_writes names 'cancelled', which is not in the field's enum (proposed, "
            "accepted, done, declined, withdrawn). Add it to constraints.enum or remove it.",
        ),
        ("organizer", ENUM, "withdrawn", "sheetsync_writes must be a list of the values"),
        ("organizer", ENUM, "[]", "sheetsync_writes must be a list of the values"),
        ("organizer", "", "[yes]", "quote values YAML would read as something else"),
        ("organizer", "", "['']", "each a non-empty text"),
        ("organizer", "", "[{a: 1}]", "each a non-empty text"),
    ],
)
def test_bad_sheetsync_writes_is_explained(tmp_path, owner, enum, writes, message):
    path = schema_file(tmp_path, owner=owner, enum=enum, writes=writes)
    with pytest.raises(SchemaError) as err:
        load_schema(path)
    assert message in str(err.value)
    assert f"{path} field 'status'" in str(err.value)


def test_a_misspelt_key_is_still_an_unknown_key(tmp_path):
    path = tmp_path / "tasks.yaml"
    path.write_text(
        "name: t\nfields:\n  - {name: status, owner: organizer, sheetsync_write: [x]}\n",
        encoding="utf-8",
    )
    with pytest.raises(SchemaError, match="unknown keys \\['sheetsync_write'\\]"):
        load_schema(path)
