"""Backups: the previous file kept before a compaction, a migration, an import and a
restore; `callroom backups` lists them and `callroom restore` brings one back, reversibly."""

from __future__ import annotations

import errno
import json
import os
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner

from callroom.cli import main
from callroom.importers import parse_file
from callroom.importers.reconcile import plan_import
from callroom.services import apply_import
from callroom.store import StorageWriteError, keep_backup, open_store
from callroom.store.backups import KEEP, Backup, backups_dir, list_backups, prune
from callroom.store.errors import ReadOnlyError
from callroom.store.journal import Disk, open_db, read_file

from support import TODAY

CSV = Path(__file__).parent / "fixtures" / "csv"



def cli(path: Path, *args: str, input: str | None = None):
    return CliRunner().invoke(main, ["--db", str(path), "--as-of", TODAY.isoformat(), *args], input=input)


def reasons(path: Path) -> list[str]:
    return [b.reason for b in list_backups(path)]


class BrokenDisk(Disk):
    """A disk whose link, copy writes or rename fail on demand."""

    def __init__(self) -> None:
        self.link_errno: int | None = None
        self.full = False
        self.replace_fails = False

    def link(self, src: Path, dst: Path) -> None:
        if self.link_errno is not None:
            raise OSError(self.link_errno, os.strerror(self.link_errno))
        super().link(src, dst)

    def pwrite(self, fd: int, data, offset: int) -> int:
        if self.full:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return super().pwrite(fd, data, offset)

    def replace(self, src: Path, dst: Path) -> None:
        if self.replace_fails:
            raise OSError(errno.EIO, os.strerror(errno.EIO))
        super().replace(src, dst)


# -- taken automatically -------------------------------------------------------------


def test_compaction_keeps_the_old_file_as_a_frozen_hard_link(ledger: Path):
    old_bytes, old_inode = ledger.read_bytes(), ledger.stat().st_ino
    with open_db(ledger) as db:
        db.compact()
        db.table("calls").insert({"after": "compaction"})  # the live file moves on...
    (kept,) = list_backups(ledger)
    assert kept.reason == "compact" and kept.why == "before a compaction"
    assert kept.path.parent == ledger.parent / "ledger.jsonl.backups"
    assert kept.path.stat().st_ino == old_inode  # a link, not a copy
    assert kept.path.read_bytes() == old_bytes  # ...and the backup does not
    assert ledger.stat().st_ino != old_inode and ledger.read_bytes() != old_bytes


def test_where_links_are_refused_the_old_file_is_copied(ledger: Path):
    disk = BrokenDisk()
    disk.link_errno = errno.EPERM  # e.g. a FAT or SMB folder
    old_bytes = ledger.read_bytes()
    db = open_db(ledger, disk=disk)
    db.compact()
    db.close()
    (kept,) = list_backups(ledger)
    assert kept.path.read_bytes() == old_bytes and kept.path.stat().st_ino != ledger.stat().st_ino


@pytest.mark.parametrize("fault", ["link", "rename"])
def test_a_failed_backup_or_rename_leaves_the_ledger_and_the_backups_as_they_were(ledger: Path, fault: str):
    disk = BrokenDisk()
    db = open_db(ledger, disk=disk)
    before = ledger.read_bytes()
    if fault == "link":
        disk.link_errno = errno.EIO
    else:
        disk.replace_fails = True
    with pytest.raises(StorageWriteError) as err:
        db.compact()
    if fault == "link":
        assert "backup" in str(err.value) and "unchanged" in str(err.value)
    assert ledger.read_bytes() == before
    assert list_backups(ledger) == []  # a link to the still-live file would change with it: removed
    assert not list(ledger.parent.glob(".*.tmp")) and not list(backups_dir(ledger).glob(".*.tmp"))
    db.table("calls").insert({"still": "writable"})
    disk.link_errno, disk.replace_fails = None, False
    db.compact()
    db.close()
    assert reasons(ledger) == ["compact"]


def test_a_schema_migration_keeps_the_file_under_its_old_schema(tmp_path: Path):
    path = tmp_path / "ledger.jsonl"
    with open_db(path, schema=1) as db:
        db.table("calls").insert({"minutes": 3})
    with open_db(path, schema=2) as db:
        db.storage.rewrite({"calls": {"1": {"seconds": 180}}}, schema=2)
    (kept,) = list_backups(path)
    assert kept.reason == "migrate"
    data, schema = read_file(kept.path)
    assert schema == 1 and data["calls"] == {"1": {"minutes": 3}}
    assert read_file(path)[1] == 2


def test_an_import_keeps_the_ledger_as_it_was(ledger: Path):
    before = ledger.read_bytes()
    r = cli(ledger, "import", "--accept-older", str(CSV / "qbo_open_invoices.csv"))  # the demo is newer than the file
    assert r.exit_code == 0, r.output
    (kept,) = list_backups(ledger)
    assert kept.reason == "import" and kept.path.read_bytes() == before
    assert ledger.read_bytes() != before
    r = cli(ledger, "import", "--accept-older", str(CSV / "qbo_open_invoices.csv"))  # the same file again: nothing changes...
    assert r.exit_code == 0, r.output
    assert reasons(ledger) == ["import"]  # ...so nothing to keep


def test_a_dry_run_or_a_refused_file_keeps_no_backup(ledger: Path):
    assert cli(ledger, "import", "--dry-run", str(CSV / "qbo_open_invoices.csv")).exit_code == 0
    bad = next((CSV / "bad").iterdir())
    assert cli(ledger, "import", str(bad)).exit_code != 0
    assert list_backups(ledger) == []


def test_an_import_that_cannot_keep_its_backup_imports_nothing(ledger: Path):
    disk = BrokenDisk()
    store = open_store(ledger, disk=disk)
    before, invoices = ledger.read_bytes(), store.ledger.invoices.count()
    plan = plan_import([parse_file(CSV / "qbo_open_invoices.csv")], store.clients.all(), store.ledger.all_invoices(),
                       as_of=date(2026, 4, 15), full=False, default_currency="USD", accept_older=True)
    disk.full = True
    with pytest.raises(StorageWriteError) as err:
        apply_import(store, plan)
    assert "backup" in str(err.value) and "Nothing was changed" in str(err.value)
    assert store.ledger.invoices.count() == invoices and ledger.read_bytes() == before
    assert list_backups(ledger) == [] and not list(backups_dir(ledger).glob(".*"))
    disk.full = False
    apply_import(store, plan)
    store.close()
    assert reasons(ledger) == ["import"]


def test_a_backup_holds_every_acknowledged_write_and_no_torn_tail(ledger: Path):
    store = open_store(ledger)
    with ledger.open("ab") as f:
        f.write(b'{"tx":[{"t":"calls","put":999')  # a torn, never acknowledged append
    store.close()
    store = open_store(ledger)
    kept = keep_backup(store, "import")
    store.close()
    assert kept is not None and kept.read_bytes() == ledger.read_bytes()[: kept.stat().st_size]
    assert b'"put":999' not in kept.read_bytes()


def test_read_only_opens_never_take_or_prune_backups(ledger: Path):
    store = open_store(ledger, read_only=True)
    assert keep_backup(store, "import") is None
    with pytest.raises(ReadOnlyError):
        store.db.compact()
    store.close()
    assert not backups_dir(ledger).exists()


def test_a_half_copied_backup_is_never_listed_and_the_next_writer_removes_it(ledger: Path):
    d = backups_dir(ledger)
    d.mkdir()
    stale = d / ".20261123T150000Z-import.jsonl.tmp"
    stale.write_bytes(b'{"format":"callroom","sch')  # a copy killed half-way
    (d / "notes.txt").write_text("not a backup")
    assert list_backups(ledger) == []
    open_store(ledger, read_only=True).close()
    assert stale.exists()  # a reader never deletes anything
    open_store(ledger).close()
    assert not stale.exists() and (d / "notes.txt").exists()


def _fake(d: Path, stamp: str, reason: str) -> Path:
    p = d / f"{stamp}-{reason}.jsonl"
    p.write_text('{"format":"callroom","schema":1}\n')
    return p


def test_pruning_keeps_the_newest_and_the_newest_of_each_reason(tmp_path: Path):
    ledger = tmp_path / "ledger.jsonl"
    d = backups_dir(ledger)
    d.mkdir()
    old_import = _fake(d, "20260101T000000Z", "import")
    old_restore = _fake(d, "20260101T000001Z", "before-restore")
    compactions = [_fake(d, f"202602{day:02d}T000000Z", "compact") for day in range(1, 26)]
    gone = prune(ledger, keep=KEEP)
    assert set(gone) == set(compactions[:5])
    assert old_import.exists() and old_restore.exists()
    assert [b.path for b in list_backups(ledger)][:KEEP] == compactions[::-1][:KEEP]
    prune(ledger, keep=0)
    assert {b.reason for b in list_backups(ledger)} == {"import", "before-restore", "compact"}  # never the only one


def test_same_second_backups_get_distinct_names_in_the_order_taken(ledger: Path):
    store = open_store(ledger)
    first = keep_backup(store, "import")
    store.db.compact()
    third = keep_backup(store, "import")
    store.close()
    listed = list_backups(ledger)
    assert [b.reason for b in listed] == ["import", "compact", "import"]
    assert listed[0].path == third and listed[2].path == first and len({b.path for b in listed}) == 3


# -- callroom backups ------------------------------------------------------------------


def test_backups_lists_when_why_size_and_counts_newest_first(ledger: Path):
    r = cli(ledger, "backups")
    assert r.exit_code == 0 and "No backups" in r.output and str(backups_dir(ledger)) in r.output
    cli(ledger, "import", "--accept-older", str(CSV / "qbo_open_invoices.csv"))
    with open_db(ledger) as db:
        db.compact()
    r = cli(ledger, "backups")
    assert r.exit_code == 0
    rows = [line for line in r.output.splitlines() if line.strip()[:1].isdigit()]
    assert len(rows) == 2
    assert "before a compaction" in rows[0] and "before an import" in rows[1]
    assert rows[1].split()[0] == "2" and " 60 " in rows[1]  # the demo's 60 invoices, before the import
    assert "callroom restore N" in r.output

    data = json.loads(cli(ledger, "backups", "--json").output)
    assert [d["index"] for d in data] == [1, 2] and [d["reason"] for d in data] == ["compact", "import"]
    assert data[1]["invoices"] == 60 and data[1]["calls"] == open_store(data[1]["path"], read_only=True).calls.count()
    assert all(d["ok"] and d["bytes"] == Path(d["path"]).stat().st_size and d["when"].endswith("Z") for d in data)


def test_backups_flags_a_damaged_backup(ledger: Path):
    store = open_store(ledger)
    kept = keep_backup(store, "import")
    store.close()
    kept.write_bytes(kept.read_bytes()[:-1] + b"}garbage\n{")
    r = cli(ledger, "backups")
    assert "DAMAGED" in r.output
    (row,) = json.loads(cli(ledger, "backups", "--json").output)
    assert row["ok"] is False and "line" in row["problem"]


# -- callroom restore -----------------------------------------------------------------


def test_restore_brings_a_backup_back_and_can_itself_be_undone(ledger: Path):
    before_import = ledger.read_bytes()
    cli(ledger, "import", "--accept-older", str(CSV / "qbo_open_invoices.csv"))
    after_import = ledger.read_bytes()

    r = cli(ledger, "restore", "1")
    assert r.exit_code == 0, r.output
    assert "Restored" in r.output and "before an import" in r.output and "undoes this restore" in r.output
    assert ledger.read_bytes() == before_import
    assert reasons(ledger) == ["before-restore", "import"]
    undo = list_backups(ledger)[0]
    assert undo.path.read_bytes() == after_import

    r = cli(ledger, "restore", undo.name)  # by name: the restore is undone
    assert r.exit_code == 0, r.output
    assert ledger.read_bytes() == after_import
    store = open_store(ledger)  # and the result is a working ledger
    store.clients.find("Delgado")
    store.close()


def test_restore_accepts_a_name_without_suffix_or_a_path(ledger: Path, tmp_path: Path):
    store = open_store(ledger)
    kept = keep_backup(store, "import")
    store.calls.add(store.calls.all()[0].with_(id=None, note="later"))
    store.close()
    assert cli(ledger, "restore", kept.stem).exit_code == 0
    assert ledger.read_bytes() == kept.read_bytes()
    elsewhere = tmp_path / "copy-from-usb.jsonl"
    elsewhere.write_bytes(kept.read_bytes())
    r = cli(ledger, "restore", str(elsewhere))
    assert r.exit_code == 0 and "copy-from-usb.jsonl" in r.output


def test_restore_repairs_a_damaged_ledger_and_keeps_the_damaged_file(ledger: Path):
    store = open_store(ledger)
    keep_backup(store, "import")
    store.close()
    ledger.write_bytes(ledger.read_bytes().replace(b'"Delgado', b'"Delgado\x00', 1)[:-20])
    damaged = ledger.read_bytes()
    assert cli(ledger, "clients").exit_code == 1
    r = cli(ledger, "restore", "1")
    assert r.exit_code == 0, r.output
    assert cli(ledger, "clients").exit_code == 0
    assert list_backups(ledger)[0].path.read_bytes() == damaged  # nothing is ever thrown away


def test_restore_refuses_a_damaged_backup_and_changes_nothing(ledger: Path):
    store = open_store(ledger)
    kept = keep_backup(store, "import")
    store.close()
    lines = kept.read_bytes().split(b"\n")
    tx = json.loads(lines[1])
    invoice = next(op["doc"] for op in tx["tx"] if op["t"] == "invoices")
    del invoice["number"]  # a hand edit
    lines[1] = json.dumps(tx).encode()
    kept.write_bytes(b"\n".join(lines))
    before, listed = ledger.read_bytes(), list_backups(ledger)
    r = cli(ledger, "restore", "1")
    assert r.exit_code == 1 and "Refused" in r.output and "Nothing was changed" in r.output
    assert "line 2: the line has no sequence number and checksum" in r.output  # the hand edit is found
    assert ledger.read_bytes() == before and list_backups(ledger) == listed


def test_restore_refuses_a_backup_from_a_newer_callroom(ledger: Path, tmp_path: Path):
    newer = tmp_path / "newer.jsonl"
    with open_db(newer, schema=9) as db:
        db.table("clients").insert({"name": "From the future"})
    before = ledger.read_bytes()
    r = cli(ledger, "restore", str(newer))
    assert r.exit_code == 1 and "newer callroom" in r.output and ledger.read_bytes() == before


def test_restore_refuses_while_the_ledger_is_open_elsewhere(ledger: Path):
    store = open_store(ledger)
    keep_backup(store, "import")
    before, listed = ledger.read_bytes(), list_backups(ledger)
    try:
        r = cli(ledger, "restore", "1")
    finally:
        store.close()
    assert r.exit_code == 1
    assert f"pid {os.getpid()}" in r.output and "Close it, then restore" in r.output and "Nothing was changed" in r.output
    assert ledger.read_bytes() == before and list_backups(ledger) == listed
    assert cli(ledger, "restore", "1").exit_code == 0  # once it is closed


def test_restore_never_prunes_the_backup_it_restores(ledger: Path):
    d = backups_dir(ledger)
    d.mkdir()
    oldest = d / "20250101T000000Z-compact.jsonl"
    oldest.write_bytes(ledger.read_bytes())
    for day in range(1, KEEP + 1):
        (d / f"202601{day:02d}T000000Z-compact.jsonl").write_bytes(ledger.read_bytes())
    r = cli(ledger, "restore", oldest.name)
    assert r.exit_code == 0, r.output
    assert oldest.exists()


def test_restore_into_a_missing_ledger_keeps_nothing_before(ledger: Path):
    store = open_store(ledger)
    kept = keep_backup(store, "import")
    store.close()
    ledger.unlink()
    r = cli(ledger, "restore", "1")
    assert r.exit_code == 0 and "undoes" not in r.output
    assert ledger.read_bytes() == kept.read_bytes() and reasons(ledger) == ["import"]


def test_backup_names_parse_back(tmp_path: Path):
    b = Backup.parse(tmp_path / "20261123T150000Z-2-before-restore.jsonl")
    assert b is not None and b.reason == "before-restore" and b.seq == 2 and b.when.hour == 15
    assert Backup.parse(tmp_path / "ledger.jsonl") is None
