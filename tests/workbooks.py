"""Excel workbooks for the import tests, written with openpyxl as accounting tools write them."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import openpyxl


def aged_receivables(path: Path, *, rows=None, title_merged=True, extra_sheets=(), error_at=None, sheet="Aged Receivables"):
    """A Xero-like aged receivables detail: a merged title block, real date and number cells,
    a client group row, totals and a 'Percentage of total' row."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = sheet
    ws["A1"] = "Aged Receivables Detail"
    ws["A2"] = "Kōwhai Creative Ltd"
    ws["A3"] = "As at 31 March 2026"
    ws["A4"] = "Currency: NZD"
    if title_merged:
        for r in range(1, 5):
            ws.merge_cells(start_row=r, start_column=1, end_row=r, end_column=6)
    ws.append([])
    ws.append(["Contact", "Invoice Number", "Invoice Date", "Due Date", "Overdue", "Total"])  # row 6
    body = rows if rows is not None else [
        ["Aroha Early Learning Centre", "INV-0409", date(2025, 12, 15), datetime(2026, 1, 20), 1104.0, 1104.0],
        ["Aroha Early Learning Centre", "INV-0424", date(2026, 3, 5), date(2026, 4, 20), 0, 1322.5],
        ["Kauri Coast Tourism Ltd", 412, date(2026, 1, 12), date(2026, 2, 20), 3162.5, 3162.5],
        ["Tūī Bakehouse", "INV-0421", "20/03/2026", "19/04/2026", 0, 690],
    ]
    for r in body:
        ws.append(r)
    n = len(body)
    ws.append(["Total", None, None, None, "=SUM(E7:E%d)" % (6 + n), 6278.999999999999])
    ws.append(["Percentage of total", None, None, None, 0.6788, 1.0])
    ws.append([])
    ws.append(["Generated 1 April 2026 09:12"])
    if error_at is not None:
        ws[error_at] = "#REF!"
    for name, content in extra_sheets:
        other = wb.create_sheet(name)
        for r in content:
            other.append(r)
    wb.save(path)
    return path


INVOICE_SHEET = [
    ["Customer", "Invoice", "Due date", "Balance"],
    ["Harborview Bistro", "1073", date(2026, 4, 1), 3180],
    ["Delgado Family Dental", "1052", date(2026, 1, 20), 1200.5],
]
NOTES_SHEET = [["Notes"], ["Call Delgado after the 15th"]]


def client_groups_merged(path: Path):
    """Client names in a cell merged down beside their invoices (no group rows)."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Open invoices"
    ws.append(["Customer", "Invoice", "Invoice date", "Amount due"])
    ws.append(["Cedar Ridge Property Management", "1041", date(2025, 12, 18), 2450])
    ws.append([None, "1067", date(2026, 2, 10), 875.5])
    ws.append(["Harborview Bistro", "1073", date(2026, 3, 2), 3180])
    ws.merge_cells("A2:A3")
    wb.save(path)
    return path


def big(path: Path, rows: int):
    """A plain invoice list of ``rows`` rows (write-only: quick to make)."""
    from datetime import timedelta

    wb = openpyxl.Workbook(write_only=True)
    ws = wb.create_sheet("Open Invoices")
    ws.append(["Open Invoices"])
    ws.append(["Currency: USD"])
    ws.append([])
    ws.append(["Customer", "Invoice #", "Date", "Due date", "Amount", "Open balance"])
    d0 = date(2025, 1, 1)
    for i in range(rows):
        ws.append([f"Client {i % 5000:04d} Ltd", f"INV-{i:06d}", d0 + timedelta(days=i % 400),
                   d0 + timedelta(days=i % 400 + 30), round(100 + i % 997 * 1.37, 2), round(50 + i % 991 * 1.11, 2)])
    wb.save(path)
    return path
