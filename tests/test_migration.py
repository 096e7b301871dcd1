"""A ledger written by callroom 0.1 (layout 1: no sequence numbers, checksums or seal) opens
as it always did, and the first open for writing converts it after keeping it as a backup.

``fixtures/ledger-0.1.jsonl`` was written by callroom 0.1 itself (commit 4a9b88b): the demo
ledger, compacted, then one call logged."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from callroom.cli import main
from callroom.store import DamagedFileError, notices, open_store
from callroom.store.backups import backups_dir, list_backups
from callroom.store.journal import open_db, read_file
from callroom.store.seal import seal_path_for

from ledger_files import raw_lines, seq_of
from support import TODAY

FIXTURE = Path(__file__).parent / "fixtures" / "ledger-0.1.jsonl"


@pytest.fixture
def old(tmp_path: Path) -> Path:
    path = tmp_path / "ledger.jsonl"
    shutil.copyfile(FIXTURE, path)
    return path


def _everything(store) -> dict:
    return {name: dict(docs) for name, docs in store.db.storage.read().items()}


def test_an_old_file_reads_as_it_did_and_a_read_only_open_changes_nothing(old: Path):
    before = old.read_bytes()
    store = open_store(old, read_only=True)
    try:
        assert store.clients.count() == 25 and store.calls.count() == 9
        assert store.calls.all()[-1].note == "left a message before the upgrade"
        [notice] = notices(store)
        assert notice.kind == "old-layout" and "converted" in notice.text
    finally:
        store.close()
    assert old.read_bytes() == before and not seal_path_for(old).exists() and not backups_dir(old).exists()


def test_the_first_open_for_writing_converts_it_after_a_backup(old: Path):
    before = old.read_bytes()
    reference = open_store(old, read_only=True)
    expected = _everything(reference)
    reference.close()

    store = open_store(old)
    try:
        [notice] = notices(store)
        assert notice.kind == "migrated" and str(notice.path) in notice.text
        assert _everything(store) == expected
        store.calls.add(store.calls.all()[0].with_(id=None, note="after the upgrade"))
    finally:
        store.close()
    [kept] = list_backups(old)
    assert kept.reason == "upgrade" and kept.path.read_bytes() == before  # the file as found
    lines = raw_lines(old)
    assert [seq_of(line) for line in lines] == list(range(len(lines)))  # every line numbered and checksummed
    assert seal_path_for(old).exists()
    store = open_store(old)
    try:
        assert notices(store) == []  # said once
        assert store.calls.count() == 10 and store.calls.all()[-1].note == "after the upgrade"
    finally:
        store.close()
    assert read_file(kept.path)[0]["calls"] == expected["calls"]  # the backup still reads


def test_a_torn_tail_of_an_old_file_is_kept_too(old: Path):
    torn = b'{"tx":[{"t":"calls","put":10,"doc":{"client_id":1,"at":"2026-11-23T16:00'
    before = old.read_bytes() + torn
    old.write_bytes(before)
    store = open_store(old)
    try:
        kinds = {n.kind: n for n in notices(store)}
        assert set(kinds) == {"torn", "migrated"}
        assert kinds["torn"].path.read_bytes() == torn
        assert store.calls.count() == 9
    finally:
        store.close()
    [kept] = list_backups(old)
    assert kept.path.read_bytes() + torn == before  # the torn bytes set aside, the rest kept as it was


def test_a_damaged_old_file_is_refused_and_not_converted(old: Path):
    lines = raw_lines(old)
    lines[3] = lines[3][:40]  # cut mid-file
    old.write_bytes(b"\n".join(lines) + b"\n")
    before = old.read_bytes()
    with pytest.raises(DamagedFileError) as err:
        open_store(old)
    assert err.value.line == 4
    assert old.read_bytes() == before and not backups_dir(old).exists() and not seal_path_for(old).exists()


def test_a_converted_ledger_is_checked_whole_by_the_command(old: Path):
    runner = CliRunner()
    r = runner.invoke(main, ["--db", str(old), "--as-of", TODAY.isoformat(), "log", "Northgate", "--result", "voicemail"])
    assert r.exit_code == 0, r.output
    assert "converted to the checked file format" in r.stderr
    r = runner.invoke(main, ["--db", str(old), "check"])
    assert r.exit_code == 0 and "is whole" in r.output, r.output


def test_open_db_converts_at_once_unless_asked_not_to(old: Path):
    db = open_db(old, upgrade=False)
    try:
        assert db.storage.layout == 1
        with pytest.raises(Exception, match="old file format"):
            db.table("calls").insert({"n": 1})
        db.storage.upgrade()
        assert db.storage.layout == 2
        db.table("calls").insert({"n": 1})
    finally:
        db.close()


def test_a_damaged_old_file_is_repaired_into_the_checked_format(old: Path):
    lines = raw_lines(old)
    lines[-1] = lines[-1][:50]  # the last call, cut mid-file (a copy of the file, then more lines after)
    old.write_bytes(b"\n".join(lines) + b"\n")
    damaged = old.read_bytes()
    runner = CliRunner()
    r = runner.invoke(main, ["--db", str(old), "check"])
    assert r.exit_code == 1 and f"line {len(lines)}" in r.output
    r = runner.invoke(main, ["--db", str(old), "repair", "--yes"])
    assert r.exit_code == 0, r.output
    assert "25 clients, 60 invoices, 1 payment, 8 calls" in r.output
    [kept] = [b for b in list_backups(old) if b.reason == "repair"]
    assert kept.path.read_bytes() == damaged
    r = runner.invoke(main, ["--db", str(old), "check"])
    assert r.exit_code == 0 and "is whole" in r.output
    assert seq_of(raw_lines(old)[0]) == 0
