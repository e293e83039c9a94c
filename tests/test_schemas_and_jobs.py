"""Meta-tests: every shipped schema and job file loads; bad files are explained."""

from __future__ import annotations

from pathlib import Path

import pytest

from sheetsync.errors import JobError, SchemaError
from sheetsync.jobs import list_jobs, load_job
from sheetsync.schema import FieldType, Owner, data_dir, load_schema, load_schemas
from sheetsync.steps import STEPS, get_step

ROOT = Path(__file__).resolve().parents[1]


def test_every_schema_file_loads():
    schemas = load_schemas()
    files = sorted((ROOT / "schemas").glob("*.yaml"))
    assert len(schemas) == len(files) == 17
    assert {s.kind for s in schemas.values()} == {"form", "tab"}


def test_every_sheetsync_tab_has_a_primary_key_owned_by_sheetsync():
    for schema in load_schemas().values():
        # Changes is rewritten whole on each run: its rows are records, found by run_id.
        if schema.kind == "tab" and schema.name != "changes":
            assert schema.primary_key is not None
            assert schema.field(schema.primary_key).owner is Owner.SHEETSYNC


def test_checkbox_questions_are_lists_split_on_comma_space():
    requests = load_schemas()["requests"]
    assert requests.field("categories").type is FieldType.LIST
    assert requests.field("categories").delimiter == ", "


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("name: x\nfields: []\n", "has no fields"),
        ("fields:\n  - {name: a, type: blob}\n", "type 'blob' is not one of"),
        ("fields:\n  - {name: a, colour: red}\n", "unknown keys ['colour']"),
        ("fields:\n  - {name: a}\nprimaryKey: b\n", "primaryKey 'b' is not one of its fields"),
        ("fields:\n  - {name: a, owner: mayor}\n", "owner must be form, sheetsync or organizer"),
        ("fields:\n  - {name: a, enumFrom: network.cities}\n", "enumFrom 'network.cities' is not"),
        ("- just a list\n", "must be a mapping"),
        ("fields: {a: 1}\n", "fields must be a list of fields"),
        ("fields:\n  - {name: a, constraints: []}\n", "constraints must be a mapping"),
        ("fields:\n  - {name: a, constraints: {enum: 3}}\n", "enum must be a list"),
        ("fields:\n  - {name: a, constraints: {maxLength: long}}\n", "maxLength must be a number"),
        ("fields:\n  - {name: a}\nrequiredOneOf: 3\n", "requiredOneOf must be a list of lists"),
        ("fields:\n  - {name: a}\nrequiredOneOf: [[a], 3]\n", "requiredOneOf must be a list"),
    ],
)
def test_bad_schema_files_are_explained(tmp_path, text, message):
    path = tmp_path / "bad.yaml"
    path.write_text(text)
    with pytest.raises(SchemaError) as err:
        load_schema(path)
    assert message in str(err.value)


def test_every_job_file_loads_and_names_known_steps():
    jobs = list_jobs(data_dir("jobs"))
    assert [j.name for j in jobs] == ["intake", "weekly"]
    for job in jobs:
        for step in job.steps:
            assert callable(get_step(step))
    assert set(STEPS) >= {"intake", "summary"}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('schedule = "0 7 * * 1"\nsteps = ["intake", "magic"]\n', "unknown step 'magic'"),
        ('schedule = "weekly"\nsteps = ["summary"]\n', "is not a crontab expression"),
        (
            'schedule = "0 7 * * 1"\nsteps = ["intake", "summary"]\n',
            'a job that runs "intake" must run "dedupe" after it',
        ),
        ('schedule = "0 7 * * 1"\n', 'needs steps = ["intake", ...]'),
        ('schedule = "0 7 * * 1"\nsteps = ["intake"]\nretries = 3\n', "unknown keys"),
    ],
)
def test_bad_job_files_are_explained(tmp_path, text, message):
    path = tmp_path / "bad.toml"
    path.write_text(text)
    with pytest.raises(JobError) as err:
        load_job(path)
    assert message in str(err.value)
