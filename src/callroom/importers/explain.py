"""``import --dry-run --explain``: every line of a file that is not an invoice, and why, so an
owner can see that nothing was lost."""

from __future__ import annotations

from .parse import ParsedFile
from .report import LayoutRow

_KIND = {"credit": "skipped", "payment": "skipped", "draft": "skipped", "void": "skipped", "paid": "skipped",
         "total": "layout", "other": "skipped"}


def explain_lines(parsed: ParsedFile) -> list[str]:
    """One line per title, heading, section, total and footer line and per skipped row, in file order,
    each with its line (or sheet and row) and the reason; then a count that adds up to the rows read."""
    pf = parsed
    where = pf.where
    head = f"{pf.name} ({pf.described})"
    facts = [f"headings on {where(pf.header_line)}"]
    if pf.currency:
        facts.append(f"currency {pf.currency}")
    if pf.as_of:
        facts.append(f"as of {pf.as_of.isoformat()}" + (f" ({where(pf.as_of_line)})" if pf.as_of_line else ""))
    if pf.delimiter and pf.delimiter != ",":
        facts.append("separated by " + {";": "semicolons", "\t": "tabs", "|": "bars"}.get(pf.delimiter, pf.delimiter))
    if pf.decimal_mark == ",":
        facts.append("decimal comma")
    if pf.date_order:
        facts.append(f"dates {pf.date_order}")
    if pf.encoding not in ("utf-8", "xlsx"):
        facts.append(f"text in {pf.encoding}")
    out = [head + ": " + ", ".join(facts) + "."]
    items: list[tuple[int, str]] = []
    for r in pf.layout:
        items.append((r.line, _layout_text(where, r, before_headings=r.line < pf.header_line)))
    for s in pf.skipped:
        who = " ".join(x for x in (s.client or "", f"#{s.invoice}" if s.invoice else "") if x)
        label = "layout" if s.kind == "total" else "skipped"
        credit = (f"; {s.amount}{' ' + s.currency if s.currency else ''} still open, kept as the client's unapplied "
                  "credit" if s.amount is not None else "")
        items.append((s.line, f"  {where(s.line)}: {label}: {s.reason}" + (f" ({who})" if who else "") + credit))
    items.sort(key=lambda x: x[0])
    out += [text for _, text in items]
    layout = sum(1 for r in pf.layout if r.line > pf.header_line) + sum(1 for s in pf.skipped if s.kind == "total")
    skipped = sum(1 for s in pf.skipped if s.kind != "total")
    out.append(f"  {pf.rows} rows under the headings: {len(pf.invoices)} invoices"
               + (f" (from more lines: one invoice per number)" if _merged_lines(pf) else "")
               + f", {skipped} skipped, {layout} layout {'row' if layout == 1 else 'rows'}.")
    return out


def _merged_lines(pf: ParsedFile) -> bool:
    layout = sum(1 for r in pf.layout if r.line > pf.header_line) + len(pf.skipped)
    return len(pf.invoices) + layout < pf.rows


def _layout_text(where, r: LayoutRow, before_headings: bool) -> str:
    text = r.text if len(r.text) <= 60 else r.text[:59] + "…"
    reason = r.reason[len("title: "):] if r.reason.startswith("title: ") else r.reason
    return f"  {where(r.line)}: {'title' if before_headings else 'layout'}: {reason} \"{text}\""


__all__ = ["explain_lines"]
