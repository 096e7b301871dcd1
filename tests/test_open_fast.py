"""Opening a big ledger fast, checked against the plain way of doing each step.

The file is read a chunk at a time (lines may span chunks), JSON lines go through
msgspec only where it reads exactly what ``json`` reads, records are checked as each
table is read (then only what the journal changed), equal values are shared, and the
loaded objects are frozen for the garbage collector.
"""

from __future__ import annotations

import gc
import json
from datetime import datetime
from pathlib import Path

import pytest

from callroom import demo
from callroom.store import DamagedFileError, open_store
from callroom.store import format as fmt
from callroom.store import reading
from callroom.store.journal import JournalStorage, open_db, read_file
from callroom.store.rows import Rows

from ledger_files import append_sealed, body, raw_lines, text_file, tx, write_sealed
from support import TODAY


def plain_read(path: Path) -> dict:
    """What a healthy file holds, read with nothing but ``json``: the reference."""
    data: dict = {}
    raw = path.read_bytes()
    for line in raw.split(b"\n")[1:-1]:  # header first; the part after the last newline is torn
        obj = json.loads(line.decode("utf-8"))
        if "table" in obj:
            data.setdefault(obj["table"], {}).update(obj["docs"])
        for op in obj.get("tx", []):
            if "put" in op:
                data.setdefault(op["t"], {})[str(op["put"])] = op["doc"]
            elif "del" in op:
                data.get(op["t"], {}).pop(str(op["del"]), None)
            else:
                data[op["t"]] = {}
    return data


def same(a, b) -> bool:
    """Equal, with the same types all the way down (1 is not 1.0, NaN is NaN); a table
    of rows read from the file counts as the dict it stands for."""
    a, b = _plain(a), _plain(b)
    return json.dumps(a, sort_keys=True) == json.dumps(b, sort_keys=True) and _types(a) == _types(b)


def _plain(v):
    if isinstance(v, Rows):
        return {k: _plain(x) for k, x in v.items()}
    if type(v) is dict:
        return {k: _plain(x) for k, x in v.items()}
    return v


def _types(v):
    if type(v) is dict:
        return {k: _types(x) for k, x in v.items()}
    if type(v) is list:
        return [_types(x) for x in v]
    return type(v).__name__


@pytest.fixture
def ledger(tmp_path: Path) -> Path:
    """The demo ledger compacted (one snapshot line per table), then a few journal lines."""
    path = tmp_path / "ledger.jsonl"
    store = open_store(path)
    demo.load(store, TODAY)
    store.db.compact()
    store.close()
    db = open_db(path)
    db.table("notes").insert({"text": "after the snapshot"})
    db.table("notes").insert({"text": "and another"})
    db.close()
    return path


def append(path: Path, *objs: dict) -> int:
    """Append journal lines as a faulty writer would (checksummed and sealed); the number of the last one."""
    return append_sealed(path, *objs)


def snapshot_line(path: Path, table: str) -> tuple[list[bytes], int, dict]:
    lines = raw_lines(path)
    for i, line in enumerate(lines):
        if body(line).get("table") == table:
            return lines, i, body(line)
    raise AssertionError(table)


def edit_snapshot(path: Path, table: str, change) -> str:
    """Apply ``change(docs)`` to a table's snapshot line, checksummed again; returns the first doc id."""
    lines, i, obj = snapshot_line(path, table)
    first = next(iter(obj["docs"]))
    change(obj["docs"], first)
    write_sealed(path, [obj if n == i else line for n, line in enumerate(lines)])
    return first


@pytest.mark.parametrize("chunk", [1, 2, 3, 7, 64, 1000, 4 * 1024 * 1024])
def test_lines_spanning_chunks_read_as_the_whole_file_does(ledger: Path, monkeypatch, chunk: int):
    monkeypatch.setattr(reading, "_CHUNK", chunk)
    assert same(read_file(ledger)[0], plain_read(ledger))
    torn = b'{"seq":99,"crc":"00000000","tx":[{"t":"notes","put":9,"doc":{"te'
    with ledger.open("ab") as f:
        f.write(torn)
    assert same(read_file(ledger)[0], plain_read(ledger))
    db = open_db(ledger)
    assert db.storage.torn_tail_bytes == len(torn) and db.storage.notices[0].kind == "torn"
    db.table("notes").insert({"text": "written over the torn line"})
    db.close()
    assert ledger.read_bytes().endswith(b"}]}\n")
    assert same(read_file(ledger)[0], plain_read(ledger))
    assert plain_read(ledger)["notes"]["3"] == {"text": "written over the torn line"}


@pytest.mark.parametrize("layout", [2, 1])
@pytest.mark.parametrize("fast", [True, False], ids=["msgspec", "json-only"])
def test_values_msgspec_reads_differently_or_refuses_are_read_as_json_reads_them(tmp_path: Path, monkeypatch, fast, layout):
    if not fast:
        monkeypatch.setattr(fmt, "_fast_loads", None)
    doc = (
        '{"big":123456789012345678901234567890,"low":-9223372036854775809,"u64":18446744073709551616,'
        '"f":0.1,"e":1e300,"tiny":5e-324,"neg0":-0.0,"over":1e400,"nan":NaN,"inf":-Infinity,'
        '"lone":"\\ud800","pair":"\\ud83d\\ude00","text":"é😀\\n\\"","dup":1,"dup":2}'
    )
    path = tmp_path / "ledger.jsonl"
    text_file(path, layout, [
        f'{{"table":"misc","docs":{{"1":{doc}}}}}'.encode(),
        f'{{"tx":[{{"t":"misc","put":2,"doc":{doc}}},{{"t":"misc","put":123456789012345678901234567890,"doc":{{}}}}]}}'.encode(),
    ])
    data = read_file(path)[0]
    expected = json.loads(doc)
    assert same(data["misc"]["1"], expected) and same(data["misc"]["2"], expected)
    assert type(data["misc"]["1"]["big"]) is int and data["misc"]["1"]["lone"] == "\ud800"
    assert "123456789012345678901234567890" in data["misc"]


@pytest.mark.parametrize("fast", [True, False], ids=["msgspec", "json-only"])
@pytest.mark.parametrize(
    "line",
    [b'{"table":"misc","docs":{"1":{"a":01}}}', b'{"table":"misc","docs":{"1":{"a":"\x01"}}}',
     b'{"table":"misc","docs":{"1":{"a":1}}} x', b'{"table":"misc","docs":{"1":{"a":"\xff"}}}',
     b'{"table":"misc","docs":{"1":{"a":1},}}', b"\xef\xbb\xbf{}"],
)
@pytest.mark.parametrize("layout", [2, 1])
def test_damaged_json_is_named_as_json_names_it(tmp_path: Path, monkeypatch, fast, line: bytes, layout: int):
    if not fast:
        monkeypatch.setattr(fmt, "_fast_loads", None)
    path = tmp_path / "ledger.jsonl"
    line = text_file(path, layout, [line])[1]  # with its checksum in layout 2: only the JSON is wrong
    if layout == 2 and not line.startswith(b'{"seq"'):
        return  # (not an object at all: named as a line without a sequence number)
    try:
        json.loads(line.decode("utf-8"))
    except UnicodeDecodeError as exc:
        expected = f"not UTF-8 text (byte {exc.start + 1})"
    except json.JSONDecodeError as exc:
        expected = f"not valid JSON ({exc.msg} at column {exc.colno})"
    with pytest.raises(DamagedFileError) as err:
        read_file(path)
    assert (err.value.line, err.value.problem) == (2, expected)


@pytest.mark.parametrize("layout", [2, 1])
@pytest.mark.parametrize("bad", ["01", "00", "-1", "-0", "", "1_0", "+1", " 1", "1 ", "\u0663", "²", "x", "1.0"])
def test_document_ids_are_judged_as_before(tmp_path: Path, bad: str, layout: int):
    docs = {"0": {}, "10": {}, bad: {"bad": True}, "7": {}}
    path = tmp_path / "ledger.jsonl"
    text_file(path, layout, [json.dumps({"table": "misc", "docs": docs}, separators=(",", ":"), ensure_ascii=False).encode()])
    data, found = JournalStorage.salvage(path)
    assert sorted(data["misc"]) == ["0", "10", "7"]
    assert [(p.line, p.what) for p in found] == [(2, f"table 'misc': document id {bad!r} is not a whole number")]
    with pytest.raises(DamagedFileError):
        read_file(path)


@pytest.mark.parametrize("layout", [2, 1])
@pytest.mark.parametrize("bad", [[1], "text", None, 5])
def test_a_document_that_is_not_an_object_is_named(tmp_path: Path, bad, layout: int):
    path = tmp_path / "ledger.jsonl"
    text_file(path, layout, [json.dumps({"table": "misc", "docs": {"0": {}, "1": bad, "2": {}}}).encode(),
                             json.dumps({"table": "fine", "docs": {str(i): {} for i in range(300)}}).encode()])
    data, found = JournalStorage.salvage(path)
    assert sorted(data["misc"]) == ["0", "2"] and len(data["fine"]) == 300
    assert [(p.line, p.what) for p in found] == [(2, "table 'misc': document 1 is not a JSON object")]


def test_records_are_the_file_and_the_snapshot_stays_in_it(ledger: Path):
    """The tables are rows: the snapshot's records are read back from the file when asked
    for (none is held in memory), the journal's are kept as written."""
    for read_only in (False, True):
        store = open_store(ledger, read_only=read_only)
        try:
            data = store.db.storage.read()
            assert same(data, plain_read(ledger))
            assert all(isinstance(t, Rows) for t in data.values())
            assert data["invoices"].in_memory == data["calls"].in_memory == 0
            assert data["notes"].in_memory == 2  # put by the journal after the snapshot
            plain = plain_read(ledger)["invoices"]
            key = list(plain)[len(plain) // 2]
            assert data["invoices"][key] == plain[key] and data["invoices"][key] is not data["invoices"][key]
        finally:
            store.close()


def test_a_bad_record_written_by_the_journal_is_named_with_its_line(ledger: Path):
    lines, _, obj = snapshot_line(ledger, "invoices")
    doc = dict(next(iter(obj["docs"].values())), currency=5)
    number = append(ledger, tx({"t": "invoices", "put": 999, "doc": doc}))
    before = ledger.read_bytes()
    with pytest.raises(DamagedFileError) as err:
        open_store(ledger)
    assert err.value.line == number
    assert "invoice #999: field 'currency'" in err.value.problem
    assert ledger.read_bytes() == before


@pytest.mark.parametrize("fix", ["delete", "replace", "clear", "put then delete"])
def test_a_bad_snapshot_record_the_journal_removed_does_not_stop_the_open(ledger: Path, fix: str):
    first = edit_snapshot(ledger, "invoices", lambda docs, k: docs[k].update(balance="lots"))
    with pytest.raises(DamagedFileError):
        open_store(ledger, read_only=True).close()
    good = plain_read(ledger)["invoices"][str(int(first) + 1)]
    ops = {
        "delete": [{"t": "invoices", "del": int(first)}],
        "replace": [{"t": "invoices", "put": int(first), "doc": good}],
        "clear": [{"t": "invoices", "clear": True}, {"t": "invoices", "put": 5, "doc": good}],
        "put then delete": [{"t": "invoices", "del": int(first)},
                            {"t": "invoices", "put": 777, "doc": dict(good, issued="2026-02-30")},
                            {"t": "invoices", "del": 777}],
    }[fix]
    append(ledger, {"tx": ops})
    store = open_store(ledger)
    try:
        assert same(store.db.storage.read(), plain_read(ledger))
    finally:
        store.close()


def test_a_bad_record_put_after_a_clear_is_found(ledger: Path):
    good = next(iter(plain_read(ledger)["calls"].values()))
    append(ledger, tx({"t": "calls", "clear": True}), tx({"t": "calls", "put": 3, "doc": dict(good, result="maybe")}))
    with pytest.raises(DamagedFileError) as err:
        open_store(ledger)
    assert "call #3: field 'result'" in err.value.problem


def test_a_big_open_leaves_its_records_in_the_file_and_freezes_what_it_made(tmp_path: Path):
    small = tmp_path / "small.jsonl"
    db = open_db(small)
    db.table("misc").insert_multiple({"n": i, "text": "x" * 100} for i in range(100))
    db.close()
    big = tmp_path / "big.jsonl"
    db = open_db(big)
    db.table("misc").insert_multiple({"n": i, "text": "x" * 100, "list": [i]} for i in range(40_000))
    db.compact()
    db.close()
    assert big.stat().st_size > reading.SETTLE_GC_BYTES
    try:
        before = gc.get_freeze_count()
        open_db(small).close()
        assert gc.get_freeze_count() == before
        tracked = len(gc.get_objects())
        db = open_db(big)
        assert gc.isenabled()
        # What was frozen: the objects there before, and what the open made: not an object
        # per record, let alone per field.
        assert before < gc.get_freeze_count() < before + tracked + 1_000
        assert len(db.table("misc")) == 40_000
        assert db.table("misc").get(doc_id=40_000) == {"n": 39_999, "text": "x" * 100, "list": [39_999]}
        db.close()
    finally:
        gc.unfreeze()


_DROP = object()
ODD = [_DROP, None, "", "x", 5, 0, -1, 1.5, True, False, [], {}, ["a"], ["a", 1], "2026-02-30", "2026-11-23",
       "20261123", "2026-11-23T09:00:00", "2026-11-23 09:00", "09:00", "12.50", " 12.50 ", "1_000", "1e3", "NaN",
       "Infinity", "-0", "\u0661\u0662", "reached", "no-answer", "EUR", 10**30, -(10**30)]


def test_the_table_check_says_what_the_record_check_says(demo_store):
    """The check at open (a generated loop over each table) against the reference
    check of one record, on every field of every model set to odd values."""
    from decimal import Decimal

    from callroom.domain.models import Escalation, Session, Written
    from callroom.store import check

    data = demo_store.db.storage.read()
    memos = check._Memos()  # shared, as at open: a value found valid once stays valid
    for table, cls in check.TABLES.items():
        base = next(iter(data.get(table, {}).values()), None)
        if base is None and cls is Written:  # nor any written message
            base = Written(None, 1, datetime(2026, 11, 23, 9), "confirmation", "pdf", "Subject", "Text", call_id=3).to_record()
        if base is None and cls is Escalation:  # nor any escalation step
            base = Escalation(None, 1, datetime(2026, 11, 23, 9), "agency", "USD", Decimal("3600.00"), Decimal("1130.00"),
                              Decimal("2470.00"), check=TODAY, balances={"1019": "3150.00"}, call_id=3, ended=TODAY).to_record()
        if base is None:  # the demo has no session yet
            assert cls is Session
            base = Session(None, datetime(2026, 11, 23, 9), TODAY, ended=datetime(2026, 11, 23, 10)).to_record()
        assert check._table_ok(cls, {"1": dict(base)}, memos)
        for f in check._fields(cls):
            for odd in ODD:
                doc = dict(base)
                if odd is _DROP:
                    doc.pop(f.name, None)
                else:
                    doc[f.name] = odd
                fine = check._why(cls, doc, 1) is None
                assert check._table_ok(cls, {"0": dict(base), "1": doc, "2": dict(base)}, memos) is fine, (table, f.name, odd)
                assert check._table_ok(cls, {"1": doc}, check._Memos()) is fine, (table, f.name, odd)
                # The same check of a whole snapshot line at once: it accepts nothing the check
                # refuses (what it cannot tell, the line's slow way decides).
                line = fmt.snapshot_line_raw(7, table, [(k, json.dumps(d).encode()) for k, d in
                                                        (("1", dict(base)), ("2", doc), ("3", dict(base)))])[0][:-1]
                at_once = check.Precheck().line(table, line)
                assert fine or at_once is None, (table, f.name, odd)
                if at_once is not None:
                    assert at_once == [d.get("client_id") if type(d.get("client_id")) is int else None for d in (base, doc, base)]
