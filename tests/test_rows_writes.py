"""Writing to a table of rows (records kept in the ledger file, read when asked for) and
taking it back: a transaction that fails puts back exactly what was there, in the same
order, without reading the file or keeping copies of what it holds; a bulk read gives
what reads one by one give; a bulk save reads each old record once."""

from __future__ import annotations

import errno
import importlib.util
import os
import shutil
from pathlib import Path

import pytest

from callroom import demo
from callroom.importers import parse_file
from callroom.importers.reconcile import plan_import
from callroom.services import apply_import
from callroom.store import StorageWriteError, open_store
from callroom.store.disk import Disk
from callroom.store.format import Put
from callroom.store.journal import open_db
from callroom.store.repo import record_of
from callroom.store.rows import ABSENT, BASE, Rows, Source

from support import TODAY

BENCH = Path(__file__).resolve().parents[1] / "bench" / "run.py"
TINY = {"clients": 40, "invoices": 200, "calls": 600, "promises": 100, "import_rows": 150, "history_calls": 50}

#: The keys of the ``table`` fixture, by how the table holds them.
UNTOUCHED, REPLACED, DELETED, DELETED_PUT_AGAIN, ADDED, NOWHERE = "1", "2", "3", "4", "8", "99"


def doc(n: int) -> dict:
    return {"n": n, "tags": ["a", {"deep": [n]}], "text": f"record {n}"}


@pytest.fixture
def path(tmp_path: Path) -> Path:
    """Seven records written whole (a snapshot: read from the file when asked for), then a
    journal: #2 replaced, #3 deleted, #4 deleted and put again, #8 added."""
    path = tmp_path / "ledger.jsonl"
    db = open_db(path)
    db.table("t").insert_multiple(doc(n) for n in range(1, 8))
    db.compact()
    db.close()
    db = open_db(path)
    t = db.table("t")
    t.update({"n": 20}, doc_ids=[2])
    t.remove(doc_ids=[3, 4])
    t.insert(doc(40))  # a new id (8), then #4 again under its own id:
    db.storage.apply([Put("t", 4, doc(41))])
    db.close()
    return path


@pytest.fixture
def db(path: Path):
    db = open_db(path)
    yield db
    db.close()


def rows_of(db) -> Rows:
    table = db.storage.read()["t"]
    assert isinstance(table, Rows)
    return table


class Reads:
    """Counts the reads from the ledger file (each ``Source.read`` is one ``pread``)."""

    def __init__(self, monkeypatch) -> None:
        self.count = 0
        real = Source.read

        def read(source, offset, length):
            self.count += 1
            return real(source, offset, length)

        monkeypatch.setattr(Source, "read", read)


def test_the_fixture_holds_each_kind_of_key(db):
    rows = rows_of(db)
    assert list(rows) == ["1", "2", "5", "6", "7", "8", "4"]
    assert rows.in_memory == 3  # #2 replaced, #8 and #4 added
    assert rows[UNTOUCHED] == doc(1) and rows[REPLACED]["n"] == 20 and rows[DELETED_PUT_AGAIN] == doc(41)
    assert DELETED not in rows and NOWHERE not in rows


@pytest.mark.parametrize("key", [UNTOUCHED, REPLACED, DELETED, DELETED_PUT_AGAIN, ADDED, NOWHERE])
@pytest.mark.parametrize("how", ["put", "drop", "put, put", "drop, put", "put, drop"])
def test_undo_puts_back_what_was_there_in_its_place_without_reading_the_file(db, monkeypatch, key, how):
    rows = rows_of(db)
    before, held, size = list(rows.items()), rows.in_memory, len(rows)
    reads = Reads(monkeypatch)
    undo = []
    for step in how.split(", "):
        undo.append(rows.put(key, {"new": step}) if step == "put" else rows.drop(key))
    assert reads.count == 0  # what was there is not read, nor copied
    if how == "put" and key == UNTOUCHED:
        assert undo == [BASE]
    if how.startswith("drop") and key in (DELETED, NOWHERE):
        assert undo[0] is ABSENT
    for old in reversed(undo):
        rows.undo(key, old)
    assert reads.count == 0
    assert list(rows.items()) == before  # the same records, in the same order
    assert len(rows) == size and rows.in_memory == held  # a record of the file is read from it again
    if key == UNTOUCHED:
        assert rows[key] == doc(1) and rows[key] is not rows[key]


def test_a_failed_transaction_restores_the_rows_and_the_file_is_untouched(path: Path, db, monkeypatch):
    rows = rows_of(db)
    t = db.table("t")
    before, held, raw = list(rows.items()), rows.in_memory, path.read_bytes()
    with pytest.raises(RuntimeError):
        with db.transaction():
            t.update(lambda d: d["tags"].append("changed"), doc_ids=[1])  # untouched: the file's copy
            t.update({"n": 200}, doc_ids=[2])
            assert t.insert(doc(9)) == 9
            t.remove(doc_ids=[5, 8])
            db.storage.apply([Put("t", 3, doc(30)), Put("t", 5, doc(50))])  # deleted before; deleted in here
            assert rows["1"]["tags"][-1] == "changed" and rows["5"] == doc(50) and "8" not in rows
            raise RuntimeError("the owner cancelled")
    assert list(rows.items()) == before and rows.in_memory == held
    assert rows["1"] == doc(1) and rows["1"] is not rows["1"]  # read from the file again, as it was
    assert [d.doc_id for d in t.all()] == [int(k) for k, _ in before]
    assert path.read_bytes() == raw
    db.close()
    again = open_db(path)
    try:
        assert list(rows_of(again).items()) == before
    finally:
        again.close()


def test_nested_savepoint_undone_alone_keeps_the_outer_writes(path: Path, db):
    rows = rows_of(db)
    t = db.table("t")
    with db.transaction():
        t.update({"n": 100}, doc_ids=[1])
        with pytest.raises(KeyError):
            with db.transaction():
                t.update({"n": 101}, doc_ids=[1])
                t.remove(doc_ids=[6])
                raise KeyError("inner")
        assert rows["1"]["n"] == 100 and rows["6"] == doc(6)
    db.close()
    again = open_db(path)
    try:
        assert rows_of(again)["1"]["n"] == 100 and list(rows_of(again))[:4] == ["1", "2", "5", "6"]
    finally:
        again.close()


def test_get_many_is_get_of_each_read_in_one_pass(db, monkeypatch):
    rows = rows_of(db)
    keys = [UNTOUCHED, "7", REPLACED, DELETED, DELETED_PUT_AGAIN, ADDED, NOWHERE, "01", "5", UNTOUCHED, "6", "5"]
    one_by_one = [rows.get(k) for k in keys]
    reads = Reads(monkeypatch)
    many = rows.get_many(keys)
    assert many == one_by_one
    assert reads.count == 1  # #1, #5, #6 and #7 lie together in the file
    assert many[0] is not many[9] and many[8] is not many[11]  # a record of its own each time, as get gives
    many[0]["tags"][1]["deep"].append("x")
    assert rows[UNTOUCHED] == doc(1)
    assert rows.get_many([]) == []


def test_save_records_reads_each_old_record_once_and_stores_what_saves_one_by_one_store(tmp_path: Path, monkeypatch):
    path = tmp_path / "ledger.jsonl"
    store = open_store(path)
    demo.load(store, TODAY)
    store.db.compact()
    store.close()
    for f in (path, path.with_name(path.name + ".seal")):
        shutil.copy(f, tmp_path / f.name.replace("ledger", "other"))
    ro = open_store(path, read_only=True)
    ids = [inv.id for inv in ro.ledger.all_invoices()][:12]
    ro.close()

    stored = []
    for bulk in (True, False):
        store = open_store(path if bulk else tmp_path / "other.jsonl")
        invoices = store.ledger.invoices
        changed = [invoices.get(i).with_(terms=f"Net {n}") if n % 3 else invoices.get(i) for n, i in enumerate(ids)]
        size = store.path.stat().st_size
        if bulk:
            reads = Reads(monkeypatch)
            one = []
            monkeypatch.setattr(Rows, "_read", lambda self, p: one.append(p) or pytest.fail("read one by one"))
            invoices.save_records([(inv.id, record_of(inv)) for inv in changed])
            assert reads.count == 1 and one == []
            monkeypatch.undo()
        else:
            for inv in changed:
                invoices.save(inv)
        assert store.path.stat().st_size > size
        stored.append([invoices.get(i) for i in ids])
        store.close()
        ro = open_store(store.path, read_only=True)
        stored.append(list(ro.db.storage.read()["invoices"].items()))
        ro.close()
    assert stored[0] == stored[2] and stored[1] == stored[3]


def test_save_records_of_what_is_stored_already_writes_nothing(demo_store):
    demo_store.db.compact()
    invoices = demo_store.ledger.invoices
    same = [(inv.id, record_of(inv)) for inv in invoices.all()[:5]]
    before = demo_store.path.read_bytes()
    invoices.save_records(same)
    assert demo_store.path.read_bytes() == before


# -- an import that cannot be stored ---------------------------------------------------------------


class JournalFull(Disk):
    """A disk that refuses to write to one file (the ledger), once told which."""

    def __init__(self) -> None:
        self.fd: int | None = None

    def pwrite(self, fd: int, data, offset: int) -> int:
        if fd == self.fd:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return super().pwrite(fd, data, offset)


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    """A small ledger from the benchmark's generator (written whole, as after a compaction)
    and an import of it that adds and updates invoices, clients and payments."""
    spec = importlib.util.spec_from_file_location("callroom_bench_run_rows", BENCH)
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    ledger, csv, _ = bench.cached_ledger(TINY, 6, tmp_path_factory.mktemp("generated"))
    return ledger, csv


def _tables(store) -> dict[str, list]:
    return {name: list(docs.items()) for name, docs in store.db.storage.read().items()}


@pytest.mark.parametrize("fails", ["at the write", "half-way"])
def test_an_import_that_fails_leaves_the_ledger_and_memory_as_they_were(generated, tmp_path: Path, monkeypatch, fails):
    ledger, csv = generated
    path = tmp_path / "ledger.jsonl"
    for f in ledger.parent.glob(ledger.name + "*"):  # the ledger, its seal and its summary
        if f.is_file():
            shutil.copy(f, tmp_path / f.name.replace(ledger.name, path.name))
    disk = JournalFull()
    store = open_store(path, disk=disk)
    parsed = parse_file(csv, date_order=None, mapping=None)
    plan = plan_import([parsed], store.clients.all(), store.ledger.all_invoices(), as_of=TODAY, full=False,
                       default_currency="USD")
    assert plan.counts.new_invoices and plan.counts.updated and plan.counts.payments
    before, raw = _tables(store), path.read_bytes()
    held = {name: docs.in_memory for name, docs in store.db.storage.read().items()}
    assert held["invoices"] == held["clients"] == 0
    clients, invoices = store.clients.all(), store.ledger.all_invoices()
    if fails == "at the write":
        disk.fd = store.db.storage._journal.fd
        with pytest.raises(StorageWriteError):
            apply_import(store, plan)
    else:
        def broken(records):
            raise RuntimeError("no room for the payments")

        monkeypatch.setattr(store.ledger.payments, "add_records", broken)
        with pytest.raises(RuntimeError):
            apply_import(store, plan)
        monkeypatch.undo()
    assert path.read_bytes() == raw
    assert _tables(store) == before
    assert {name: docs.in_memory for name, docs in store.db.storage.read().items()} == held
    assert store.clients.all() == clients and store.ledger.all_invoices() == invoices
    disk.fd = None
    counts = apply_import(store, plan)  # and it goes in whole once it can
    assert counts["updated_invoices"] == plan.counts.updated
    after = _tables(store)
    store.close()
    ro = open_store(path, read_only=True)
    try:
        assert _tables(ro) == after
    finally:
        ro.close()


def test_reading_every_record_leaves_the_collector_as_it_found_it(demo_store, monkeypatch):
    import gc

    was = gc.isenabled()
    try:
        gc.enable()
        clients = demo_store.clients.all()
        assert clients and gc.isenabled()
        gc.disable()  # paused by someone else (an import planning in another thread): still paused after
        assert demo_store.ledger.all_invoices() and not gc.isenabled()
        gc.enable()

        def broken(doc, id):
            raise ValueError("a record that no longer reads")

        monkeypatch.setattr(demo_store.clients, "_to", broken)
        with pytest.raises(ValueError):
            demo_store.clients.all()
        assert gc.isenabled()
    finally:
        (gc.enable if was else gc.disable)()
