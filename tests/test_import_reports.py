"""Report exports read as documents: title blocks, sections, layout rows, footers; Excel
workbooks; European number and date formats. One fixture per layout feature (the files
under fixtures/reports/ and the workbooks made by workbooks.py)."""

from __future__ import annotations

import json
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import workbooks
from callroom.importers import ImportFileError, parse_amount, parse_date, parse_file, to_expected_json
from callroom.importers.amounts import decimal_mark_of
from callroom.importers.dates import detect_date_order
from callroom.importers.errors import AmbiguousDecimalMark, AmbiguousSheet

REPORTS = Path(__file__).parent / "fixtures" / "reports"
EXPECTED = sorted(REPORTS.glob("*.expected.json"))


def _keyed(items):
    out = {}
    for d in items:
        d = dict(d)
        d["balance"] = None if d["balance"] is None else Decimal(d["balance"])
        out[(d["client"], d["invoice"], d["currency"])] = d
    return out


def _source(expected: Path) -> Path:
    return expected.with_name(expected.name.replace(".expected.json", ".csv"))


@pytest.mark.parametrize("expected_path", EXPECTED, ids=lambda p: p.name.replace(".expected.json", ""))
def test_report_imports_to_its_expected_list(expected_path):
    got = to_expected_json(parse_file(_source(expected_path)))
    expected = json.loads(expected_path.read_text(encoding="utf-8"))
    assert len(got) == len(expected)
    assert _keyed(got) == _keyed(expected)


def _rows(pf):
    """Every line the parser did not take as an invoice: (line, kind) from the layout and the skipped rows."""
    return sorted([(r.line, r.kind) for r in pf.layout] + [(s.line, s.kind) for s in pf.skipped])


def test_title_currency_and_organisation_over_contact_person():
    pf = parse_file(REPORTS / "title_currency_org_contact.csv")
    assert {i.currency for i in pf.invoices} == {"CAD"}
    birchwood = next(i for i in pf.invoices if i.client == "Birchwood Family Chiropractic")
    assert birchwood.contact == "Dana Whitfield"
    sophie = next(i for i in pf.invoices if i.client == "Sophie Tremblay")  # no organisation: the person is the client
    assert sophie.contact is None
    assert pf.as_of == date(2026, 3, 31)
    assert (3, "currency") in _rows(pf) and (4, "as-of") in _rows(pf)


def test_percentage_of_total_row_is_layout_not_bad_data():
    pf = parse_file(REPORTS / "percentage_of_total.csv")
    assert [(s.line, s.reason) for s in pf.skipped] == [(11, "total row"), (12, "percentage row")]
    assert pf.as_of == date(2026, 3, 31)


def test_per_currency_sections_each_with_its_currency_line():
    pf = parse_file(REPORTS / "currency_sections.csv")
    by_invoice = {i.invoice: i.currency for i in pf.invoices}
    assert by_invoice == {"10452": "GBP", "10418": "GBP", "10460": "EUR", "10471": "EUR", "10466": "USD"}
    kinds = _rows(pf)
    assert (11, "currency") in kinds and (12, "header") in kinds and (17, "currency") in kinds
    assert (22, "footer") in kinds  # 'Generated on …'
    assert pf.as_of == date(2026, 3, 31)


def test_per_client_sections_unlabelled_subtotal_and_footers():
    pf = parse_file(REPORTS / "client_sections_footer.csv")
    assert len(pf.invoices) == 5
    kinds = _rows(pf)
    assert (17, "total") in kinds  # ',,,,1,600.00,1,350.00': the sum of Delgado's rows
    assert (20, "footer") in kinds and (21, "footer") in kinds
    assert [r.kind for r in pf.layout if r.line in (7, 11, 14)] == ["heading"] * 3


def test_per_bucket_sections_with_company_and_contact():
    pf = parse_file(REPORTS / "bucket_sections_company_contact.csv")
    assert {i.client for i in pf.invoices} == {"Riverside Montessori School", "Quarry Hill Brewing Co.",
                                             "Evergreen Veterinary Clinic"}
    assert {i.contact for i in pf.invoices} == {"Priya Nair", "Tom Akers", "Dr. Alan Reyes"}
    assert [line for line, kind in _rows(pf) if kind == "bucket"] == [7, 10, 14, 15]
    assert [line for line, kind in _rows(pf) if kind == "total"] == [9, 13, 17, 18]


def test_a_sum_row_is_a_total_only_when_it_adds_up(tmp_path):
    # The same shape as a total, but the amount is not the sum of the rows above: a broken row, refused.
    bad = tmp_path / "bad.csv"
    bad.write_text("Invoice,Customer,Due,Balance\nA-1,Acme,2026-03-01,100.00\nA-2,Bolt,2026-03-02,50.00\n"
                   ",,,120.00\n", encoding="utf-8")
    with pytest.raises(ImportFileError) as e:
        parse_file(bad)
    assert "line 4" in str(e.value) and "no customer name" in str(e.value)
    good = tmp_path / "good.csv"
    good.write_text(bad.read_text().replace("120.00", "150.00"), encoding="utf-8")
    assert [s.reason for s in parse_file(good).skipped] == ["total row (its amounts are the sum of the rows above)"]


def test_currency_from_an_amount_suffix_the_file_agrees_on():
    pf = parse_file(REPORTS / "suffix_currency.csv")
    assert {i.currency for i in pf.invoices} == {"CAD"}


def test_a_dollar_sign_alone_names_no_currency(tmp_path):
    f = tmp_path / "dollars.csv"
    f.write_text("Invoice,Customer,Balance\nA-1,Acme,$100.00\nA-2,Bolt,$50.00\n", encoding="utf-8")
    assert {i.currency for i in parse_file(f).invoices} == {None}


def test_a_footer_in_the_invoice_column_is_not_an_invoice(tmp_path):
    pf = parse_file(REPORTS / "client_sections_footer.csv")
    assert "Generated 04/01/2026 08:02 AM" not in {i.invoice for i in pf.invoices}
    assert all(i.balance is not None for i in pf.invoices)


# ---------------------------------------------------------------- European files


def test_european_semicolon_windows_1252():
    pf = parse_file(REPORTS / "european_semicolon_cp1252.csv")
    assert (pf.encoding, pf.delimiter, pf.decimal_mark, pf.date_order) == ("cp1252", ";", ",", "dmy")
    assert pf.as_of == date(2026, 3, 31)  # 'Stichtag: 31.03.2026'
    assert [i.contact for i in pf.invoices] == ["Inge Hofmann", "Erik Lindqvist", "Camille Roux"]
    assert [s.reason for s in pf.skipped] == ["total row"]  # 'Summe'


def test_decimal_comma_detected_from_the_whole_column():
    # '1.250,00' and '17,25' settle it for '2.100' on another line.
    pf = parse_file(REPORTS / "european_utf8.csv")
    assert pf.decimal_mark == ","
    assert {i.invoice: i.balance for i in pf.invoices}["F-1003"] == Decimal("2100")


def test_ambiguous_decimals_stop_and_ask():
    with pytest.raises(AmbiguousDecimalMark) as e:
        parse_file(REPORTS / "ambiguous_decimal.csv")
    msg = str(e.value)
    assert "line 2" in msg and 'column "Balance"' in msg and '"1.250"' in msg and "--decimal comma" in msg
    assert [i.balance for i in parse_file(REPORTS / "ambiguous_decimal.csv", decimal="comma").invoices] == [
        Decimal(1250), Decimal(3400), Decimal(2100)]
    assert [i.balance for i in parse_file(REPORTS / "ambiguous_decimal.csv", decimal="point").invoices] == [
        Decimal("1.250"), Decimal("3.400"), Decimal("2.100")]


def test_decimal_option_is_checked():
    with pytest.raises(ImportFileError, match="comma or point"):
        parse_file(REPORTS / "ambiguous_decimal.csv", decimal="semicolon")


# ---------------------------------------------------------------- workbooks


def test_xlsx_date_and_number_cells_merged_title_and_layout_rows(tmp_path):
    pf = parse_file(workbooks.aged_receivables(tmp_path / "aged.xlsx"))
    assert pf.sheet == "Aged Receivables" and pf.encoding == "xlsx"
    assert to_expected_json(pf) == [
        {"client": "Aroha Early Learning Centre", "invoice": "INV-0409", "issued": "2025-12-15", "due": "2026-01-20",
         "currency": "NZD", "balance": "1104", "email": None, "phone": None},
        {"client": "Aroha Early Learning Centre", "invoice": "INV-0424", "issued": "2026-03-05", "due": "2026-04-20",
         "currency": "NZD", "balance": "1322.5", "email": None, "phone": None},
        {"client": "Kauri Coast Tourism Ltd", "invoice": "412", "issued": "2026-01-12", "due": "2026-02-20",
         "currency": "NZD", "balance": "3162.5", "email": None, "phone": None},
        {"client": "Tūī Bakehouse", "invoice": "INV-0421", "issued": "2026-03-20", "due": "2026-04-19",
         "currency": "NZD", "balance": "690", "email": None, "phone": None},
    ]
    assert pf.as_of == date(2026, 3, 31)
    assert [(s.line, s.reason) for s in pf.skipped] == [(11, "total row"), (12, "percentage row")]
    assert (14, "footer") in _rows(pf)
    assert pf.where(11) == 'sheet "Aged Receivables" row 11'


def test_xlsx_numbers_are_taken_as_they_are_whatever_the_text_cells_say(tmp_path):
    # A European workbook: amounts typed as text with a decimal comma beside real number cells.
    rows = [["Hofmann GmbH", "RE-1", "12.01.2026", "11.02.2026", 0, "1.234,56"],
            ["Roux SA", "RE-2", "03.02.2026", "05.03.2026", 0, 980.5]]
    pf = parse_file(workbooks.aged_receivables(tmp_path / "eu.xlsx", rows=rows))
    assert pf.decimal_mark == ","
    assert [i.balance for i in pf.invoices] == [Decimal("1234.56"), Decimal("980.5")]


def test_xlsx_cell_merged_down_names_each_row(tmp_path):
    pf = parse_file(workbooks.client_groups_merged(tmp_path / "merged.xlsx"))
    assert [(i.client, i.invoice) for i in pf.invoices] == [
        ("Cedar Ridge Property Management", "1041"), ("Cedar Ridge Property Management", "1067"),
        ("Harborview Bistro", "1073")]


def test_xlsx_takes_the_sheet_that_holds_invoices(tmp_path):
    pf = parse_file(workbooks.aged_receivables(tmp_path / "two.xlsx", extra_sheets=[("Notes", workbooks.NOTES_SHEET)]))
    assert pf.sheet == "Aged Receivables" and len(pf.invoices) == 4


def test_xlsx_two_sheets_of_invoices_stop_and_ask(tmp_path):
    path = workbooks.aged_receivables(tmp_path / "two.xlsx", extra_sheets=[("Open", workbooks.INVOICE_SHEET)])
    with pytest.raises(AmbiguousSheet) as e:
        parse_file(path)
    assert e.value.sheets == ["Aged Receivables", "Open"]
    assert '--sheet "Aged Receivables"' in str(e.value) and "Nothing from this file was imported" in str(e.value)
    assert [i.invoice for i in parse_file(path, sheet="open").invoices] == ["1073", "1052"]
    assert len(parse_file(path, sheet="1").invoices) == 4
    with pytest.raises(ImportFileError, match='sheets are: "Aged Receivables", "Open"'):
        parse_file(path, sheet="Summary")


def test_xlsx_error_cell_in_a_needed_column_is_refused_naming_sheet_row_and_column(tmp_path):
    with pytest.raises(ImportFileError) as e:
        parse_file(workbooks.aged_receivables(tmp_path / "err.xlsx", error_at="F8"))
    msg = str(e.value)
    assert msg.startswith('err.xlsx, sheet "Aged Receivables" row 8, column "Total": "#REF!" is an error cell')
    assert e.value.sheet == "Aged Receivables" and e.value.line == 8 and e.value.column == "Total"


def test_xlsx_error_cell_in_a_column_not_used_is_no_reason_to_refuse(tmp_path):
    pf = parse_file(workbooks.aged_receivables(tmp_path / "err.xlsx", error_at="E8"))  # 'Overdue': not read
    assert len(pf.invoices) == 4


@pytest.mark.parametrize("cut", [0.5, 0.9])
def test_truncated_workbook_is_not_a_readable_workbook(tmp_path, cut):
    whole = workbooks.aged_receivables(tmp_path / "whole.xlsx").read_bytes()
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(whole[: int(len(whole) * cut)])
    with pytest.raises(ImportFileError) as e:
        parse_file(broken)
    assert "not a readable workbook" in str(e.value) and str(e.value).startswith("broken.xlsx")


def test_old_xls_is_named(tmp_path):
    f = tmp_path / "old.xls"
    f.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600)
    with pytest.raises(ImportFileError, match=r"old-style Excel workbook \(\.xls\)"):
        parse_file(f)


def test_sheet_option_on_a_csv_is_refused():
    with pytest.raises(ImportFileError, match="has no sheets"):
        parse_file(REPORTS / "suffix_currency.csv", sheet="Sheet1")


# ---------------------------------------------------------------- properties: both conventions

_AMOUNTS = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("9999999.99"), places=2,
                       allow_nan=False, allow_infinity=False)


def _us(v: Decimal) -> str:
    return f"{v:,.2f}"


def _eu(v: Decimal, sep: str = ".") -> str:
    return f"{v:,.2f}".replace(",", "\x00").replace(".", ",").replace("\x00", sep)


@settings(max_examples=300, deadline=None)
@given(_AMOUNTS, st.sampled_from([".", " ", "\u202f"]))
def test_amount_reads_back_in_both_conventions(v, eu_sep):
    assert parse_amount(_us(v), ".") == v
    assert parse_amount(_eu(v, eu_sep), ",") == v


@settings(max_examples=200, deadline=None)
@given(st.lists(_AMOUNTS, min_size=1, max_size=10), st.booleans())
def test_decimal_mark_of_a_column_is_never_guessed(values, european):
    texts = [_eu(v) if european else _us(v) for v in values]
    mark, example = decimal_mark_of(texts)
    # Written with two decimals, every amount shows its mark: always settled, and right.
    assert (mark, example) == ("," if european else ".", None)
    # Whole thousands ('1.234' or '1,234') alone read two ways: asked, never guessed.
    whole = [f"{int(v) % 1000 + 1000 * (1 + int(v) % 9):,}".replace(",", "." if european else ",") for v in values]
    assert decimal_mark_of(whole) == (None, whole[0])


_DATES = st.dates(min_value=date(1990, 1, 1), max_value=date(2150, 12, 31))


@settings(max_examples=300, deadline=None)
@given(_DATES)
def test_date_reads_back_in_both_conventions(d):
    assert parse_date(d.strftime("%d.%m.%Y"), "dmy") == d
    assert parse_date(d.strftime("%d/%m/%Y"), "dmy") == d
    assert parse_date(d.strftime("%m/%d/%Y"), "mdy") == d
    assert parse_date(d.isoformat(), None) == d
    assert parse_date(f"{d.day} {d.strftime('%b')} {d.year}", None) == d
    assert parse_date(f"{d.strftime('%B')} {d.day}, {d.year}", None) == d


@settings(max_examples=200, deadline=None)
@given(st.lists(_DATES, min_size=1, max_size=12))
def test_day_month_order_of_a_column_is_right_or_asked(ds):
    for fmt, order in (("%d/%m/%Y", "dmy"), ("%m/%d/%Y", "mdy")):
        texts = [d.strftime(fmt) for d in ds]
        found, example = detect_date_order(texts)
        if any(d.day > 12 for d in ds):
            assert found == order
        elif any(d.day != d.month for d in ds):
            assert found is None and example is not None
    # Dotted dates are day-first by convention: never asked, always right.
    assert detect_date_order([d.strftime("%d.%m.%Y") for d in ds])[0] in ("dmy", None)
    assert all(parse_date(d.strftime("%d.%m.%Y"), detect_date_order([d.strftime("%d.%m.%Y") for d in ds])[0]) == d
               for d in ds)


@settings(max_examples=25, deadline=None)
@given(st.lists(st.tuples(_AMOUNTS, _DATES), min_size=1, max_size=8), st.booleans())
def test_european_file_round_trip(tmp_path_factory, rows, cp1252):
    tmp = tmp_path_factory.mktemp("eu")
    lines = ["Kunde;Rechnungsnr.;Rechnungsdatum;Fälligkeit;Offen"]
    for i, (v, d) in enumerate(rows):
        due = d + timedelta(days=30) if d.year < 2150 else d
        lines.append(f"Café Nº{i};RE-{i:04d};{d:%d.%m.%Y};{due:%d.%m.%Y};{_eu(v)}")
    f = tmp / "offene_posten.csv"
    f.write_bytes("\r\n".join(lines).encode("cp1252" if cp1252 else "utf-8"))
    pf = parse_file(f)
    assert [(i.client, i.invoice, i.issued, i.balance) for i in pf.invoices] == [
        (f"Café Nº{i}", f"RE-{i:04d}", d, v) for i, (v, d) in enumerate(rows)]


def test_as_of_date_from_a_footer_or_the_generated_line(tmp_path):
    footer = tmp_path / "footer.csv"
    footer.write_text("Customer,Invoice,Due date,Balance\nAcme,A-1,15/03/2026,100.00\n\nAs of 31/03/2026\n",
                      encoding="utf-8")
    pf = parse_file(footer)
    assert (pf.as_of, pf.as_of_line) == (date(2026, 3, 31), 4)
    generated = tmp_path / "generated.csv"
    generated.write_text("Customer,Invoice,Due date,Balance\nAcme,A-1,15/03/2026,100.00\n"
                         "Report generated 02/04/2026 17:40\n", encoding="utf-8")
    assert parse_file(generated).as_of == date(2026, 4, 2)
    plain = tmp_path / "plain.csv"
    plain.write_text("Customer,Invoice,Due date,Balance\nAcme,A-1,15/03/2026,100.00\n", encoding="utf-8")
    assert parse_file(plain).as_of is None


def test_a_currency_line_under_all_the_rows_is_the_files_currency(tmp_path):
    path = workbooks.aged_receivables(tmp_path / "aged.xlsx")
    import openpyxl

    wb = openpyxl.load_workbook(path)
    ws = wb.active
    ws["A4"] = None  # no 'Currency: NZD' in the title
    ws["A16"] = "Currency: NZD"
    wb.save(path)
    pf = parse_file(path)
    assert {i.currency for i in pf.invoices} == {"NZD"}
    assert any(r.line == 16 and r.reason == "footer: currency NZD for the whole file" for r in pf.layout)
