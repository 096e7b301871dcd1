"""Amounts and dates as exports print them, day/month order detection, and column mapping."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from callroom.importers import (
    AmountError, DateError, detect_date_order, detect_decimal_mark, parse_amount, parse_date, parse_file,
)

# ---------------------------------------------------------------- amounts: examples


@pytest.mark.parametrize("text,mark,value", [
    ("2,450.00", ".", "2450.00"),
    ("$3,025.50", ".", "3025.50"),
    ("-300.00", ".", "-300.00"),
    ("(1,200.00)", ".", "-1200.00"),
    ("$(75.00)", ".", "-75.00"),
    ("-$500.00", ".", "-500.00"),
    ("500.00-", ".", "-500.00"),
    ("1,200.00 CR", ".", "-1200.00"),
    ("₹1,39,240.00", ".", "139240.00"),
    ("12,50,000.00", ".", "1250000.00"),
    ("1.234,56 €", ",", "1234.56"),
    ("1 234,56", ",", "1234.56"),
    ("1\u202f234,56", ",", "1234.56"),
    ("1'234.50", ".", "1234.50"),
    ("USD 1,200.00", ".", "1200.00"),
    ("NZ$1,104.00", ".", "1104.00"),
    ("48000", ".", "48000"),
    ("\u2212 42.10", ".", "-42.10"),
    ("-", ".", "0"),
])
def test_amount_examples(text, mark, value):
    assert parse_amount(text, mark) == Decimal(value)


@pytest.mark.parametrize("text", ["12,34.5x", "12,34.50", "1,2345.00", "1.2.3", "abc", "", "$", "1,00,0.00", "--5x"])
def test_amounts_refused(text):
    with pytest.raises(AmountError):
        parse_amount(text, ".")


def test_decimal_mark_detection():
    assert detect_decimal_mark(["1,234.50", "12", "1,000"]) == "."
    assert detect_decimal_mark(["1.234,50", "12", "7,5"]) == ","
    assert detect_decimal_mark(["1,234", "48000"]) == "."  # nothing says otherwise


# ---------------------------------------------------------------- amounts: property


def _group(digits: str, sep: str, indian: bool) -> str:
    if not sep or len(digits) <= 3:
        return digits
    head, tail = digits[:-3], digits[-3:]
    size = 2 if indian else 3
    groups = []
    while head:
        groups.insert(0, head[-size:])
        head = head[:-size]
    return sep.join(groups + [tail])


STYLES = st.fixed_dictionaries({
    "mark": st.sampled_from([".", ","]),
    "thousands": st.sampled_from(["", ",", ".", " ", "'", "\u00a0", "indian"]),
    "symbol": st.sampled_from(["", "$", "€", "£", "₹", "¥", "NZ$", "USD ", "EUR "]),
    "symbol_after": st.booleans(),
    "negative": st.sampled_from(["-", "()", "trailing", "-symbol", "CR"]),
    "places": st.sampled_from([0, 1, 2, 3]),
})


def _format(value: Decimal, style) -> str:
    places = style["places"]
    q = value.quantize(Decimal(1).scaleb(-places)) if places else value.quantize(Decimal(1))
    negative = q < 0
    text = f"{abs(q):f}"
    whole, _, frac = text.partition(".")
    th = style["thousands"]
    indian = th == "indian"
    sep = "," if indian else th
    if sep == style["mark"] or (indian and style["mark"] == ","):
        sep, indian = "", False
    body = _group(whole, sep, indian) + (style["mark"] + frac if frac else "")
    sym = style["symbol"]
    if sym:
        body = (body + " " + sym.strip()) if style["symbol_after"] else sym + body
    if negative:
        kind = style["negative"]
        if kind == "-":
            body = "-" + body
        elif kind == "()":
            body = f"({body})"
        elif kind == "trailing":
            body = body + "-"
        elif kind == "CR":
            body = body + " CR"
        else:
            body = (sym + "-" + body[len(sym):]) if sym and not style["symbol_after"] else "-" + body
    return body


@settings(max_examples=400, deadline=None)
@given(st.decimals(min_value=Decimal("-99999999999"), max_value=Decimal("99999999999"), places=3,
                   allow_nan=False, allow_infinity=False), STYLES)
def test_parsing_a_formatted_amount_gives_it_back(value, style):
    places = style["places"]
    expected = value.quantize(Decimal(1).scaleb(-places)) if places else value.quantize(Decimal(1))
    text = _format(value, style)
    assert parse_amount(text, style["mark"]) == expected, text


@settings(max_examples=200, deadline=None)
@given(st.lists(st.decimals(min_value=Decimal("-9999999"), max_value=Decimal("9999999"), places=2,
                            allow_nan=False, allow_infinity=False), min_size=1, max_size=8), STYLES)
def test_the_decimal_mark_of_a_column_of_two_place_amounts_is_detected(values, style):
    style = {**style, "places": 2}
    texts = [_format(v, style) for v in values]
    mark = detect_decimal_mark(texts)
    assert mark == style["mark"], texts
    assert [parse_amount(t, mark) for t in texts] == [v.quantize(Decimal("0.01")) for v in values]


# ---------------------------------------------------------------- dates


@pytest.mark.parametrize("text,order,expected", [
    ("2026-01-14", None, date(2026, 1, 14)),
    ("2026-02-01 17:04:11", None, date(2026, 2, 1)),
    ("2026-02-01T23:59:59Z", None, date(2026, 2, 1)),
    ("14 Jan 2026", None, date(2026, 1, 14)),
    ("Jan 14, 2026", None, date(2026, 1, 14)),
    ("14-Jan-26", None, date(2026, 1, 14)),
    ("Tuesday, March 31, 2026 04:12 PM GMT-05:00", None, date(2026, 3, 31)),
    ("15/12/2025", None, date(2025, 12, 15)),
    ("12/18/2025", None, date(2025, 12, 18)),
    ("03/04/2026", "dmy", date(2026, 4, 3)),
    ("03/04/2026", "mdy", date(2026, 3, 4)),
    ("03.04.26", "dmy", date(2026, 4, 3)),
    ("26/04/03", "ymd", date(2026, 4, 3)),
])
def test_date_examples(text, order, expected):
    assert parse_date(text, order) == expected


@pytest.mark.parametrize("text,order,kind", [
    ("31/02/2026", "dmy", "impossible"),
    ("02/31/2026", "mdy", "impossible"),
    ("2026-13-01", None, "impossible"),
    ("03/04/2026", None, "ambiguous"),
    ("someday", None, "unreadable"),
    ("32 Jan 2026", None, "impossible"),
])
def test_dates_refused(text, order, kind):
    with pytest.raises(DateError) as info:
        parse_date(text, order)
    assert info.value.kind == kind


def test_date_order_comes_from_all_values():
    assert detect_date_order(["01/02/2026", "03/04/2026", "25/04/2026"]) == ("dmy", None)
    assert detect_date_order(["01/02/2026", "04/25/2026"]) == ("mdy", None)
    assert detect_date_order(["01/02/2026", "05/05/2026"]) == (None, "01/02/2026")
    assert detect_date_order(["2026-01-02", "05/05/2026"]) == (None, None)
    # Disagreeing values: the majority wins (the odd one is then reported as impossible).
    assert detect_date_order(["13/01/2026", "14/01/2026", "01/13/2026"]) == ("dmy", None)


DATE_STYLES = st.sampled_from(["iso", "iso-time", "iso-z", "dmy/", "mdy/", "dmy.", "d Mon yyyy", "Mon d, yyyy",
                               "d-Mon-yy", "Month d, yyyy"])
MONTH_ABBR = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
MONTH_FULL = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
              "November", "December"]


def _fmt_date(d: date, style: str) -> tuple[str, str | None]:
    return {
        "iso": (d.isoformat(), None),
        "iso-time": (f"{d.isoformat()} 08:15:00", None),
        "iso-z": (f"{d.isoformat()}T23:59:59Z", None),
        "dmy/": (f"{d.day:02d}/{d.month:02d}/{d.year}", "dmy"),
        "mdy/": (f"{d.month:02d}/{d.day:02d}/{d.year}", "mdy"),
        "dmy.": (f"{d.day}.{d.month}.{d.year}", "dmy"),
        "d Mon yyyy": (f"{d.day} {MONTH_ABBR[d.month - 1]} {d.year}", None),
        "Mon d, yyyy": (f"{MONTH_ABBR[d.month - 1]} {d.day}, {d.year}", None),
        "d-Mon-yy": (f"{d.day:02d}-{MONTH_ABBR[d.month - 1]}-{d.year % 100:02d}", None),
        "Month d, yyyy": (f"{MONTH_FULL[d.month - 1]} {d.day}, {d.year}", None),
    }[style]


@settings(max_examples=400, deadline=None)
@given(st.dates(min_value=date(1970, 1, 1), max_value=date(2069, 12, 31)), DATE_STYLES)
def test_parsing_a_formatted_date_gives_it_back(d, style):
    text, order = _fmt_date(d, style)
    assert parse_date(text, order) == d


@settings(max_examples=200, deadline=None)
@given(st.lists(st.dates(min_value=date(2000, 1, 1), max_value=date(2060, 12, 31)), min_size=1, max_size=10),
       st.sampled_from(["dmy/", "mdy/"]))
def test_order_detection_never_misreads_a_file(dates, style):
    texts = [_fmt_date(d, style)[0] for d in dates]
    order, example = detect_date_order(texts)
    if any(d.day > 12 for d in dates):
        assert order == style[:3]
        assert [parse_date(t, order) for t in texts] == dates
    elif any(d.day != d.month for d in dates):
        assert order is None and example in texts
    else:
        assert (order, example) == (None, None)


# ---------------------------------------------------------------- whole files


def test_file_date_order_detected_from_a_late_row(tmp_path):
    rows = "".join(f"C{i},{i + 1000},{(i % 12) + 1:02d}/{(i % 12) + 1:02d}/2026,0{(i % 9) + 1}/0{(i % 9) + 1}/2026,1.00\n"
                   for i in range(1, 500))
    p = tmp_path / "late.csv"
    p.write_text("Customer,Invoice,Date,Due Date,Balance\nAcme,1,03/04/2026,04/05/2026,5\n" + rows
                 + "Zed,999,01/02/2026,28/02/2026,9\n")
    pf = parse_file(p)
    assert pf.date_order == "dmy"
    assert pf.invoices[0].issued == date(2026, 4, 3)


def test_mapping_names_columns_the_synonyms_do_not_know(tmp_path):
    p = tmp_path / "custom.csv"
    p.write_text("Report for March\n\nPatron,Doc ID,Raised,Pay By,Amt Left,Notes\n"
                 "Acme Ltd,0007,2026-03-01,2026-03-31,\"1,250.10\",x\nBeta,0008,2026-03-02,2026-04-01,10,y\n")
    with pytest.raises(Exception):
        parse_file(p)  # no recognisable header without the mapping
    pf = parse_file(p, mapping={"client": "Patron", "invoice": "Doc ID", "issued": "Raised", "due": "Pay By",
                                "balance": "Amt Left"})
    assert pf.header_line == 3
    first = pf.invoices[0]
    assert (first.client, first.invoice, first.issued, first.due, first.balance, first.line) == (
        "Acme Ltd", "0007", date(2026, 3, 1), date(2026, 3, 31), Decimal("1250.10"), 4)


def test_mapping_overrides_a_synonym(tmp_path):
    p = tmp_path / "two.csv"
    p.write_text("Customer,Invoice,Balance,Amt Left\nAcme,1,100.00,40.00\n")
    assert parse_file(p).invoices[0].balance == Decimal("100.00")
    assert parse_file(p, mapping={"balance": "Amt Left"}).invoices[0].balance == Decimal("40.00")
    assert parse_file(p, mapping={"balance": "amt left"}).invoices[0].balance == Decimal("40.00")


def test_semicolons_and_decimal_commas(tmp_path):
    p = tmp_path / "eu.csv"
    p.write_text("Customer;Invoice No;Invoice Date;Due Date;Total;Balance;Currency\n"
                 "Müller GmbH;R-1;15.01.2026;14.02.2026;1.234,50;1.234,50;EUR\n"
                 "Schmidt & Co;R-2;03.02.2026;05.03.2026;500,00;250,00;eur\n", encoding="utf-8")
    pf = parse_file(p)
    assert (pf.delimiter, pf.decimal_mark, pf.date_order) == (";", ",", "dmy")
    assert [(i.balance, i.currency) for i in pf.invoices] == [(Decimal("1234.50"), "EUR"), (Decimal("250.00"), "EUR")]


def test_currency_stated_in_a_title_line_or_a_heading(tmp_path):
    p = tmp_path / "t.csv"
    p.write_text("Open invoices\nAmounts in NZD\n\nCustomer,Invoice,Balance\nAcme,1,10.00\n")
    assert parse_file(p).invoices[0].currency == "NZD"
    p.write_text("Customer,Invoice,Balance (GBP)\nAcme,1,10.00\n")
    assert parse_file(p).invoices[0].currency == "GBP"
    p.write_text("Customer,Invoice,Balance\nAcme,1,$10.00\n")
    assert parse_file(p).invoices[0].currency is None  # a symbol only implies a currency


def test_utf16_tab_separated(tmp_path):
    p = tmp_path / "u.txt"
    p.write_bytes("Customer\tInvoice #\tDue Date\tBalance\nAcme Café\t001\t2026-02-04\t1,200.00\n".encode("utf-16"))
    pf = parse_file(p)
    assert (pf.invoices[0].client, pf.invoices[0].balance) == ("Acme Café", Decimal("1200.00"))


def test_per_client_summary_keeps_a_client_called_total(tmp_path):
    p = tmp_path / "s.csv"
    p.write_text("A/R Aging Summary\n\n,Current,1 - 30,31 - 60,Total\nTotal Fitness Studio,100.00,,,100.00\n"
                 "\"Kowalski, Anna\",,440.00,,440.00\nTOTAL,100.00,440.00,0.00,540.00\n")
    pf = parse_file(p)
    assert [(i.client, i.balance) for i in pf.invoices] == [("Total Fitness Studio", Decimal("100.00")),
                                                            ("Kowalski, Anna", Decimal("440.00"))]


def test_other_exports_by_their_headings(tmp_path):
    qbo_sales = tmp_path / "a.csv"
    qbo_sales.write_text("Co\nInvoices\n\nDate,Type,No.,Customer,Due date,Balance,Total,Status\n"
                         "03/02/2026,Invoice,1073,Harborview Bistro,04/01/2026,\"3,180.00\",\"3,180.00\",Due in 1 day\n"
                         "12/01/2025,Invoice,1030,Northgate,12/31/2025,0.00,500.00,Paid\n"
                         "03/20/2026,Payment,,Cedar Ridge,,0.00,-300.00,Closed\n")
    pf = parse_file(qbo_sales)
    assert [(i.invoice, i.balance) for i in pf.invoices] == [("1073", Decimal("3180.00"))]
    assert sorted(s.kind for s in pf.skipped) == ["paid", "payment"]

    harvest = tmp_path / "b.csv"
    harvest.write_text("Issue Date,ID,Client,Due Date,Invoice Amount,Paid Amount,Balance,Currency\n"
                       "2026-03-01,0107,Acme Studio,2026-03-31,4000.00,0.00,4000.00,United States Dollar - USD\n"
                       "2026-03-02,0108,Acme Studio,2026-04-01,10.00,0.00,10.00,Euro\n")
    assert [(i.invoice, i.currency) for i in parse_file(harvest).invoices] == [("0107", "USD"), ("0108", "EUR")]

    excel = tmp_path / "c.csv"
    excel.write_bytes(b'Customer,Invoice #,Date,Balance\rAcme,="0041",2026-01-05,10.00\rBeta,="0042",2026-01-06,"1,000.00"\r')
    pf = parse_file(excel)
    assert [(i.invoice, i.line) for i in pf.invoices] == [("0041", 2), ("0042", 3)]

    qbd = tmp_path / "d.csv"
    qbd.write_text(",,Type,Date,Num,Name,Due Date,Aging,Open Balance\nCurrent,,,,,,,,\n"
                   ",,Invoice,03/15/2026,2250,Café Lumière:Patio renovation,04/14/2026,,\"1,000.00\"\n"
                   "Total Current,,,,,,,,\"1,000.00\"\nTOTAL,,,,,,,,\"1,000.00\"\n")
    assert [i.client for i in parse_file(qbd).invoices] == ["Café Lumière"]


@pytest.mark.parametrize("phone, email", [
    ("Telefon", "E-Mail"), ("Téléphone", "Courriel"), ("Teléfono", "Correo"), ("Telefoon", "E-mailadres"),
    ("Telefonnummer", "Correo electrónico"), ("Numéro de téléphone", "Adresse e-mail"),
])
def test_phone_and_email_headed_in_other_languages_are_read(tmp_path, phone, email):
    p = tmp_path / "eu.csv"
    p.write_text(f"Kunde;Rechnungsnr;Fällig;Offen;{phone};{email}\n"
                 "Müller GmbH;R-1;31.03.2026;1.234,56;+49 30 1234567;buchhaltung@mueller.example\n", encoding="utf-8")
    (inv,) = parse_file(p).invoices
    assert (inv.phone, inv.email) == ("+49 30 1234567", "buchhaltung@mueller.example")
