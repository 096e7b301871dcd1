"""Recognising an export by its content: where its header row is, which column holds
what (by synonyms of the headings, never by the file's name), and which tool it looks
like it came from (only used to name the format and to word error messages)."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from .amounts import ISO_CURRENCIES

HEADER_SCAN = 60  # the header row is looked for among the first rows

# Field -> compact headings, best first. Compact = lower case, accents and punctuation removed
# except '#', '+', '<', '>' ('Invoice #' -> 'invoice#', 'Due Date (UTC)' -> 'duedateutc').
SYNONYMS: dict[str, list[str]] = {
    "invoice": ["invoicenumber", "invoiceno", "invoice#", "invoicenum", "invoiceinvoicenumber", "invoicenbr",
                "invno", "inv#", "invnumber", "invoice", "number", "num", "docnumber", "documentnumber",
                "documentno", "doc#", "docno", "transaction#", "transactionnumber", "transactionno", "txn#",
                "invoicecm#", "refnumber", "refno", "ref#", "invoiceref", "invoicereference", "ref", "no", "no#",
                "nr", "reference", "invoiceid", "id",
                # German, French, Dutch, Spanish, Italian exports
                "rechnungsnr", "rechnungsnummer", "rechnung", "belegnr", "belegnummer", "renr", "numerofacture",
                "nfacture", "nodefacture", "facture", "factuurnummer", "factuurnr", "factuur", "numerofactura",
                "factura", "numerofattura", "fattura"],
    "client": ["customername", "clientname", "contactname", "customerfullname", "customerdisplayname",
               "customercompanyname", "companyname", "customer", "client", "customerjob", "name",
               "clientorganization", "clientorganisation", "organization", "organisation", "company", "debtor",
               "debtorname", "accountholder", "billto", "billtoname", "payer", "contact",
               "kunde", "kundenname", "debitor", "debitorname", "firma", "cliente", "nomclient", "klant",
               "klantnaam", "debiteur"],
    # The person to ask for, where the file also names the organisation (kept as the client's contact).
    "contact": ["contactperson", "contactname", "contact", "attention", "attn", "person", "primarycontact",
                "ansprechpartner", "kontakt", "contactpersoon", "interlocuteur", "persona"],
    "balance": ["amountremaining", "openbalance", "balancedue", "invoicebalance", "invoiceinvoicebalance",
                "outstanding", "outstandingbalance", "amountoutstanding", "outstandingamount", "totaloutstanding",
                "invoiceamountdue", "balanceremaining", "remainingbalance", "remainingamount", "amountowing",
                "owing", "amountowed", "owed", "unpaidamount", "amountunpaid", "unpaid", "openamount",
                "dueamount", "closingbalance", "balance", "remaining", "amountdue", "totaldue", "stillowed",
                "offen", "offenerbetrag", "offenerposten", "restbetrag", "saldo", "solde", "resteapayer",
                "montantdu", "openstaand", "openstaandbedrag", "pendiente", "importependiente", "residuo"],
    "amount": ["invoicetotal", "invoiceamount", "invoiceinvoiceamount", "totalinvoiceamount", "total",
               "totalamount", "grandtotal", "amount", "originalamount", "invoicevalue", "grossamount", "gross",
               "totalincltax", "totalinctax", "amountincltax", "amountinctax",
               "betrag", "bruttobetrag", "rechnungsbetrag", "montant", "montantttc", "bedrag", "importe", "importo"],
    "paid": ["amountpaid", "invoiceamountpaid", "paidtodate", "invoicepaidtodate", "invoiceinvoicepaidtodate",
             "paidamount", "totalpaid", "amountreceived", "paymentsreceived", "payments", "paid"],
    "line_total": ["linetotal", "itemtotal", "linetotalincltax", "lineamountincltax"],
    "issued": ["invoicedate", "dateissued", "issuedate", "issuedon", "issued", "invoiceinvoicedate",
               "invoicedateutc", "dateutc", "date", "createdutc", "createdat", "created", "createddate",
               "datecreated", "transactiondate", "txndate", "documentdate", "docdate", "billdate", "dateofissue",
               "postingdate", "rechnungsdatum", "belegdatum", "datum", "datefacture", "factuurdatum", "fecha",
               "fechafactura", "datafattura"],
    "due": ["duedate", "invoiceduedate", "invoiceinvoiceduedate", "duedateutc", "paymentduedate", "datedue",
            "dueon", "paymentdue", "due", "falligkeit", "falligam", "falligkeitsdatum", "faellig", "echeance",
            "dateecheance", "vervaldatum", "vervaldag", "vencimiento", "fechavencimiento", "scadenza"],
    "currency": ["currency", "currencycode", "clientcurrency", "customercurrency", "invoicecurrency", "curr",
                 "ccy", "currencyiso", "isocurrency", "wahrung", "devise", "moneda", "valuta"],
    "email": ["email", "emailaddress", "customeremail", "clientemail", "contactemail", "billingemail",
              "primarycontactemailid", "primarycontactemail", "emailid", "customeremailaddress",
              "clientemailaddress", "contactemailaddress", "invoiceemail",
              # German, French, Spanish, Dutch, Italian, Portuguese exports ('E-Mail' is 'email' already)
              "emailadresse", "mailadresse", "mail", "courriel", "adressecourriel", "adressedecourriel",
              "courrielelectronique", "adresseemail", "adressemail", "correo", "correoelectronico",
              "direcciondecorreo", "direcciondecorreoelectronico", "emailadres", "mailadres", "posta",
              "postaelettronica", "indirizzoemail", "indirizzoemaildelcliente"],
    "phone": ["phone", "phonenumber", "telephone", "tel", "telno", "clientphone", "customerphone", "contactphone",
              "billingphone", "primarycontactphone", "workphone", "mobile", "mobilephone", "primarycontactmobile",
              "cell", "phone1",
              # German, French, Spanish, Dutch, Italian, Portuguese exports ('Téléphone' is 'telephone' already)
              "telefon", "telefonnummer", "telefonnr", "rufnummer", "mobiltelefon", "mobil", "handy", "numerodetelephone",
              "telephoneportable", "portable", "telefono", "numerodetelefono", "movil", "celular", "telefoon",
              "telefoonnummer", "mobiel", "cellulare", "numeroditelefono", "telemovel"],
    "terms": ["terms", "term", "paymentterms", "paymenttermslabel", "termsname", "creditterms", "paymentterm"],
    "status": ["status", "invoicestatus", "invoiceinvoicestatus", "paymentstatus", "invoicestate", "state"],
    # Whether the invoice was sent to the client (Xero's 'Sent': Sent / Unsent).
    "sent": ["sent", "sentstatus", "invoicesent", "issent"],
    "type": ["transactiontype", "type", "documenttype", "doctype", "txntype", "transtype", "entrytype",
             "invoicetype"],
    # General-ledger exports (Wave "accounting transactions"): balances come from the receivable lines.
    "account": ["accountname", "account", "glaccount", "accountdescription"],
    "account_type": ["accounttype", "accountgroup", "accountclass"],
    "ledger_amount": ["amountonecolumn"],
    "debit": ["debitamounttwocolumnapproach", "debitamount", "debit", "dr"],
    "credit": ["creditamounttwocolumnapproach", "creditamount", "credit", "cr"],
}
# The order in which fields claim columns (a column serves one field).
FIELD_ORDER = ["ledger_amount", "debit", "credit", "account_type", "account", "invoice", "client", "contact", "balance",
               "paid", "line_total", "amount", "due", "issued", "currency", "email", "phone", "terms", "status",
               "type", "sent"]
MAPPABLE = tuple(FIELD_ORDER)
# Headings that name an organisation, and headings that name a person: where a file has both, the
# organisation is the client and the person its contact ('Organization' + 'Client' in an aging report).
ORGANISATION = {"organization", "organisation", "company", "companyname", "customercompanyname", "business",
                "businessname", "clientorganization", "clientorganisation", "firm", "firma", "unternehmen",
                "entreprise", "societe", "bedrijf", "empresa"}
PERSON = {"client", "clientname", "contact", "contactname", "contactperson", "person", "attention", "attn",
          "primarycontact", "ansprechpartner", "kontakt", "contactpersoon", "interlocuteur"}
MONEY_FIELDS = ("balance", "amount", "paid", "line_total", "ledger_amount", "debit", "credit")
_SYN_INDEX = {f: {h: rank for rank, h in enumerate(hs)} for f, hs in SYNONYMS.items()}
_ALL_SYNONYMS = {h for hs in SYNONYMS.values() for h in hs}

BUCKET_RE = re.compile(
    r"^(?:current|future|notyetdue|notdue|older|olderthan\d+(?:days?|months?)?"
    r"|(?:<|>|over|morethan|lessthan|under)?\d+(?:(?:-|to)\d+)?\+?(?:days?|months?|mths?|mos?)?"
    r"(?:pastdue|overdue|old)?(?:andover|ormore|orover|plus|andolder)?"
    r"|period\d+)$"
)
_HEADER_CURRENCY = re.compile(r"^(.*?)\s*[(\[]\s*([A-Za-z]{3})\s*[)\]]\s*$")


def column_map(items) -> dict[str, str]:
    """``["balance=Amount Due", 'due="Pay By"']`` -> ``{"balance": "Amount Due", "due": "Pay By"}``:
    which column holds which field, as typed after ``--map`` or in the import window's
    Columns box (quotes around a heading are dropped). Raises ValueError naming the item
    that is not ``FIELD=HEADING``; whether the field exists, ``parse_file`` says."""
    out: dict[str, str] = {}
    for item in items:
        if "=" not in item:
            raise ValueError(f"{item.strip()!r}: write FIELD=HEADING, for example balance=Amount Due")
        field, heading = item.split("=", 1)
        heading = heading.strip()
        if len(heading) >= 2 and heading[0] == heading[-1] and heading[0] in "\"'":
            heading = heading[1:-1].strip()
        out[field.strip().lower()] = heading
    return out


def split_column_map(text: str) -> list[str]:
    """The items of a Columns box: separated by commas or semicolons (not inside quotes:
    ``client="Smith, Jones"``), blanks ignored."""
    items, cur, quote = [], [], ""
    for ch in text:
        if quote:
            quote = "" if ch == quote else quote
        elif ch in "\"'":
            quote = ch
        elif ch in ",;":
            items.append("".join(cur))
            cur = []
            continue
        cur.append(ch)
    items.append("".join(cur))
    return [part for part in (x.strip() for x in items) if part]


def compact(heading: str) -> str:
    text = unicodedata.normalize("NFKD", heading.replace("\ufeff", "")).encode("ascii", "ignore").decode().lower()
    return re.sub(r"[^a-z0-9#+<>]", "", text)


def _split_currency(heading: str) -> tuple[str, str | None]:
    """'Balance (USD)' -> ('Balance', 'USD'); other headings unchanged."""
    m = _HEADER_CURRENCY.match(heading)
    if m and m.group(2).upper() in ISO_CURRENCIES and m.group(2).upper() not in ("UTC", "GMT"):
        return m.group(1), m.group(2).upper()
    return heading, None


def bucket_key(heading: str) -> str:
    """Like ``compact`` but keeping '-' ('1 - 30' -> '1-30', '31–60 days' -> '31-60days')."""
    text = unicodedata.normalize("NFKD", heading.replace("\ufeff", "")).encode("ascii", "ignore").decode().lower()
    text = re.sub(r"[\u2012-\u2015]", "-", text)
    return re.sub(r"[^a-z0-9#+<>\-]", "", text)


def is_bucket(heading: str) -> bool:
    c = bucket_key(heading)
    return bool(c) and bool(BUCKET_RE.match(c)) and not c.isdigit()


def _score(cells: list[str]) -> tuple[int, bool]:
    fields_hit: set[str] = set()
    buckets = 0
    for cell in cells:
        base = _split_currency(cell)[0]
        c = compact(base)
        if not c:
            continue
        if is_bucket(base):
            buckets += 1
        for f, idx in _SYN_INDEX.items():
            if c in idx:
                fields_hit.add(f)
    if buckets >= 2:
        fields_hit.add("buckets")
    money = bool(fields_hit & {"balance", "amount", "paid", "line_total", "ledger_amount", "debit", "credit", "buckets"})
    return len(fields_hit), money or "invoice" in fields_hit


def _matches_mapping(cells: list[str], mapping: dict[str, str] | None) -> bool:
    if not mapping:
        return False
    have = {compact(c) for c in cells} | {c.strip().lower() for c in cells}
    return all(compact(h) in have or h.strip().lower() in have for h in mapping.values())


def find_header_index(rows, mapping: dict[str, str] | None) -> int | None:
    """Index (in ``rows``) of the header row, or None when no row names enough columns."""
    best, best_score = None, 1
    for i, (_line, cells) in enumerate(rows[:HEADER_SCAN]):
        if mapping and _matches_mapping(cells, mapping):
            return i
        score, useful = _score(cells)
        if useful and score > best_score:
            best, best_score = i, score
    return best


@dataclass
class Layout:
    index: int                     # position of the header row in the rows list
    line: int                      # its line number in the file
    headers: list[str]             # headings as written (stripped)
    compact: list[str]
    cols: dict[str, int]           # field -> column index
    buckets: list[int] = field(default_factory=list)
    label_cols: list[int] = field(default_factory=list)  # unheaded leading columns (group labels)
    header_currency: str | None = None
    mapped: set[str] = field(default_factory=set)     # fields the user mapped

    def heading(self, col: int) -> str:
        return self.headers[col] if col < len(self.headers) else f"column {col + 1}"

    def has(self, f: str) -> bool:
        return f in self.cols


def build_layout(rows, index: int, mapping: dict[str, str] | None) -> tuple[Layout, list[str]]:
    """The column layout; second value: mapped headings that were not found (for the error)."""
    line, cells = rows[index]
    headers = [c.strip().replace("\ufeff", "") for c in cells]
    bases, currencies = [], set()
    for h in headers:
        base, cur = _split_currency(h)
        bases.append(base)
        if cur:
            currencies.add(cur)
    comp = [compact(b) for b in bases]
    cols: dict[str, int] = {}
    taken: set[int] = set()
    missing: list[str] = []
    mapped: set[str] = set()
    for f, heading in (mapping or {}).items():
        want_c, want_l = compact(heading), heading.strip().lower()
        j = next((k for k, h in enumerate(headers) if h.lower() == want_l), None)
        if j is None:
            j = next((k for k, c in enumerate(comp) if c and c == want_c), None)
        if j is None:
            missing.append(heading)
            continue
        cols[f] = j
        taken.add(j)
        mapped.add(f)
    for f in FIELD_ORDER:
        if f in cols:
            continue
        ranks = _SYN_INDEX[f]
        best_j, best_rank = None, None
        for j, c in enumerate(comp):
            if j in taken or c not in ranks:
                continue
            if best_rank is None or ranks[c] < best_rank:
                best_j, best_rank = j, ranks[c]
        if best_j is not None:
            cols[f] = best_j
            taken.add(best_j)
    _prefer_organisation(comp, cols, taken, mapped)
    buckets = [j for j, b in enumerate(bases) if j not in taken and is_bucket(b)]
    if len(buckets) < 2:
        buckets = []
    first_named = next((j for j, c in enumerate(comp) if c), len(comp))
    label_cols = list(range(first_named))
    # Aging reports: 'Total' after the bucket columns is what is still owed.
    if buckets and "balance" not in cols and "amount" in cols and "amount" not in mapped:
        cols["balance"] = cols.pop("amount")
    # A ledger export needs an account column and ledger amounts; otherwise those columns mean nothing here.
    if not ({"ledger_amount", "debit", "credit"} & cols.keys() and "account" in cols):
        for f in ("ledger_amount", "debit", "credit", "account", "account_type"):
            if f in cols and f not in mapped:
                del cols[f]
    header_currency = currencies.pop() if len(currencies) == 1 else None
    return Layout(index, line, headers, comp, cols, buckets, label_cols, header_currency, mapped), missing


def _prefer_organisation(comp: list[str], cols: dict[str, int], taken: set[int], mapped: set[str]) -> None:
    """Organisation over contact person: the client is the organisation column and the person its contact."""
    if "client" in mapped or "client" not in cols:
        return
    j = cols["client"]
    if comp[j] not in PERSON:
        return
    org = next((k for k, c in enumerate(comp) if c in ORGANISATION and k != j and k not in taken), None)
    if org is None:
        return
    cols["client"] = org
    taken.add(org)
    if "contact" not in mapped:
        old = cols.get("contact")
        if old is not None:
            taken.discard(old)
        cols["contact"] = j


# ---------------------------------------------------------------- which tool it looks like

@dataclass(frozen=True)
class Format:
    name: str
    family: str  # quickbooks | xero | freshbooks | stripe | ninja | zoho | sage | wave | generic
    # The headings this tool normally uses, for "missing column" messages.
    expects: tuple[tuple[str, str], ...] = ()


def detect_format(title: list[str], layout: Layout, workbook: bool = False) -> Format:
    """The tool the export looks like it came from; ``workbook``: the rows come from a workbook's sheet."""
    t = " ".join(title).lower()
    h = set(layout.compact)
    lead_blank = len(layout.label_cols)

    def has(*names):
        return all(n in h for n in names)

    if has("amountonecolumn") or has("debitamounttwocolumnapproach"):
        return Format("Wave accounting transactions", "wave",
                      (("invoice", "Invoice Number"), ("client", "Customer"), ("account", "Account Name")))
    if "amountremaining" in h or (has("customeremail", "amountdue") and "number" in h):
        return Format("Stripe invoices", "stripe",
                      (("balance", "Amount Remaining"), ("invoice", "Number"), ("client", "Customer Name")))
    if sum(n in h for n in ("contactname", "invoicenumber", "invoiceamountdue", "inventoryitemcode",
                            "poaddressline1", "trackingname1", "invoiceamountpaid")) >= 3:
        return Format("Xero sales invoices", "xero",
                      (("balance", "InvoiceAmountDue"), ("invoice", "InvoiceNumber"), ("client", "ContactName")))
    if "aged receivables" in t or "aged receivable" in t:
        return Format("Xero Aged Receivables", "xero", (("balance", "Total"), ("invoice", "Invoice Number")))
    if "invoiceinvoicenumber" in h or has("clientname", "invoicebalance"):
        return Format("Invoice Ninja invoices", "ninja",
                      (("balance", "Invoice Balance"), ("invoice", "Invoice Number"), ("client", "Client Name")))
    if has("clientname", "dateissued") or has("invoice#", "dateissued"):
        return Format("FreshBooks invoice details", "freshbooks",
                      (("line_total", "Line Total"), ("invoice", "Invoice #"), ("client", "Client Name")))
    if "accounts aging" in t or "account aging" in t or "freshbooks" in t:
        return Format("FreshBooks accounts aging", "freshbooks", (("balance", "Total Outstanding"), ("client", "Client")))
    if has("invoiceid", "invoicestatus") and ("currencycode" in h or "customerid" in h):
        return Format("Zoho Books invoices", "zoho",
                      (("balance", "Balance"), ("invoice", "Invoice Number"), ("client", "Customer Name")))
    if "ar aging" in t or "receivable aging" in t or has("transaction#", "balancedue"):
        kind = "AR aging summary" if "summary" in t else "AR aging details"
        return Format(f"Zoho Books {kind}", "zoho",
                      (("balance", "Balance Due"), ("invoice", "Transaction#"), ("client", "Customer Name")))
    if "aged debtor" in t or ("ac" in h and any(c.startswith("period") for c in h)):
        return Format("Sage aged debtors", "sage", (("balance", "Balance"), ("invoice", "Ref"), ("client", "Name")))
    qb = ("openbalance" in h or ("num" in h and ("transactiontype" in h or "type" in h)) or "quickbooks" in t
          or "a/r aging" in t or ("no" in h and "type" in h and "customer" in h))
    if qb:
        report = ("A/R Aging Detail" if "aging detail" in t else "A/R Aging Summary" if "aging summary" in t
                  else "Open Invoices" if "open invoices" in t or not t else "report")
        if lead_blank >= 2 or not t:
            return Format(f"QuickBooks Desktop {report}", "quickbooks", (("balance", "Open Balance"), ("invoice", "Num")))
        return Format(f"QuickBooks Online {report}", "quickbooks", (("balance", "Open balance"), ("invoice", "Num")))
    if layout.buckets:
        return Format("aged receivables (one balance per client)", "generic")
    return Format("invoice list" if workbook else "invoice list (CSV)", "generic")


_TITLE_CURRENCY = [
    re.compile(r"\b(?:(?i:currency|w(?:ä|ae|a)hrung|devise)|(?i:amounts?(?:\s+are)?(?:\s+shown)?\s+in)|(?i:shown\s+in)|in"
               r"|(?i:figures\s+in))\s*[:=]?\s*([A-Z]{3})\b"),
    re.compile(r"[(\[]([A-Z]{3})[)\]]"),
    re.compile(r"^\s*([A-Z]{3})\s*$"),
]


def title_currency(title: list[str]) -> str | None:
    """An ISO code that the title block states ('Amounts in NZD', 'Currency: USD', '(EUR)')."""
    found = set()
    for line in title:
        for rx in _TITLE_CURRENCY:
            for m in rx.finditer(line):
                if m.group(1) in ISO_CURRENCIES:
                    found.add(m.group(1))
    return found.pop() if len(found) == 1 else None


__all__ = ["SYNONYMS", "MAPPABLE", "Layout", "Format", "build_layout", "find_header_index", "detect_format",
           "title_currency", "compact", "is_bucket", "bucket_key"]
