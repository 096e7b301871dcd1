"""A table held as compact rows: where each document lies in the ledger file, not the
document itself.

A table read from the snapshot lines of a ledger is, in memory, four arrays of machine
integers per document (its id, its offset and length in the file, its client), not a
dict of Python objects per field: 32 bytes a document instead of about a kilobyte, so a
47 MB ledger takes a few MB of memory, not 200. A document is read back from the file
(``os.pread``, then decoded) when it is asked for; documents written since the snapshot
are kept in memory as they were written. :class:`Rows` is a ``MutableMapping`` of
``{str(id): document}`` in the order a dict would have them, so TinyDB's tables and
the repositories work on it as on the dict it replaces.

Owns :class:`Rows`, :class:`Source` (the open file they are read from) and
:func:`locate_docs` (where the documents of one snapshot line lie). The reader
(:mod:`callroom.store.reading`) builds the rows as it checks each line; a
rewrite (:mod:`callroom.store.writing`) lays out the new file and hands back where each
document went. Imports ``format`` only.
"""

from __future__ import annotations

import os
from array import array
from bisect import bisect_left
from collections.abc import Callable, Iterable, Iterator, MutableMapping
from itertools import accumulate, repeat
from operator import add
from typing import Any

from .format import copy_json, decode_json, encode

__all__ = ["ABSENT", "BASE", "NO_CLIENT", "Rows", "Source", "client_of", "locate_docs", "raw_docs"]

#: The client of a document without a whole-number ``client_id`` (a setting, a session).
NO_CLIENT = -(1 << 63)


class _Token:
    __slots__ = ("name",)

    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return self.name


#: What :meth:`Rows.put` and :meth:`Rows.drop` return for a key that held no document.
ABSENT: Any = _Token("ABSENT")
#: What they return for a document as read from the file (not replaced since): nothing
#: is kept, and :meth:`Rows.undo` puts the file's document back without reading it.
BASE: Any = _Token("BASE")

#: How many bytes a bulk read takes from the file at a time.
_BULK = 1 << 20

try:
    import msgspec

    _decode: Callable[[Any], Any] = msgspec.json.Decoder().decode

    class _Line(msgspec.Struct):
        docs: dict[str, msgspec.Raw] = {}

    _raw_docs: Callable[[Any], Any] | None = msgspec.json.Decoder(_Line).decode
except ImportError:  # pragma: no cover - a dependency; without it every document stays in memory
    _raw_docs = None

    def _decode(data: Any) -> Any:
        raise ValueError


class Source:
    """The ledger file documents are read from: a file descriptor of its own (a dup),
    so that the file stays readable as it was, whatever happens to the path (a
    compaction renames a new file over it) until :meth:`close`."""

    __slots__ = ("fd", "path")

    def __init__(self, fd: int, path: Any = None) -> None:
        self.fd: int | None = os.dup(fd)
        self.path = path

    def read(self, offset: int, length: int) -> bytes:
        if self.fd is None:
            raise ValueError(f"the ledger {self.path or ''} is closed")
        data = os.pread(self.fd, length, offset)
        if len(data) != length:
            raise OSError(f"{self.path or 'the ledger'} is shorter than when it was read (a document at byte {offset:,})")
        return data

    def close(self) -> None:
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None


def locate_docs(line: bytes | memoryview | bytearray) -> tuple[list[str], list[int], list[int]] | None:
    """Where the documents of a snapshot line lie in it: ``(keys, offsets, lengths)``,
    in the line's order; None for a line not laid out as callroom writes it (no
    spaces between tokens, ``docs`` last), which the reader then keeps in memory.

    The offsets follow from the documents' lengths: the first document starts after
    ``{"<key>":`` and each next one after ``,"<key>":``. The total is checked
    against the end of the line, which no other layout gives.
    """
    if _raw_docs is None:
        return None
    try:
        raws = _raw_docs(line).docs
    except Exception:  # noqa: BLE001 - not what msgspec reads: kept in memory
        return None
    if not raws:
        return [], [], []
    mv = bytes(line[-2:]) if not isinstance(line, bytes) else line[-2:]
    if mv != b"}}":
        return None
    keys = list(raws)
    lengths = list(map(len, raws.values()))
    n = len(lengths)
    total = sum(lengths) + sum(map(len, keys)) + 4 * n - 1  # ``"k":v`` joined by commas
    start = len(line) - 2 - total  # just after the docs' ``{``
    if start < 1 or line[start - 1:start] != b"{" or line[start - 8:start] != b'"docs":{':
        return None
    first = start + len(keys[0]) + 3
    # offset_i = offset_{i-1} + len(doc_{i-1}) + len(key_i) + 4  (``,"`` and ``":``)
    steps = map(add, map(add, lengths[:-1], map(len, keys[1:])), repeat(4))
    offsets = list(accumulate(steps, initial=first))
    if line[offsets[0]:offsets[0] + 1] != b"{" or line[offsets[-1]:offsets[-1] + 1] != b"{":
        return None
    return keys, offsets, lengths


class Rows(MutableMapping[str, Any]):
    """One table: ``{str(id): document}`` like the dict it replaces.

    The documents read from the file (the *base*: ids, offsets, lengths and clients
    in arrays, in file order) are decoded from it when asked for; a document written
    since is kept in ``_over`` (it replaced one of the base, in its place) or
    ``_added`` (a new id, after them), a deleted one in ``_gone``. Iteration gives
    the order a dict would: the base in file order (a replaced document where it
    was), then the others in the order they were added.
    """

    __slots__ = ("_src", "_ids", "_pos", "_len", "_cid", "_index", "_sorted", "_over", "_gone", "_added", "_live_base")

    def __init__(self, source: Source | None = None) -> None:
        self._src = source
        self._ids = array("q")
        self._pos = array("q")
        self._len = array("q")
        self._cid = array("q")
        self._index: dict[int, int] | array | None = None  # id -> position in the base, when not sorted
        self._sorted = True
        self._over: dict[str, Any] = {}
        self._gone: set[str] = set()
        self._added: dict[str, Any] = {}
        self._live_base = 0

    # -- building -------------------------------------------------------------------

    def extend_base(self, keys: Iterable[int], offsets: Iterable[int], lengths: Iterable[int], clients: Iterable[int]) -> int:
        """Add documents that lie in the file (a snapshot line's: their ids, offsets,
        lengths and clients), after those already there; for a table read from the file,
        before anything is written to it. Returns how many of ``keys`` were there already
        (damage: the reader says so), which are left as they were."""
        if self._over or self._added or self._gone:
            raise ValueError("documents are added from the file before any is written")
        ids = self._ids
        new = array("q", keys)
        if not new:
            return 0
        listed = new.tolist()
        in_order = (not ids or new[0] > ids[-1]) and listed == sorted(set(listed))  # rising, no repeats
        offsets, lengths, clients = list(offsets), list(lengths), list(clients)
        repeated = 0
        if not in_order or not self._sorted:
            if self._sorted:
                self._sorted = False
                self._index = {v: p for p, v in enumerate(ids)}
            seen = self._index
            assert isinstance(seen, dict)
            keep = []
            for n, v in enumerate(new):
                if v in seen:
                    repeated += 1
                else:
                    seen[v] = len(ids) + len(keep)
                    keep.append(n)
            if repeated:
                new = array("q", (new[n] for n in keep))
                offsets, lengths, clients = [offsets[n] for n in keep], [lengths[n] for n in keep], [clients[n] for n in keep]
        ids.extend(new)
        self._pos.extend(offsets)
        self._len.extend(lengths)
        self._cid.extend(clients)
        self._live_base += len(new)
        return repeated

    def _find(self, key: str) -> int:
        """The position of ``key`` in the base, or -1 (deleted ones included)."""
        try:
            i = int(key)
        except (TypeError, ValueError):
            return -1
        if type(key) is not str or str(i) != key:
            return -1
        ids = self._ids
        if self._sorted:
            p = bisect_left(ids, i)
            return p if p < len(ids) and ids[p] == i else -1
        index = self._index
        if index is None:
            index = self._index = {v: p for p, v in enumerate(ids)}
        return index.get(i, -1)

    # -- reading --------------------------------------------------------------------

    def _read(self, p: int) -> Any:
        assert self._src is not None
        doc, why = decode_json(self._src.read(self._pos[p], self._len[p]))
        if why is not None:
            raise ValueError(f"document {self._ids[p]} no longer reads from {self._src.path or 'the ledger'}: {why}")
        return doc

    def __getitem__(self, key: str) -> Any:
        found = self._over.get(key, _NONE)
        if found is not _NONE:
            return found
        found = self._added.get(key, _NONE)
        if found is not _NONE:
            return found
        p = self._find(key)
        if p < 0 or key in self._gone:
            raise KeyError(key)
        return self._read(p)

    def get(self, key: Any, default: Any = None) -> Any:
        try:
            return self[key]
        except KeyError:
            return default

    def __contains__(self, key: object) -> bool:
        if key in self._added or key in self._over:
            return True
        return type(key) is str and key not in self._gone and self._find(key) >= 0

    def __len__(self) -> int:
        return self._live_base + len(self._added)

    def __iter__(self) -> Iterator[str]:
        gone = self._gone
        if gone:
            for i in self._ids:
                k = str(i)
                if k not in gone:
                    yield k
        else:
            yield from map(str, self._ids)
        yield from list(self._added)

    def keys(self):  # type: ignore[override]
        return _Keys(self)

    def items(self):  # type: ignore[override]
        return _Items(self)

    def values(self):  # type: ignore[override]
        return _Values(self)

    def _base_items(self, raw: bool = False, positions: Iterable[int] | None = None) -> Iterator[tuple[str, Any]]:
        """The live base documents in file order, read in bulk (a replaced one as it is now);
        with ``raw``, ``(key, (JSON text as stored, or encoded for a replaced one), client)``;
        with ``positions`` (ascending), those documents of the base only."""
        ids, pos, lens, cids = self._ids, self._pos, self._len, self._cid
        over, gone, src = self._over, self._gone, self._src
        order = range(len(ids)) if positions is None else positions
        if not isinstance(order, (range, list)):
            order = list(order)
        n = len(order)
        decode = _decode
        i = 0
        while i < n:
            first = order[i]
            start = pos[first]
            j = i
            end = start + lens[first]
            while j + 1 < n:
                q = order[j + 1]
                if pos[q] < end or pos[q] + lens[q] - start > _BULK:
                    break
                j += 1
                end = pos[q] + lens[q]
            assert src is not None
            buf = memoryview(src.read(start, end - start))
            for p in order[i:j + 1]:
                key = str(ids[p])
                if gone and key in gone:
                    continue
                if over:
                    doc = over.get(key, _NONE)
                    if doc is not _NONE:
                        yield (key, encode(doc).encode("utf-8"), client_of(doc)) if raw else (key, doc)  # type: ignore[misc]
                        continue
                a = pos[p] - start
                piece = buf[a:a + lens[p]]
                if raw:
                    yield key, bytes(piece), cids[p]  # type: ignore[misc]
                    continue
                try:
                    doc = decode(piece)
                except Exception:  # noqa: BLE001 - what msgspec refuses, json words
                    doc, why = decode_json(piece)
                    if why is not None:
                        raise ValueError(f"document {key} no longer reads from {src.path or 'the ledger'}: {why}") from None
                yield key, doc
            i = j + 1

    def get_many(self, keys: Iterable[str]) -> list[Any]:
        """``[self.get(key) for key in keys]``, the documents kept in the file read in
        bulk, in file order (one read for neighbours, not one each)."""
        keys = list(keys)
        out: list[Any] = [None] * len(keys)
        over, added, gone = self._over, self._added, self._gone
        wanted: dict[int, list[int]] = {}  # position in the base -> where it goes in out
        for n, key in enumerate(keys):
            doc = over.get(key, _NONE)
            if doc is _NONE:
                doc = added.get(key, _NONE)
            if doc is not _NONE:
                out[n] = doc
                continue
            if type(key) is not str or key in gone:
                continue
            p = self._find(key)
            if p >= 0:
                wanted.setdefault(p, []).append(n)
        if wanted:
            positions = sorted(wanted)
            for p, (key, doc) in zip(positions, self._base_items(positions=positions)):
                where = wanted[p]
                out[where[0]] = doc
                for n in where[1:]:  # the same key asked for again: a document of its own, as get gives
                    out[n] = copy_json(doc)
        return out

    def items_of_clients(self, wanted: Any) -> Iterator[tuple[str, Any]]:
        """``(key, document)`` of the documents whose ``client_id`` is in ``wanted``, in
        order; those read from the file chosen by the client noted for them, so the others
        are not read at all."""
        over = self._over
        positions = [p for p, c in enumerate(self._cid) if c in wanted]
        if over:  # a replaced document may have changed client: look at it as it is now
            seen = set(positions)
            for key, doc in over.items():
                p = self._find(key)
                if p not in seen and client_of(doc) in wanted:
                    positions.append(p)
            positions.sort()
        for key, doc in self._base_items(positions=positions):
            if key in over and client_of(doc) not in wanted:
                continue
            yield key, doc
        for key, doc in list(self._added.items()):
            if client_of(doc) in wanted:
                yield key, doc

    def _all_items(self) -> Iterator[tuple[str, Any]]:
        yield from self._base_items()
        yield from list(self._added.items())

    def raw_items(self) -> Iterator[tuple[str, bytes, int]]:
        """``(key, JSON text, client)`` of every document, in order: the stored text of
        those read from the file, the others encoded. For a rewrite: nothing decoded."""
        yield from self._base_items(raw=True)  # type: ignore[misc]
        for key, doc in list(self._added.items()):
            yield key, encode(doc).encode("utf-8"), client_of(doc)

    def clients(self) -> Iterator[tuple[int, Any]]:
        """``(id, client_id)`` of every document in order, without reading the documents
        kept in the file (their ``client_id`` was noted when they were read)."""
        gone, over = self._gone, self._over
        for i, c in zip(self._ids, self._cid):
            if gone or over:
                k = str(i)
                if k in gone:
                    continue
                doc = over.get(k, _NONE)
                if doc is not _NONE:
                    yield i, doc.get("client_id") if type(doc) is dict else None
                    continue
            yield i, (None if c == NO_CLIENT else c)
        for k, doc in list(self._added.items()):
            yield int(k), doc.get("client_id") if type(doc) is dict else None

    def client_columns(self) -> tuple[list[int], list[int | None]]:
        """``(ids, client ids)`` of every document in order (see :meth:`clients`), as two lists."""
        ids, clients = self._ids.tolist(), [None if c == NO_CLIENT else c for c in self._cid]
        for key, doc in self._over.items():
            c = client_of(doc)
            clients[self._find(key)] = None if c == NO_CLIENT else c
        if self._gone:
            dropped = {self._find(key) for key in self._gone}
            ids = [i for p, i in enumerate(ids) if p not in dropped]
            clients = [c for p, c in enumerate(clients) if p not in dropped]
        for key, doc in self._added.items():
            c = client_of(doc)
            ids.append(int(key))
            clients.append(None if c == NO_CLIENT else c)
        return ids, clients

    # -- writing --------------------------------------------------------------------

    def __setitem__(self, key: str, doc: Any) -> None:
        if key in self._added:
            self._added[key] = doc
            return
        p = self._find(key)
        if p >= 0 and key not in self._gone:
            self._over[key] = doc
        else:
            self._added[key] = doc  # new, or deleted from the base and put again: after the others

    def __delitem__(self, key: str) -> None:
        if key in self._added:
            del self._added[key]
            return
        p = self._find(key)
        if p < 0 or key in self._gone:
            raise KeyError(key)
        self._gone.add(key)
        self._over.pop(key, None)
        self._live_base -= 1

    # -- writing with undo -------------------------------------------------------------

    def put(self, key: str, doc: Any) -> Any:
        """``self[key] = doc``; returns what :meth:`undo` needs to put back what was there,
        without reading the file: :data:`ABSENT` for no document, :data:`BASE` for the one
        as read from the file, else the document held in memory (tagged with where it was
        held)."""
        added = self._added
        if key in added:
            old = ("added", added[key], None)  # None: in its place
            added[key] = doc
            return old
        p = self._find(key)
        if p >= 0 and key not in self._gone:
            over = self._over
            old = over.get(key, _NONE)
            over[key] = doc
            return BASE if old is _NONE else ("over", old)
        added[key] = doc
        return ABSENT

    def drop(self, key: str, undoable: bool = True) -> Any:
        """``self.pop(key, None)`` without reading the document; returns what :meth:`undo`
        needs to put it back (see :meth:`put`; without ``undoable``, not where it was among
        the documents added)."""
        added = self._added
        if key in added:
            at = None
            if undoable and next(reversed(added)) != key:
                at = next(n for n, k in enumerate(added) if k == key)
            return ("added", added.pop(key), at)
        p = self._find(key)
        if p < 0 or key in self._gone:
            return ABSENT
        self._gone.add(key)
        self._live_base -= 1
        old = self._over.pop(key, _NONE)
        return BASE if old is _NONE else ("over", old)

    def undo(self, key: str, old: Any) -> None:
        """Undo the last :meth:`put` or :meth:`drop` of ``key`` (every later change
        undone already), given what it returned: the table holds again what it held
        before, in the same order (a document of the file where the file has it)."""
        if old is ABSENT:
            self._added.pop(key, None)
            return
        if old is BASE or old[0] == "over":
            if key in self._gone:
                self._gone.discard(key)
                self._live_base += 1
            if old is BASE:
                self._over.pop(key, None)
            else:
                self._over[key] = old[1]
            return
        added, at = self._added, old[2]
        if key in added or at is None or at >= len(added):
            added[key] = old[1]
        else:  # dropped from among the documents added: back in its place
            items = list(added.items())
            items.insert(at, (key, old[1]))
            self._added = dict(items)

    def clear(self) -> None:
        self._ids, self._pos, self._len, self._cid = array("q"), array("q"), array("q"), array("q")
        self._index = None
        self._sorted = True
        self._over, self._gone, self._added = {}, set(), {}
        self._live_base = 0

    @property
    def in_memory(self) -> int:
        """Documents held in memory (written since the file was read)."""
        return len(self._over) + len(self._added)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Rows) and other is self:
            return True
        if not isinstance(other, (dict, Rows)):
            return NotImplemented
        return len(self) == len(other) and dict(self.items()) == dict(other.items())

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"<Rows {len(self)} documents ({self.in_memory} in memory)>"


_NONE: Any = object()


def client_of(doc: Any) -> int:
    """The ``client_id`` of a document as the rows keep it (:data:`NO_CLIENT` for none)."""
    c = doc.get("client_id") if type(doc) is dict else None
    return c if type(c) is int else NO_CLIENT


def raw_docs(table: Any) -> Iterator[tuple[str, bytes, int]]:
    """``(key, JSON text, client)`` of every document of a table (:class:`Rows` or a dict)."""
    if isinstance(table, Rows):
        return table.raw_items()
    return ((key, encode(doc).encode("utf-8"), client_of(doc)) for key, doc in table.items())


class _Keys:
    __slots__ = ("_rows",)

    def __init__(self, rows: Rows) -> None:
        self._rows = rows

    def __iter__(self) -> Iterator[str]:
        return iter(self._rows)

    def __len__(self) -> int:
        return len(self._rows)

    def __contains__(self, key: object) -> bool:
        return key in self._rows


class _Items(_Keys):
    __slots__ = ()

    def __iter__(self) -> Iterator[tuple[str, Any]]:  # type: ignore[override]
        return self._rows._all_items()

    def __contains__(self, item: object) -> bool:
        try:
            key, value = item  # type: ignore[misc]
        except (TypeError, ValueError):
            return False
        return key in self._rows and self._rows[key] == value


class _Values(_Keys):
    __slots__ = ()

    def __iter__(self) -> Iterator[Any]:  # type: ignore[override]
        return (doc for _, doc in self._rows._all_items())

    def __contains__(self, value: object) -> bool:
        return any(v == value for v in self)
