"""The journal storage engine: formats, failure handling, locking, and TinyDB compatibility."""

from __future__ import annotations

import copy
import json
from datetime import date
from decimal import Decimal
from enum import Enum, IntEnum

import errno
import gc
import multiprocessing
import os
import signal
import socket
import subprocess
import sys
import tempfile
import textwrap
import zlib
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

try:
    import callroom  # noqa: F401
except ImportError:  # running from a checkout without `pip install -e .`
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from tinydb import Query, TinyDB
from tinydb.storages import MemoryStorage
from tinydb.table import Document

from callroom.store.errors import (
    DamagedFileError,
    LockedError,
    NewerSchemaError,
    ReadOnlyError,
    StorageWriteError,
    StoreError,
)
from callroom.store.journal import (
    CallroomDB,
    Clear,
    Delete,
    Disk,
    JournalStorage,
    Put,
    open_db,
)
from callroom.store.lock import lock_path_for, read_holder
from callroom.store.seal import seal_path_for

from ledger_files import body, bodies, legacy_file, raw_lines, sealed_line, seq_of, tx, write_sealed
from callroom.store.backups import backups_dir

SRC = str(Path(__file__).resolve().parents[1] / "src")
q = Query()


@pytest.fixture
def path(tmp_path: Path) -> Path:
    return tmp_path / "ledger.callroom"


def snapshot(db: TinyDB) -> dict[str, list[tuple[int, dict]]]:
    """Every table's documents with their ids, in a comparable form."""
    return {
        name: sorted((doc.doc_id, dict(doc)) for doc in db.table(name).all())
        for name in sorted(db.tables())
    }


def lines(path: Path) -> list[dict]:
    """The lines as JSON, without their sequence numbers and checksums."""
    return bodies(path)


# -- format and round trips ----------------------------------------------------


def test_new_file_is_a_header_then_one_journal_line_per_write(path: Path) -> None:
    with open_db(path, schema=3) as db:
        db.table("calls").insert({"client_id": 7, "outcome": "promise", "note": "Müller"})
        db.table("calls").remove(doc_ids=[1])
    header, put, delete = lines(path)
    assert header["format"] == "callroom" and header["schema"] == 3 and header["layout"] == 2
    assert isinstance(header["created"], str) and len(header["ledger"]) == 16 and header["gen"] == 1
    assert put == {"tx": [{"t": "calls", "put": 1, "doc": {"client_id": 7, "outcome": "promise", "note": "Müller"}}]}
    assert delete == {"tx": [{"t": "calls", "del": 1}]}
    assert "Müller" in path.read_text(encoding="utf-8")  # human-readable, not \u-escaped
    # Every line starts with its sequence number and a checksum of the rest.
    raw = raw_lines(path)
    assert [seq_of(line) for line in raw] == [0, 1, 2]
    assert raw[1].startswith(b'{"seq":1,"crc":"') and raw[1][25:] == b',"tx":[{"t":"calls","put":1,"doc":{"client_id":7,"outcome":"promise","note":"M\xc3\xbcller"}}]}'
    assert zlib.crc32(raw[1][25:], zlib.crc32(b"1")) == int(raw[1][16:24], 16)


def test_every_table_operation_survives_reopen(path: Path) -> None:
    db = open_db(path)
    calls = db.table("calls")
    assert calls.insert({"client_id": 1, "n": 1}) == 1
    assert calls.insert_multiple([{"client_id": 2, "n": 2}, {"client_id": 2, "n": 3}, {"client_id": 3, "n": 4}]) == [2, 3, 4]
    assert calls.update({"seen": True}, doc_ids=[1, 99]) == [1]
    assert calls.update({"hot": True}, q.client_id == 2) == [2, 3]
    assert calls.update(lambda d: d.setdefault("tags", []).append("x"), doc_ids=[4]) == [4]
    assert calls.update_multiple([({"m": 1}, q.n == 1), ({"m": 3}, q.n == 3)]) == [1, 3]
    assert calls.upsert({"client_id": 3, "n": 40}, q.client_id == 3) == [4]
    assert calls.upsert({"client_id": 5, "n": 5}, q.client_id == 5) == [5]
    assert calls.upsert(Document({"client_id": 9, "n": 9}, doc_id=20)) == [20]
    assert calls.remove(q.n == 2) == [2]
    assert calls.remove(doc_ids=[5, 77]) == [5]
    other = db.table("promises")
    other.insert_multiple([{"a": 1}, {"a": 2}])
    other.truncate()
    db.table("empty", persist_empty=True)
    expected = snapshot(db)
    db.close()

    with open_db(path) as db:
        assert gc.isenabled()  # loading pauses the collector, and must turn it back on
        assert snapshot(db) == expected
        calls = db.table("calls")
        assert db.tables() == {"calls", "promises", "empty"}
        assert len(calls) == 4 and len(db.table("promises")) == 0
        assert calls.get(doc_id=4) == {"client_id": 3, "n": 40, "tags": ["x"]}
        assert calls.get(doc_id=4).doc_id == 4
        assert sorted(d.doc_id for d in calls.get(doc_ids=[1, 3, 99])) == [1, 3]
        assert calls.get(q.n == 3).doc_id == 3
        assert [d.doc_id for d in calls.search(q.client_id == 2)] == [3]
        assert calls.contains(doc_id=20) and not calls.contains(doc_id=2)
        assert calls.contains(q.hot == True)  # noqa: E712
        assert calls.count(q.client_id > 0) == 4
        assert sorted(d.doc_id for d in calls) == [1, 3, 4, 20]  # iteration


def test_ids_continue_after_reopen(path: Path) -> None:
    with open_db(path) as db:
        db.table("calls").insert_multiple({"n": i} for i in range(5))
        db.table("calls").remove(doc_ids=[2])
    with open_db(path) as db:
        assert db.table("calls").insert({"n": 5}) == 6
        assert db.table("other").insert({"n": 0}) == 1
    with open_db(path) as db:
        assert sorted(d.doc_id for d in db.table("calls")) == [1, 3, 4, 5, 6]


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**40), 2**40) | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner, max_size=3),
    max_leaves=6,
)
documents = st.dictionaries(st.sampled_from(["k", "n", "tags", "note"]), json_values, max_size=4)
operations = st.lists(
    st.one_of(
        st.tuples(st.just("insert"), st.sampled_from(["a", "b"]), documents),
        st.tuples(st.just("insert_multiple"), st.sampled_from(["a", "b"]), st.lists(documents, max_size=4)),
        st.tuples(st.just("update_ids"), st.sampled_from(["a", "b"]), documents, st.lists(st.integers(1, 12), max_size=3)),
        st.tuples(st.just("update_cond"), st.sampled_from(["a", "b"]), documents, json_values),
        st.tuples(st.just("append_tag"), st.sampled_from(["a", "b"]), st.integers(1, 12)),
        st.tuples(st.just("remove_ids"), st.sampled_from(["a", "b"]), st.lists(st.integers(1, 12), max_size=3)),
        st.tuples(st.just("remove_cond"), st.sampled_from(["a", "b"]), json_values),
        st.tuples(st.just("truncate"), st.sampled_from(["a", "b"])),
        st.tuples(st.just("reopen"), st.just("a")),
        st.tuples(st.just("compact"), st.just("a")),
    ),
    max_size=25,
)


def _run(op: tuple, table) -> object:
    kind, _ = op[0], op[1]
    if kind == "insert":
        return table.insert(op[2])
    if kind == "insert_multiple":
        return table.insert_multiple(op[2])
    if kind == "update_ids":
        return table.update(op[2], doc_ids=op[3])
    if kind == "update_cond":
        return table.update(op[2], q.k == op[3])
    if kind == "append_tag":
        def add_tag(doc: dict) -> None:
            tags = doc.get("tags")
            doc["tags"] = (tags if isinstance(tags, list) else []) + ["t"]
            if isinstance(tags, list):
                tags.append("in-place")  # an in-place edit of a nested list must be journaled too
        return table.update(add_tag, doc_ids=[op[2]])
    if kind == "remove_ids":
        return table.remove(doc_ids=op[2])
    if kind == "remove_cond":
        return table.remove(q.k == op[2])
    if kind == "truncate":
        return table.truncate()
    raise AssertionError(kind)


def _outcome(op: tuple, db: TinyDB) -> tuple[str, object]:
    """The result, or the exception type: stock TinyDB raises on some inputs, e.g. remove(doc_ids=[1, 1])."""
    try:
        return "ok", _run(op, db.table(op[1]))
    except Exception as exc:  # noqa: BLE001 - compared, not swallowed
        return "raised", type(exc)


class CopyingMemoryStorage(MemoryStorage):
    """Stock TinyDB's memory storage, but keeping a copy of what is written, as a file would: with
    the plain one, ``update({'tags': [...]}, doc_ids=[1, 2])`` leaves both documents holding the same
    list, and an in-place edit of one then shows in the other (no file-backed TinyDB does that)."""

    def write(self, data):
        super().write(copy.deepcopy(data))

    def read(self):
        data = super().read()
        return None if data is None else copy.deepcopy(data)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(operations)
def test_behaves_like_stock_tinydb(ops: list[tuple]) -> None:
    """Same operations, same results, same data as TinyDB's own Table over memory, across reopens."""
    with tempfile.TemporaryDirectory() as tmp:
        file = Path(tmp) / "db.callroom"
        ours = open_db(file)
        stock = TinyDB(storage=CopyingMemoryStorage)
        for op in ops:
            if op[0] == "reopen":
                ours.close()
                ours = open_db(file)
                # A reopened TinyDB recomputes the next id from the data; mirror that.
                stock._tables.clear()
                continue
            if op[0] == "compact":
                ours.compact()
                continue
            assert _outcome(op, ours) == _outcome(op, stock), op
            assert snapshot(ours) == snapshot(stock), op
        ours.close()
        with open_db(file, read_only=True) as reread:
            assert snapshot(reread) == snapshot(stock)


def test_returned_documents_are_detached_from_the_store(path: Path) -> None:
    with open_db(path) as db:
        calls = db.table("calls")
        source = {"tags": ["a"], "details": {"x": 1}}
        calls.insert(source)
        source["tags"].append("changed after insert")
        got = calls.get(doc_id=1)
        got["tags"].append("changed by a reader")
        got["details"]["x"] = 2
        calls.search(q.tags.exists())[0]["tags"].append("changed via search")
        assert calls.get(doc_id=1) == {"tags": ["a"], "details": {"x": 1}}


def test_values_read_back_as_they_were_stored(path: Path) -> None:
    """Memory must hold what a reopen would load, not the caller's Python objects."""
    with open_db(path) as db:
        db.table("t").insert({"pair": (1, 2), "by_num": {3: "x"}})
        in_memory = db.table("t").get(doc_id=1)
    with open_db(path) as db:
        assert db.table("t").get(doc_id=1) == in_memory == {"pair": [1, 2], "by_num": {"3": "x"}}


def test_unserialisable_document_writes_nothing(path: Path) -> None:
    with open_db(path) as db:
        before = path.read_bytes()
        with pytest.raises((TypeError, ValueError)):
            db.table("t").insert({"when": object()})
        with pytest.raises(ValueError):
            db.table("t").insert({"x": float("nan")})
        assert len(db.table("t")) == 0
        assert path.read_bytes() == before


class _Colour(IntEnum):
    RED = 1


class _Word(str, Enum):
    YES = "yes"


_WRITTEN = [
    None, True, False, 0, -1, 10**30, -(10**30), 1.5, 1e16, 1e-7, -0.0, 5e-324, 1.7976931348623157e308, "",
    "zażółć \u2028\u2029 \x00\x1f\x7f \" \\ / \U0001f600", "\ud800", [], {}, [1, [2, {"a": None}]], (1, 2),
    {"3": 1}, {3: "x"}, {1.5: 2}, {True: 1}, {None: 1}, _Colour.RED, _Word.YES, {_Word.YES: 1}, float("nan"),
    float("inf"), Decimal("1.5"), date(2026, 11, 23), {1}, b"x", object(), {"deep": [{"d": Decimal("2")}]},
]


@pytest.mark.parametrize("value", _WRITTEN, ids=repr)
def test_ops_are_written_as_json_writes_them_and_refused_as_json_refuses_them(value) -> None:
    """The ops' text and what memory holds are what ``json`` writes and reads back, whatever writes the
    text; and what ``json`` refuses to write is refused, with its error."""
    from callroom.store import format as fmt

    raw = [{"t": "t", "put": 1, "doc": {"v": value, "n": 2}}]
    try:
        reference = json.loads(fmt.encode(raw))
    except Exception as exc:  # noqa: BLE001 - json's refusal, which the ops must give too
        with pytest.raises(type(exc)):
            fmt.encode_ops([Put("t", 1, {"v": value, "n": 2})])
        return
    text, parsed = fmt.encode_ops([Put("t", 1, {"v": value, "n": 2})])
    assert _typed(parsed) == _typed(reference)
    try:
        again = json.loads("[" + text + "]")
    except Exception:  # noqa: BLE001 - a lone surrogate: json wrote it too, and the line's UTF-8 refuses it
        assert text == fmt.encode(raw)[1:-1]
        return
    assert _typed(again) == _typed(reference)


def _typed(v):
    """A value with the type of every part: 1 is not 1.0 nor True."""
    if type(v) is dict:
        return {k: _typed(x) for k, x in v.items()}
    if type(v) is list:
        return [_typed(x) for x in v]
    return (type(v).__name__, repr(v))


def test_drop_table_is_durable(path: Path) -> None:
    with open_db(path) as db:
        db.table("a").insert({"x": 1})
        db.table("b").insert({"x": 2})
        db.drop_table("a")
        assert db.tables() == {"b"}
    with open_db(path) as db:
        assert db.tables() == {"b"}
        db.drop_tables()
    with open_db(path) as db:
        assert db.tables() == set()
        db.table("c").insert({"x": 3})
        with pytest.raises(StoreError):
            with db.transaction():
                db.drop_table("c")  # a whole-file rewrite cannot be part of a transaction
        assert db.table("c").all() == [{"x": 3}]


# -- torn last line --------------------------------------------------------------


def _file_with_calls(path: Path, n: int = 3) -> None:
    with open_db(path) as db:
        db.table("calls").insert_multiple({"n": i} for i in range(n))


TORN = {
    # what a kill or a power cut can leave after the last acknowledged line
    "cut mid-document": lambda seq: b'{"seq":%d,"crc":"5a5a5a5a","tx":[{"t":"calls","put":9,"doc":{"n"' % seq,
    "whole line, newline missing": lambda seq: sealed_line(seq, tx({"t": "calls", "put": 9, "doc": {"n": 9}})),
    "only the first bytes": lambda seq: b'{"se',
    "zero-fill after a power cut": lambda seq: b"\0" * 300,
}


@pytest.mark.parametrize("case", list(TORN))
def test_a_torn_last_line_is_set_aside_reported_then_cut(path: Path, case: str) -> None:
    _file_with_calls(path)
    good = path.read_bytes()
    tail = TORN[case](seq_of(raw_lines(path)[-1]) + 1)
    path.write_bytes(good + tail)

    with open_db(path, read_only=True) as ro:
        assert sorted(d.doc_id for d in ro.table("calls")) == [1, 2, 3]
        assert ro.storage.torn_tail_bytes == len(tail)
        [notice] = ro.storage.notices
        assert notice.kind == "torn" and f"{len(tail)} " in notice.text and str(notice.path) in notice.text
        assert notice.path.read_bytes() == tail and notice.path.parent == backups_dir(path)
    assert path.read_bytes() == good + tail  # a reader never changes the ledger

    db = open_db(path)  # the writer keeps the bytes (once), then cuts them off
    [again] = db.storage.notices
    assert again.kind == "torn" and again.path == notice.path
    assert list(backups_dir(path).glob("*.bytes")) == [notice.path]
    assert path.read_bytes() == good
    assert sorted(d.doc_id for d in db.table("calls")) == [1, 2, 3]
    assert db.table("calls").insert({"n": 4}) == 4
    data = path.read_bytes()
    assert data.startswith(good) and body(data[len(good):]) == tx({"t": "calls", "put": 4, "doc": {"n": 4}})
    db.close()
    with open_db(path) as db:
        assert sorted(d.doc_id for d in db.table("calls")) == [1, 2, 3, 4]
        assert db.storage.notices == []  # said once


def test_a_torn_tail_that_names_its_transaction_says_which(path: Path) -> None:
    _file_with_calls(path)
    seq = seq_of(raw_lines(path)[-1]) + 1
    with path.open("ab") as f:
        f.write(b'{"seq":%d,"crc":"0badf00d","tx":[{"t":"calls","put":4,"doc":{}},{"t":"promises","put":1,"do' % seq)
    with open_db(path) as db:
        [notice] = db.storage.notices
    assert f"transaction {seq} (writing calls, promises), never acknowledged" in notice.text


# -- damage ------------------------------------------------------------------------


def _damaged_file(path: Path) -> list[bytes]:
    """header / snapshot calls / snapshot promises / tx / tx / tx, as lines without newlines."""
    with open_db(path) as db:
        db.table("calls").insert_multiple({"n": i} for i in range(3))
        db.table("promises").insert({"due": "2024-06-01"})
        db.compact()
        db.table("calls").insert({"n": 3})
        db.table("calls").update({"n": 30}, doc_ids=[4])
        db.table("promises").insert({"due": "2024-07-01"})
    result = path.read_bytes().split(b"\n")
    assert result[-1] == b"" and len(result) == 7
    return result[:-1]


def _join(lines_: list[bytes]) -> bytes:
    return b"".join(line + b"\n" for line in lines_)


def _flip(line: bytes, at: int) -> bytes:
    return line[:at] + bytes([line[at] ^ 0x20]) + line[at + 1:]


DAMAGE = {
    # name: (how to damage the lines, line number reported, words in the message). The
    # bytes change and nothing else: checksums and the seal stay as the writer left them.
    "file cut in the middle of the snapshot": (
        lambda ls: _join(ls[:1]) + ls[1][: len(ls[1]) // 2], 2, "cut short"),
    "file cut at the end of a line": (lambda ls: _join(ls[:4]), 5, "2 acknowledged lines are missing"),
    "last line dropped": (lambda ls: _join(ls[:5]), 6, "1 acknowledged line is missing"),
    "journal line cut short mid-file": (
        lambda ls: _join(ls[:3] + [ls[3][:-9]] + ls[4:]), 4, "checksum does not match"),
    "one byte flipped in a document": (lambda ls: _join(ls[:4] + [_flip(ls[4], 60)] + ls[5:]), 5, "checksum"),
    "one byte flipped in a sequence number": (lambda ls: _join(ls[:4] + [_flip(ls[4], 7)] + ls[5:]), 5, "sequence number"),
    "a newline turned into a space": (lambda ls: _join(ls[:3] + [ls[3] + b" " + ls[4]] + ls[5:]), 4, "checksum"),
    "a line dropped mid-file": (lambda ls: _join(ls[:4] + ls[5:]), 5, "1 line missing before this one"),
    "a line repeated": (lambda ls: _join(ls[:5] + [ls[4]] + ls[5:]), 6, "repeats an earlier one"),
    "two lines swapped": (lambda ls: _join(ls[:3] + [ls[4], ls[3]] + ls[5:]), 4, "1 line missing before this one"),
    "blank line in the middle": (lambda ls: _join(ls[:4] + [b""] + ls[4:]), 5, "no sequence number"),
    "binary garbage mid-file": (lambda ls: _join(ls[:2] + [b"\xff\xfe\x00garbage"] + ls[2:]), 3, "no sequence number"),
    "header missing": (lambda ls: _join(ls[1:]), 1, "not a callroom file"),
    "header of another format": (lambda ls: _join([b'{"format": "tinydb", "schema": 1}'] + ls[1:]), 1, "not a callroom file"),
    "header that is not JSON": (lambda ls: _join([b"callroom v1"] + ls[1:]), 1, "not valid JSON"),
    "garbage appended after a cut": (lambda ls: _join(ls[:4]) + b"PK\x03\x04 zip bytes", 5, "cut short"),
}


@pytest.mark.parametrize("case", sorted(DAMAGE))
@pytest.mark.parametrize("read_only", [False, True])
def test_damage_is_refused_with_file_and_line_and_file_is_untouched(path: Path, case: str, read_only: bool) -> None:
    damage, line, words = DAMAGE[case]
    path.write_bytes(damage(_damaged_file(path)))
    _assert_refused(path, read_only, line, words)


def _assert_refused(path: Path, read_only: bool, line: int, words: str) -> None:
    before, seal = path.read_bytes(), seal_path_for(path).read_bytes() if seal_path_for(path).exists() else None
    kept = sorted(backups_dir(path).glob("*")) if backups_dir(path).exists() else []
    with pytest.raises(DamagedFileError) as err:
        open_db(path, read_only=read_only)
    message = str(err.value)
    assert str(path) in message and f"line {line}:" in message and words in message, message
    assert "callroom repair" in message and "--salvage" in message
    assert err.value.line == line
    assert path.read_bytes() == before
    # The failed open released the writer lock: a second attempt fails the same way, not with LockedError.
    with pytest.raises(DamagedFileError):
        open_db(path)
    assert path.read_bytes() == before
    assert (seal_path_for(path).read_bytes() if seal_path_for(path).exists() else None) == seal
    assert (sorted(backups_dir(path).glob("*")) if backups_dir(path).exists() else []) == kept  # not even copied


WELL_SEALED = {
    # Lines a faulty program could write with correct checksums: the shape is still checked.
    "transaction that is not a list": (lambda bs: bs[:4] + [{"tx": {"t": "calls", "del": 1}}] + bs[4:], 5, "tx"),
    "operation of an unknown kind": (lambda bs: bs[:4] + [tx({"t": "calls", "frob": 1})] + bs[4:], 5, "neither put"),
    "snapshot after the journal": (lambda bs: bs[:4] + [bs[1]] + bs[4:], 5, "after journal"),
    "line of an unknown shape": (lambda bs: bs[:4] + [{"something": 1}] + bs[4:], 5, "neither"),
    "snapshot document that is not an object": (
        lambda bs: bs[:1] + [{"table": "calls", "docs": {"1": {"n": 0}, "2": [1, 2]}}] + bs[2:], 2, "not a JSON object"),
    "journal document that is not an object": (
        lambda bs: bs[:4] + [tx({"t": "calls", "put": 9, "doc": "hello"})] + bs[4:], 5, "not a JSON object"),
    "document id that is not a number": (
        lambda bs: bs[:1] + [{"table": "calls", "docs": {"one": {"n": 0}}}] + bs[2:], 2, "not a whole number"),
    "a document on two snapshot lines": (
        lambda bs: bs[:2] + [{"table": "calls", "docs": {"2": {"n": 1}}}] + bs[2:], 3, "appears on an earlier line"),
    "header without a schema": (lambda bs: [{k: v for k, v in bs[0].items() if k != "schema"}] + bs[1:], 1, "schema"),
    "header without a ledger id": (lambda bs: [{k: v for k, v in bs[0].items() if k != "ledger"}] + bs[1:], 1, "ledger id"),
}


@pytest.mark.parametrize("case", sorted(WELL_SEALED))
@pytest.mark.parametrize("read_only", [False, True])
def test_a_well_sealed_file_of_the_wrong_shape_is_refused(path: Path, case: str, read_only: bool) -> None:
    change, line, words = WELL_SEALED[case]
    _damaged_file(path)
    write_sealed(path, change(bodies(path)))
    _assert_refused(path, read_only, line, words)


def _legacy_damaged_file(path: Path) -> list[bytes]:
    """The same file in layout 1 (callroom 0.1), as lines without newlines."""
    legacy_file(path, {"calls": {"1": {"n": 0}, "2": {"n": 1}, "3": {"n": 2}}, "promises": {"1": {"due": "2024-06-01"}}},
                [[{"t": "calls", "put": 4, "doc": {"n": 3}}], [{"t": "calls", "put": 4, "doc": {"n": 30}}],
                 [{"t": "promises", "put": 2, "doc": {"due": "2024-07-01"}}]])
    return raw_lines(path)


LEGACY_DAMAGE = {
    # The reader of the old layout refuses what callroom 0.1 refused.
    "file cut in the middle of the snapshot": (
        lambda ls: _join(ls[:1]) + ls[1][: len(ls[1]) // 2], 2, "truncated"),
    "journal line cut short mid-file": (
        lambda ls: _join(ls[:3] + [ls[3][:-9]] + ls[4:]), 4, "not valid JSON"),
    "invalid JSON in the middle": (
        lambda ls: _join(ls[:4] + [b'{"tx": [ oops'] + ls[5:]), 5, "not valid JSON"),
    "blank line in the middle": (
        lambda ls: _join(ls[:4] + [b""] + ls[4:]), 5, "not valid JSON"),
    "line of an unknown shape": (
        lambda ls: _join(ls[:4] + [b'{"something": 1}'] + ls[4:]), 5, "neither"),
    "transaction that is not a list": (
        lambda ls: _join(ls[:4] + [b'{"tx": {"t": "calls", "del": 1}}'] + ls[4:]), 5, "tx"),
    "operation of an unknown kind": (
        lambda ls: _join(ls[:4] + [b'{"tx": [{"t": "calls", "frob": 1}]}'] + ls[4:]), 5, "neither put"),
    "snapshot after the journal": (
        lambda ls: _join(ls[:4] + [ls[1]] + ls[4:]), 5, "after journal"),
    "snapshot document that is not an object": (
        lambda ls: _join(ls[:1] + [b'{"table": "calls", "docs": {"1": {"n": 0}, "2": [1, 2]}}'] + ls[2:]), 2, "not a JSON object"),
    "document id that is not a number": (
        lambda ls: _join(ls[:1] + [b'{"table": "calls", "docs": {"one": {"n": 0}}}'] + ls[2:]), 2, "not a whole number"),
    "header missing": (lambda ls: _join(ls[1:]), 1, "not a callroom file"),
    "header without a schema": (
        lambda ls: _join([b'{"format": "callroom", "created": "x"}'] + ls[1:]), 1, "schema"),
    "binary garbage mid-file": (
        lambda ls: _join(ls[:2] + [b"\xff\xfe\x00garbage"] + ls[2:]), 3, "UTF-8"),
}


@pytest.mark.parametrize("case", sorted(LEGACY_DAMAGE))
@pytest.mark.parametrize("read_only", [False, True])
def test_damage_in_a_file_of_the_old_layout_is_refused_too(path: Path, case: str, read_only: bool) -> None:
    damage, line, words = LEGACY_DAMAGE[case]
    path.write_bytes(damage(_legacy_damaged_file(path)))
    _assert_refused(path, read_only, line, words)


def test_newer_schema_is_refused_naming_both_versions(path: Path) -> None:
    with open_db(path, schema=4) as db:
        db.table("calls").insert({"n": 1})
    before = path.read_bytes()
    for read_only in (False, True):
        with pytest.raises(NewerSchemaError) as err:
            open_db(path, schema=3, read_only=read_only)
        assert str(path) in str(err.value) and "4" in str(err.value) and "3" in str(err.value)
        assert (err.value.file_schema, err.value.code_schema) == (4, 3)
    assert path.read_bytes() == before


def test_older_schema_is_exposed_and_a_migration_bumps_it_atomically(path: Path) -> None:
    with open_db(path, schema=1) as db:
        db.table("calls").insert({"minutes": 3})
    with open_db(path, schema=2) as db:
        assert db.storage.file_schema == 1
        migrated = {"calls": {k: {"seconds": v["minutes"] * 60} for k, v in db.storage.read()["calls"].items()}}
        db.storage.rewrite(migrated, schema=2)
        assert db.table("calls").get(doc_id=1) == {"seconds": 180}
    with open_db(path, schema=2) as db:
        assert db.storage.file_schema == 2
        assert db.table("calls").get(doc_id=1) == {"seconds": 180}


def test_salvage_reads_the_readable_part(path: Path) -> None:
    ls = _damaged_file(path)
    ls[1] = _flip(ls[1], 40)  # the calls snapshot line: its documents are lost
    ls[4] = ls[4][:-12] + b"garbled}]}"  # the update of call 4 to n=30: the journal stops there
    path.write_bytes(_join(ls))
    before = path.read_bytes()

    data, problems = JournalStorage.salvage(path)
    assert data["calls"] == {"4": {"n": 3}}  # put on line 4, before the damage
    assert data["promises"] == {"1": {"due": "2024-06-01"}}  # line 6 comes after it
    assert [(p.line, p.what.split(":")[0]) for p in problems] == [
        (2, "the checksum does not match"), (5, "the checksum does not match"), (5, "1 later journal line left out")]
    assert all(str(p).startswith(f"line {p.line}: ") for p in problems)

    with open_db(path, read_only=True, salvage=True) as db:
        assert len(db.table("calls")) == 1
        assert [p.line for p in db.storage.problems] == [p.line for p in problems]
        with pytest.raises(ReadOnlyError):
            db.table("calls").insert({"n": 1})
    assert path.read_bytes() == before
    with pytest.raises(ValueError):
        open_db(path, salvage=True)  # salvage is read-only only


def test_salvage_keeps_every_intact_snapshot_line_of_a_table(path: Path, monkeypatch) -> None:
    from callroom.store import format as fmt

    monkeypatch.setattr(fmt, "SNAPSHOT_DOCS", 10)
    with open_db(path) as db:
        db.table("calls").insert_multiple({"n": i} for i in range(35))
        db.compact()
        db.table("calls").insert({"n": 35})
    ls = raw_lines(path)
    assert [body(line).get("table") for line in ls] == [None, "calls", "calls", "calls", "calls", None]
    ls[2] = _flip(ls[2], 50)
    path.write_bytes(_join(ls))
    data, problems = JournalStorage.salvage(path)
    assert sorted(map(int, data["calls"])) == list(range(1, 11)) + list(range(21, 37))
    assert [p.line for p in problems] == [3]


def test_salvage_of_a_healthy_file_finds_no_problems(path: Path) -> None:
    _file_with_calls(path)
    data, problems = JournalStorage.salvage(path)
    assert problems == [] and set(data["calls"]) == {"1", "2", "3"}


# -- transactions ------------------------------------------------------------------


def test_transaction_is_one_journal_line(path: Path) -> None:
    with open_db(path) as db:
        with db.transaction():
            call = db.table("calls").insert({"n": 1})
            db.table("promises").insert({"call": call})
            db.table("calls").update({"linked": True}, doc_ids=[call])
            assert db.table("calls").get(doc_id=call) == {"n": 1, "linked": True}  # reads see the tx
        tx_lines = lines(path)[1:]
    assert len(tx_lines) == 1
    assert [(op["t"], op.get("put")) for op in tx_lines[0]["tx"]] == [("calls", 1), ("promises", 1), ("calls", 1)]
    with open_db(path) as db:
        assert db.table("calls").get(doc_id=1) == {"n": 1, "linked": True}
        assert db.table("promises").get(doc_id=1) == {"call": 1}


def test_exception_in_transaction_leaves_nothing_on_disk_or_in_memory(path: Path) -> None:
    db = open_db(path)
    calls = db.table("calls")
    calls.insert_multiple([{"n": 1, "tags": ["a"]}, {"n": 2}])
    before_file, before_data = path.read_bytes(), snapshot(db)
    assert len(calls.search(q.n == 1)) == 1  # fill the query cache
    with pytest.raises(RuntimeError):
        with db.transaction():
            calls.insert({"n": 3})
            calls.update(lambda d: d["tags"].append("b"), doc_ids=[1])
            calls.update({"n": 1}, doc_ids=[2])
            calls.remove(doc_ids=[1])
            db.table("new").insert({"x": 1})
            db.table("promises").truncate()
            assert len(calls.search(q.n == 1)) == 1  # doc 2 now, in the tx
            raise RuntimeError("operator pressed undo")
    assert path.read_bytes() == before_file
    assert snapshot(db) == before_data
    assert "new" not in db.tables() and "promises" not in db.tables()
    assert [d.doc_id for d in calls.search(q.n == 1)] == [1]  # no stale cached result
    db.close()
    with open_db(path) as db:
        assert snapshot(db) == before_data


def test_nested_transaction_failure_is_undone_alone(path: Path) -> None:
    with open_db(path) as db:
        calls = db.table("calls")
        with db.transaction():
            calls.insert({"n": 1})
            with pytest.raises(KeyError):
                with db.transaction():
                    calls.insert({"n": 2})
                    raise KeyError("inner")
            calls.insert({"n": 3})
        assert len(lines(path)) == 2
    with open_db(path) as db:
        assert sorted(d["n"] for d in db.table("calls")) == [1, 3]


def test_transaction_with_no_writes_writes_nothing(path: Path) -> None:
    with open_db(path) as db:
        db.table("calls").insert({"n": 2})
        before = path.read_bytes()
        with db.transaction():
            db.table("calls").update({"x": 1}, q.n == 1)  # matches nothing
            db.table("calls").update({"n": 2}, doc_ids=[1])  # changes nothing
            db.table("calls").remove(doc_ids=[5])  # not there
        assert path.read_bytes() == before


def test_storage_apply_accepts_op_tuples(path: Path) -> None:
    storage = JournalStorage(path)
    storage.apply([Put("a", 1, {"x": 1}), Put("a", 2, {"x": 2}), Put("b", 1, {})])
    storage.apply([Delete("a", 1), Clear("b"), Delete("nope", 5)])
    assert storage.read() == {"a": {"2": {"x": 2}}, "b": {}}
    with pytest.raises(ValueError):
        storage.apply([Put("a", -1, {})])
    storage.close()
    reread = JournalStorage(path, read_only=True)
    assert reread.read() == {"a": {"2": {"x": 2}}, "b": {}}


# -- compaction --------------------------------------------------------------------


def test_compaction_keeps_everything_and_shrinks_the_file(path: Path, tmp_path: Path) -> None:
    db = open_db(path)
    calls = db.table("calls")
    calls.insert_multiple({"n": i, "note": "x" * 50} for i in range(200))
    for i in range(1, 201):
        calls.update({"n": -i}, doc_ids=[i])
    calls.remove(q.n < -150)
    db.table("empty").truncate()
    expected, old_bytes = snapshot(db), path.read_bytes()

    backups = tmp_path / "backups"
    backups.mkdir()
    backup = db.compact(backup_to=backups)
    assert backup is not None and backup.parent == backups and backup.read_bytes() == old_bytes
    assert path.stat().st_size < len(old_bytes) / 3
    assert [set(line) for line in lines(path)] == [
        {"format", "layout", "schema", "created", "ledger", "gen"}, {"table", "docs"}, {"table", "docs"}]
    assert snapshot(db) == expected
    assert calls.insert({"n": 0}) == 201  # appends go to the new file
    db.close()
    with open_db(path) as db:
        expected["calls"].append((201, {"n": 0}))
        assert snapshot(db) == expected
    assert not list(tmp_path.glob(".*.tmp"))


def test_maybe_compact_follows_the_thresholds(path: Path) -> None:
    with CallroomDB(path, compact_after_ops=10) as db:
        db.table("calls").insert_multiple({"n": i} for i in range(9))  # one line, 9 ops
        assert not db.storage.needs_compaction and not db.maybe_compact()
        db.table("calls").insert({"n": 9})
        assert db.storage.needs_compaction
        assert db.maybe_compact() and db.storage.journal_ops == 0
        assert len(lines(path)) == 2
    # Bytes rule: journal bigger than snapshot (and than the 64 KiB floor).
    with open_db(path) as db:
        for i in range(300):
            db.table("calls").insert({"blob": "y" * 400})
        assert db.storage.journal_ops < 5000 and db.storage.needs_compaction
    assert len(lines(path)) == 2  # close() compacted
    with open_db(path, read_only=True) as ro:
        assert len(ro.table("calls")) == 310
        assert not ro.maybe_compact()


# -- disk failures -------------------------------------------------------------------


class FlakyDisk(Disk):
    """A disk that fills up: short writes, then ENOSPC; optionally failing fsync/ftruncate too."""

    def __init__(self) -> None:
        self.full = False
        self.fsync_fails = False
        self.truncate_fails = False
        self.calls: list[str] = []

    def pwrite(self, fd: int, data, offset: int) -> int:
        self.calls.append("pwrite")
        if self.full:
            if len(data) > 1:
                return os.pwrite(fd, bytes(data[: len(data) // 2]), offset)  # short write...
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))  # ...then full
        return super().pwrite(fd, data, offset)

    def fsync(self, fd: int) -> None:
        self.calls.append("fsync")
        if self.fsync_fails:
            raise OSError(errno.EIO, os.strerror(errno.EIO))
        super().fsync(fd)

    def ftruncate(self, fd: int, length: int) -> None:
        self.calls.append("ftruncate")
        if self.truncate_fails:
            raise OSError(errno.EIO, os.strerror(errno.EIO))
        super().ftruncate(fd, length)


@pytest.mark.parametrize("fault", ["full", "fsync", "full+truncate"])
def test_failed_append_is_rolled_back_and_a_retry_succeeds(path: Path, fault: str) -> None:
    disk = FlakyDisk()
    db = CallroomDB(path, disk=disk)
    calls = db.table("calls")
    calls.insert_multiple([{"n": 1}, {"n": 2}])
    before_file, before_data = path.read_bytes(), snapshot(db)

    disk.full = "full" in fault
    disk.fsync_fails = fault == "fsync"
    disk.truncate_fails = "truncate" in fault
    with pytest.raises(StorageWriteError) as err:
        calls.insert({"n": 3, "note": "x" * 100})
    assert str(path) in str(err.value)
    assert "No space left" in str(err.value) or "Input/output error" in str(err.value)
    with pytest.raises(StorageWriteError):
        with db.transaction():
            calls.update({"n": 20}, doc_ids=[2])
            db.table("promises").insert({"x": 1})
    assert snapshot(db) == before_data
    if not disk.truncate_fails:
        assert path.read_bytes() == before_file  # no half line left behind
    else:
        assert path.read_bytes().startswith(before_file)  # the junk is past the valid end...

    disk.full = disk.fsync_fails = disk.truncate_fails = False
    new_id = calls.insert({"n": 3})
    after = path.read_bytes()
    assert after.startswith(before_file)  # ...and is cut off before the retry is written
    assert body(after[len(before_file):]) == tx({"t": "calls", "put": new_id, "doc": {"n": 3}})
    db.close()
    with open_db(path) as db:
        assert [dict(d) for d in db.table("calls")] == [{"n": 1}, {"n": 2}, {"n": 3}]
        assert "promises" not in db.tables()


def test_failed_compaction_leaves_the_file_and_memory_alone(path: Path, tmp_path: Path) -> None:
    disk = FlakyDisk()
    db = CallroomDB(path, disk=disk)
    db.table("calls").insert_multiple({"n": i} for i in range(50))
    before_file, before_data = path.read_bytes(), snapshot(db)
    disk.full = True
    with pytest.raises(StorageWriteError):
        db.compact()
    with pytest.raises(StorageWriteError):
        db.drop_table("calls")  # TinyDB edits the live data before write(): must be undone
    assert path.read_bytes() == before_file
    assert snapshot(db) == before_data
    assert not list(tmp_path.glob(".*.tmp"))
    disk.full = False
    db.compact()
    db.close()  # close() must not raise after the fault is gone
    with open_db(path) as db:
        assert snapshot(db) == before_data


def test_close_does_not_raise_when_auto_compaction_fails(path: Path) -> None:
    disk = FlakyDisk()
    db = CallroomDB(path, disk=disk, compact_after_ops=1)
    db.table("calls").insert({"n": 1})
    disk.full = True
    db.close()
    with open_db(path) as db:  # and the lock was released
        assert len(db.table("calls")) == 1


# -- read-only and the writer lock ---------------------------------------------------------


def test_read_only_never_writes_and_takes_no_lock(path: Path) -> None:
    _file_with_calls(path)
    lock_path_for(path).unlink()
    before = path.read_bytes()
    with open_db(path, read_only=True) as ro:
        assert not lock_path_for(path).exists()
        with open_db(path) as writer:  # a writer can still open it
            writer.table("calls").insert({"n": 99})
        for attempt in (
            lambda: ro.table("calls").insert({"n": 1}),
            lambda: ro.table("calls").update({"n": 1}, doc_ids=[1]),
            lambda: ro.table("calls").remove(doc_ids=[1]),
            lambda: ro.table("calls").truncate(),
            lambda: ro.compact(),
            lambda: ro.drop_tables(),
            lambda: ro.transaction().__enter__(),
        ):
            with pytest.raises(ReadOnlyError):
                attempt()
        assert len(ro.table("calls")) == 3
    assert path.read_bytes() != before  # the writer's insert...
    with open_db(path, read_only=True) as ro:
        assert len(ro.table("calls")) == 4  # ...is there, the read-only one wrote nothing
    with pytest.raises(FileNotFoundError):
        open_db(path.with_name("missing.callroom"), read_only=True)
    assert not path.with_name("missing.callroom").exists()


def test_second_writer_gets_a_message_naming_the_holder(path: Path) -> None:
    with open_db(path, program="callroom"):
        with pytest.raises(LockedError) as err:
            open_db(path)
    message = str(err.value)
    assert f"pid {os.getpid()} on {socket.gethostname()}, since " in message
    assert str(path) in message and "--read-only" in message
    assert err.value.holder is not None and err.value.holder.program == "callroom"
    with open_db(path):  # released on close
        pass


HOLDER = textwrap.dedent(
    """
    import sys, time
    sys.path.insert(0, {src!r})
    from callroom.store.journal import open_db
    db = open_db({path!r})
    db.table("calls").insert({{"from": "child"}})
    print("ready", flush=True)
    time.sleep(60)
    """
)


def test_lock_of_a_killed_process_is_recovered(path: Path) -> None:
    child = subprocess.Popen(
        [sys.executable, "-c", HOLDER.format(src=SRC, path=str(path))], stdout=subprocess.PIPE, text=True
    )
    try:
        assert child.stdout is not None and child.stdout.readline().strip() == "ready"
        with pytest.raises(LockedError) as err:
            open_db(path)
        assert f"pid {child.pid} " in str(err.value)
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait()
    assert read_holder(lock_path_for(path)).pid == child.pid  # the dead holder's details are still there
    with open_db(path) as db:  # but the kernel released its flock
        assert db.table("calls").all() == [{"from": "child"}]
        assert read_holder(lock_path_for(path)).pid == os.getpid()


def _race(path: str, barrier, results) -> None:
    barrier.wait()
    try:
        db = open_db(path)
    except LockedError as exc:
        results.put(("locked", os.getpid(), str(exc)))
        barrier.wait()  # the winner keeps the lock until everyone has tried
        return
    db.table("winners").insert({"pid": os.getpid()})
    results.put(("won", os.getpid(), ""))
    barrier.wait()
    db.close()


def test_simultaneous_opens_have_exactly_one_winner(tmp_path: Path) -> None:
    ctx = multiprocessing.get_context("fork")
    racers = 4
    path = tmp_path / "race.callroom"  # created by the race itself
    for round_ in range(20):
        barrier, results = ctx.Barrier(racers), ctx.Queue()
        procs = [ctx.Process(target=_race, args=(str(path), barrier, results)) for _ in range(racers)]
        for p in procs:
            p.start()
        outcomes = [results.get(timeout=30) for _ in range(racers)]
        for p in procs:
            p.join(timeout=30)
            assert p.exitcode == 0
        winners = [pid for kind, pid, _ in outcomes if kind == "won"]
        assert len(winners) == 1, (round_, outcomes)
        for kind, _, message in outcomes:
            if kind == "locked":
                assert f"pid {winners[0]} " in message, message
    with open_db(path) as db:
        assert len(db.table("winners")) == 20
