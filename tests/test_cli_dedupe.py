"""`sheetsync dedupe INPUT --out OUTPUT`: any contact list, CSV or XLSX."""

from __future__ import annotations

import csv
import re
import zipfile

import openpyxl
import pytest
from click.testing import CliRunner

from sheetsync.cli import cli


@pytest.fixture
def runner():
    return CliRunner()


def run(runner, tmp_path, *args):
    return runner.invoke(cli, ["--config", str(tmp_path / "none.toml"), "dedupe", *args])


def read_csv(path):
    with path.open(encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f))


def test_csv_with_spanish_headers(runner, tmp_path):
    source = tmp_path / "contactos.csv"
    source.write_text(
        "Nombre completo,Teléfono (WhatsApp),Correo electrónico,Barrio,Notas\n"
        "Robert Smith,(212) 555-0142,rob.smith@gmail.com,East,first\n"
        "Bob Smith,+1 212 555 0142,robsmith@gmail.com,East,second\n"
        "Ana Ruiz,718-555-0100,ana@example.org,West,\n"
        "Luis Ruiz,718 555 0100,,West,\n"
        "Guadalupe Soto,917-555-0123,lupe@example.org,North,\n",
        encoding="utf-8",
    )
    out = tmp_path / "out.csv"
    result = run(runner, tmp_path, str(source), "--out", str(out))
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        "Columns compared: name = 'Nombre completo', phone = 'Teléfono (WhatsApp)', "
        "email = 'Correo electrónico', zone = 'Barrio'.",
        "5 rows, 4 people: 1 rows repeat an earlier one, 0 pairs to check by hand "
        "(match_reason starts 'maybe'), 1 households kept apart.",
        f"Wrote {out}.",
    ]
    rows = read_csv(out)
    assert [r["Notas"] for r in rows] == ["first", "second", "", "", ""]  # input kept
    assert list(rows[0])[-4:] == ["cluster_id", "duplicate_of", "match_score", "match_reason"]
    assert [(r["cluster_id"], r["duplicate_of"]) for r in rows] == [
        ("C0001", ""),
        ("C0001", "2"),
        ("C0002", ""),
        ("C0003", ""),
        ("C0004", ""),
    ]
    assert rows[1]["match_score"] == "1.00"
    assert rows[1]["match_reason"].startswith("same person as row 2: names 'Robert Smith'")
    assert rows[2]["match_reason"] == "a different person in one household with row 5"
    assert rows[4]["match_reason"] == ""


def test_xlsx_with_first_and_last_name_and_a_mapped_column(runner, tmp_path):
    source = tmp_path / "list.xlsx"
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Volunteers 2026"
    sheet.append(["Surname", "First Name", "Cel.", "Email Address", "Postal Code"])
    sheet.append(["García", "José", "2125550177", "jose@example.org", "10001"])
    sheet.append(["Garcia", "Pepe", "212-555-0177", "jose@example.org", "10001"])
    sheet.append(["Nguyen", "Mai", "3475550188", "", "11201"])
    book.save(source)
    out = tmp_path / "out.csv"
    result = run(runner, tmp_path, str(source), "--out", str(out), "--column", "phone=Cel.")
    assert result.exit_code == 0, result.output
    assert "given_name = 'First Name'" in result.stdout
    assert "family_name = 'Surname'" in result.stdout
    assert "phone = 'Cel.'" in result.stdout
    rows = read_csv(out)
    assert [r["duplicate_of"] for r in rows] == ["", "2", ""]
    assert "first names: nickname" in rows[1]["match_reason"]


def test_uncertain_pairs_are_marked_maybe(runner, tmp_path):
    source = tmp_path / "in.csv"
    source.write_text(
        "name,phone,email\n"
        "Robert Smith,212 555 0142,rob@example.org\n"
        "Bob Smith,2125550142,bob@other.org\n",
        encoding="utf-8",
    )
    out = tmp_path / "out.csv"
    assert run(runner, tmp_path, str(source), "--out", str(out)).exit_code == 0
    rows = read_csv(out)
    assert [r["duplicate_of"] for r in rows] == ["", ""]
    assert rows[1]["match_reason"].startswith("maybe the same person as row 2 (check): ")
    assert rows[0]["match_reason"].startswith("maybe the same person as row 3 (check): ")


def test_rerun_on_its_own_output_replaces_the_result_columns(runner, tmp_path):
    source = tmp_path / "in.csv"
    source.write_text("name,phone\nAna Ruiz,718 555 0100\nAna Ruiz,7185550100\n", "utf-8")
    first, second = tmp_path / "a.csv", tmp_path / "b.csv"
    assert run(runner, tmp_path, str(source), "--out", str(first)).exit_code == 0
    result = run(runner, tmp_path, str(first), "--out", str(second))
    assert result.exit_code == 0
    assert "replaced with new results" in result.stderr
    assert read_csv(first) == read_csv(second)


@pytest.mark.parametrize(
    ("content", "args", "message"),
    [
        (
            "Phone,Email\n1,a@b.org\n",
            [],
            "No name column found",
        ),
        (
            "name,Cell\nAna,1\n",
            ["--column", "phone=Celular"],
            "--column phone=Celular: no column is titled 'Celular'. Did you mean 'Cell'?",
        ),
        (
            "name,Cell\nAna,1\n",
            ["--column", "mobile=Cell"],
            "'mobile' is not a field sheetsync compares",
        ),
    ],
)
def test_clear_errors(runner, tmp_path, content, args, message):
    source = tmp_path / "in.csv"
    source.write_text(content, "utf-8")
    result = run(runner, tmp_path, str(source), "--out", str(tmp_path / "o.csv"), *args)
    assert result.exit_code == 1
    assert message in result.stderr
    assert not (tmp_path / "o.csv").exists()


def test_refuses_to_overwrite_the_input_and_missing_files(runner, tmp_path):
    source = tmp_path / "in.csv"
    source.write_text("name\nAna\n", "utf-8")
    result = run(runner, tmp_path, str(source), "--out", str(source))
    assert result.exit_code == 2
    assert "the input is never changed" in result.stderr
    assert source.read_text("utf-8") == "name\nAna\n"
    result = run(runner, tmp_path, str(tmp_path / "nope.csv"), "--out", str(tmp_path / "o.csv"))
    assert result.exit_code == 1
    assert "nope.csv does not exist" in result.stderr


def test_a_one_column_csv_and_generic_headers(runner, tmp_path):
    source = tmp_path / "in.csv"
    source.write_text("name\nAna Ruiz\nLuis Ruiz\n", "utf-8")
    out = tmp_path / "o.csv"
    assert run(runner, tmp_path, str(source), "--out", str(out)).exit_code == 0
    assert [r["name"] for r in read_csv(out)] == ["Ana Ruiz", "Luis Ruiz"]
    # "Last contacted" is not a last name; semicolons as Excel writes them in Europe.
    source.write_text("Name;Phone;Last contacted\nAna Ruiz;718 555 0100;2026-01-02\n", "utf-8")
    result = run(runner, tmp_path, str(source), "--out", str(out))
    assert result.exit_code == 0, result.output
    assert "Columns compared: name = 'Name', phone = 'Phone'." in result.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--region", "XX"], "'XX' is not a country code: use two letters, such as US"),
        (["--out", "o.xls"], "sheetsync writes .csv or .xlsx files; name the output e.g. o.csv"),
    ],
)
def test_bad_region_and_output_type(runner, tmp_path, args, message):
    source = tmp_path / "in.csv"
    source.write_text("name\nAna\n", "utf-8")
    if args[0] != "--out":
        args = [*args, "--out", str(tmp_path / "o.csv")]
    else:
        args = ["--out", str(tmp_path / args[1])]
    result = run(runner, tmp_path, str(source), *args)
    assert result.exit_code in (1, 2)
    assert message in result.stderr


FORMULA_LIKE = ["=cmd|' /C calc'!A0", "+1", "-2+3", "@SUM(A1)", "\t=1", "\r=1"]


def formula_like_list(path):
    """A contact list whose names a spreadsheet would run as formulas (CSV injection)."""
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["Name", "Phone", "=Notes"])
        for number, name in enumerate(FORMULA_LIKE):
            writer.writerow([name, f"212-555-01{number:02d}", "-5"])
        writer.writerow(["Ann 'Quote' Lee", "+1 212 555 0199", "plain"])


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_exports_are_inert_and_private(runner, tmp_path, suffix):
    """Every text cell that starts with = + - @, a tab or a carriage return gets a leading
    ' (OWASP), the header too; an .xlsx holds string cells only, no formula."""
    source, out = tmp_path / "list.csv", tmp_path / f"out{suffix}"
    formula_like_list(source)
    result = run(runner, tmp_path, str(source), "--out", str(out))
    assert result.exit_code == 0, result.output
    assert out.stat().st_mode & 0o777 == 0o600
    if suffix == ".csv":
        with out.open(encoding="utf-8-sig", newline="") as f:
            header, *rows = list(csv.reader(f))
    else:
        book = openpyxl.load_workbook(out)
        cells = [c for row in book.active.iter_rows() for c in row if c.value is not None]
        assert {c.data_type for c in cells} == {"s"}  # no "f": nothing to evaluate
        with zipfile.ZipFile(out) as archive:
            sheets = [n for n in archive.namelist() if n.startswith("xl/worksheets/")]
            assert not any(re.search(r"<f[\s>/]", archive.read(n).decode()) for n in sheets)
        header, *rows = [[c.value or "" for c in row] for row in book.active.iter_rows()]
    assert header[:3] == ["Name", "Phone", "'=Notes"]
    names = [r[0].replace("\n", "\r") for r in rows]  # XML reads a stored \r back as \n
    assert names == [f"'{name}" for name in FORMULA_LIKE] + ["Ann 'Quote' Lee"]
    assert [r[1] for r in rows][-1] == "'+1 212 555 0199"  # text, so neutralised too
    assert {r[2] for r in rows} == {"'-5", "plain"}
