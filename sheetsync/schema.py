"""schemas/*.yaml (Table Schema, with a few documented extensions) → typed field specs."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from functools import cache, cached_property
from pathlib import Path
from typing import Any

import yaml

import sheetsync
from sheetsync.errors import SchemaError


class FieldType(StrEnum):
    STRING = "string"
    INTEGER = "integer"
    NUMBER = "number"
    DATE = "date"
    DATETIME = "datetime"
    LIST = "list"  # Table Schema v2 list: items joined by `delimiter` (Google: ", ")


class Owner(StrEnum):
    FORM = "form"  # a form response column: sheetsync only reads it
    SHEETSYNC = "sheetsync"  # recomputed and written by sheetsync
    ORGANIZER = "organizer"  # edited by organizers: read, written only when a row is added
    # (or, in an existing row, moved to one of the field's `sheetsync_writes` values, and
    # only if the cell still holds what sheetsync read)


@dataclass(frozen=True)
class FieldSpec:
    """One column: its field name, header title, type and constraints."""

    name: str
    title: str
    type: FieldType
    owner: Owner
    format: str | None = None
    pii: bool = False
    delimiter: str = ", "
    required: bool = False
    enum: tuple[str, ...] | None = None
    enum_from: str | None = None
    minimum: float | None = None
    maximum: float | None = None
    max_length: int | None = None
    pattern: str | None = None
    past: bool = False  # a date that cannot be later than now (a form's Timestamp)
    description: str = ""
    # An organizer's field: the values sheetsync may write into a cell of an existing row
    # (a proposal it withdraws), each write conditional on the cell being as it was read.
    sheetsync_writes: tuple[str, ...] = ()
    # A detail column hidden from view by the tab's formatting (the data stays; unhide the
    # column to see it): keeps a tab to the columns organizers read every week.
    hidden: bool = False
    # A form question added in a later version of sheetsync: a form made before it may not
    # ask it, and its tab then has no such column. The answer reads as empty (never an error),
    # so an older form keeps working; asking it turns the feature on.
    optional_question: bool = False


@dataclass(frozen=True)
class TableSchema:
    """A form's responses or one of sheetsync's tabs."""

    name: str
    title: str
    kind: str  # "form" or "tab"
    tab: str
    fields: tuple[FieldSpec, ...]
    primary_key: str | None = None
    required_one_of: tuple[tuple[str, ...], ...] = ()
    path: Path | None = None

    def field(self, name: str) -> FieldSpec:
        for f in self.fields:
            if f.name == name:
                return f
        raise KeyError(name)

    @property
    def names(self) -> list[str]:
        return [f.name for f in self.fields]

    @cached_property
    def blank(self) -> dict[str, str]:
        """Every field empty: where a new row starts (tables.empty_record copies it; a first
        run on a large network adds ~250,000 rows)."""
        return dict.fromkeys(self.names, "")

    @property
    def titles(self) -> list[str]:
        return [f.title for f in self.fields]


# Lists in sheetsync.toml that a field's answers may be checked against.
ENUM_SOURCES = ("network.zones", "tasks.feedback_code")

_TOP_KEYS = {"name", "title", "kind", "tab", "fields", "primaryKey", "requiredOneOf", "description"}
_FIELD_KEYS = {
    "name",
    "title",
    "type",
    "format",
    "owner",
    "pii",
    "delimiter",
    "itemType",
    "constraints",
    "enumFrom",
    "description",
    "sheetsync_writes",
    "hidden",
    "optionalQuestion",
}
_CONSTRAINT_KEYS = {"required", "enum", "minimum", "maximum", "maxLength", "pattern", "past"}


def data_dir(name: str) -> Path:
    """The folder of shipped `schemas` or `jobs`: the repo's top level, or inside the wheel."""
    package = Path(sheetsync.__file__).parent
    for candidate in (package / "_data" / name, package.parent / name):
        if candidate.is_dir():
            return candidate
    raise SchemaError(f"The {name}/ folder is missing from the sheetsync install; reinstall it.")


def load_schema(path: Path) -> TableSchema:
    """Load and check one schema file."""
    raw = _read_mapping(path)
    _unknown(raw, _TOP_KEYS, str(path))
    kind = raw.get("kind", "tab")
    if kind not in ("form", "tab"):
        raise SchemaError(f"Schema {path}: kind must be 'form' or 'tab', not {kind!r}.")
    fields = _fields(raw, kind, path)
    names = [f.name for f in fields]
    key = _primary_key(raw, names, path)
    one_of = _required_one_of(raw, names, path)
    return TableSchema(
        name=str(raw.get("name") or path.stem),
        title=str(raw.get("title") or raw.get("name") or path.stem),
        kind=kind,
        tab=str(raw.get("tab") or raw.get("title") or path.stem),
        fields=fields,
        primary_key=key,
        required_one_of=one_of,
        path=path,
    )


def _read_mapping(path: Path) -> dict[str, Any]:
    """The file's YAML (or JSON, which is YAML too), which must be a mapping."""
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as err:
        raise SchemaError(f"Schema {path} cannot be read: {err}") from err
    if not isinstance(raw, dict):
        raise SchemaError(f"Schema {path} must be a mapping with 'name' and 'fields'.")
    return raw


def _fields(raw: dict[str, Any], kind: str, path: Path) -> tuple[FieldSpec, ...]:
    """The schema's fields, at least one, each name once: a name is how steps find a column."""
    _shape(raw.get("fields"), list, f"Schema {path}: fields", "a list of fields")
    fields = tuple(_field(f, kind, path) for f in raw.get("fields") or [])
    if not fields:
        raise SchemaError(f"Schema {path} has no fields.")
    names = [f.name for f in fields]
    if len(set(names)) != len(names):
        raise SchemaError(f"Schema {path} names a field twice.")
    return fields


def _primary_key(raw: dict[str, Any], names: list[str], path: Path) -> str | None:
    """The field holding the ids other tabs point to, if the table has one."""
    key = raw.get("primaryKey")
    if key is not None and key not in names:
        raise SchemaError(f"Schema {path}: primaryKey {key!r} is not one of its fields.")
    return key


def _required_one_of(
    raw: dict[str, Any], names: list[str], path: Path
) -> tuple[tuple[str, ...], ...]:
    """Groups of fields of which a row must answer at least one (a phone or an email)."""
    groups = raw.get("requiredOneOf")
    shape = "a list of lists of field names, e.g. [[phone, email]]"
    _shape(groups, list, f"Schema {path}: requiredOneOf", shape)
    for group in groups or []:
        _shape(group, list, f"Schema {path}: requiredOneOf", shape)
    one_of = tuple(tuple(group) for group in groups or [])
    for group in one_of:
        missing = [n for n in group if n not in names]
        if missing:
            raise SchemaError(f"Schema {path}: requiredOneOf names unknown fields {missing}.")
    return one_of


def _field(raw: Any, kind: str, path: Path) -> FieldSpec:
    """One field of the schema, its keys and constraints checked."""
    if not isinstance(raw, dict) or "name" not in raw:
        raise SchemaError(f"Schema {path}: every field needs a name; found {raw!r}.")
    where = f"{path} field {raw['name']!r}"
    _unknown(raw, _FIELD_KEYS, where)
    _shape(
        raw.get("constraints"), dict, f"{where}: constraints", "a mapping, e.g. {required: true}"
    )
    constraints = raw.get("constraints") or {}
    _unknown(constraints, _CONSTRAINT_KEYS, f"{where} constraints")
    _shape(constraints.get("enum"), list, f"{where}: enum", "a list of the answers allowed")
    for key in ("minimum", "maximum", "maxLength"):
        _shape(constraints.get(key), (int, float), f"{where}: {key}", "a number")
    ftype = _field_type(raw, where)
    owner = _owner(raw, kind, where)
    enum = constraints.get("enum")
    if raw.get("enumFrom") not in (None, *ENUM_SOURCES):
        raise SchemaError(
            f"{where}: enumFrom {raw['enumFrom']!r} is not a list sheetsync knows; "
            f"use one of {', '.join(ENUM_SOURCES)}."
        )
    writes = _sheetsync_writes(raw, owner, enum, where)
    return FieldSpec(
        name=str(raw["name"]),
        # sheetsync's own tabs use the field name as the header; forms use the question title.
        title=str(raw.get("title", raw["name"])),
        type=ftype,
        owner=owner,
        format=raw.get("format"),
        pii=bool(raw.get("pii", False)),
        delimiter=str(raw.get("delimiter", ", ")),
        required=bool(constraints.get("required", False)),
        enum=tuple(str(v) for v in enum) if enum is not None else None,
        enum_from=raw.get("enumFrom"),
        minimum=constraints.get("minimum"),
        maximum=constraints.get("maximum"),
        max_length=constraints.get("maxLength"),
        pattern=constraints.get("pattern"),
        past=bool(constraints.get("past", False)),
        description=str(raw.get("description", "")),
        sheetsync_writes=writes,
        hidden=bool(raw.get("hidden", False)),
        optional_question=bool(raw.get("optionalQuestion", False)),
    )


def _sheetsync_writes(
    raw: dict[str, Any], owner: Owner, enum: list[Any] | None, where: str
) -> tuple[str, ...]:
    """The values sheetsync may write into an organizer's cell of an existing row: a list of
    texts, on an organizer-owned field only, each one of the field's enum when it has one."""
    values = raw.get("sheetsync_writes")
    if values is None:
        return ()
    should = "a list of the values sheetsync may write, e.g. [withdrawn]"
    _shape(values, list, f"{where}: sheetsync_writes", should)
    if not values or not all(isinstance(v, str) and v.strip() for v in values):
        raise SchemaError(
            f"{where}: sheetsync_writes must be {should}, each a non-empty text (quote "
            f"values YAML would read as something else, e.g. 'yes'), not {values!r}."
        )
    if owner is not Owner.ORGANIZER:
        why = (
            "sheetsync rewrites every cell of its own columns anyway"
            if owner is Owner.SHEETSYNC
            else "sheetsync never writes a form's answers"
        )
        raise SchemaError(
            f"{where}: sheetsync_writes is only for a field with owner: organizer ({why}). "
            "Remove the key, or set owner: organizer."
        )
    allowed = [str(v) for v in enum] if enum is not None else None
    unknown = [v for v in values if allowed is not None and v not in allowed]
    if unknown:
        raise SchemaError(
            f"{where}: sheetsync_writes names {unknown[0]!r}, which is not in the field's "
            f"enum ({', '.join(allowed or [])}). Add it to constraints.enum or remove it."
        )
    return tuple(values)


def _shape(value: Any, kind: type | tuple[type, ...], what: str, should: str) -> None:
    """A value given in the file must have the shape sheetsync reads (absent is fine)."""
    if value is not None and (not isinstance(value, kind) or isinstance(value, bool)):
        raise SchemaError(f"{what} must be {should}, not {value!r}.")


def _field_type(raw: dict[str, Any], where: str) -> FieldType:
    """The field's type; a string when not given, as in Table Schema."""
    try:
        return FieldType(raw.get("type", "string"))
    except ValueError as err:
        known = ", ".join(t.value for t in FieldType)
        raise SchemaError(f"{where}: type {raw.get('type')!r} is not one of {known}.") from err


def _owner(raw: dict[str, Any], kind: str, where: str) -> Owner:
    """Who writes the column: by default the form for a form's fields, else sheetsync."""
    default_owner = Owner.FORM if kind == "form" else Owner.SHEETSYNC
    try:
        return Owner(raw.get("owner", default_owner))
    except ValueError as err:
        raise SchemaError(f"{where}: owner must be form, sheetsync or organizer.") from err


def _unknown(raw: dict[str, Any], known: set[str], where: str) -> None:
    extra = set(raw) - known
    if extra:
        raise SchemaError(
            f"{where}: unknown keys {sorted(extra)}; known: {sorted(known)}. See docs/schemas.md."
        )


@cache
def load_schemas(folder: Path | None = None) -> dict[str, TableSchema]:
    """Every schema in the folder (default: the shipped schemas/), by name."""
    folder = folder or data_dir("schemas")
    schemas = {}
    # YAML or JSON (JSON is YAML too, so one loader reads both).
    paths = sorted([*folder.glob("*.yaml"), *folder.glob("*.yml"), *folder.glob("*.json")])
    for path in paths:
        schema = load_schema(path)
        schemas[schema.name] = schema
    return schemas
