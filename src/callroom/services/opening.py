"""Opening the ledger for a session: the first client on screen from the queue summary
while the whole ledger is read and checked in the background.

:func:`open_session` gives a :class:`~callroom.services.Desk`:

* an :class:`OpeningDesk` when the summary beside the ledger describes it exactly (see
  :mod:`callroom.services.summary`): the queue, the first clients' records and the
  settings come from the summary at once; :meth:`OpeningDesk.start_loading` then reads
  and checks every line and record of the ledger in a thread (the reader takes a line
  at a time, so the screen keeps being drawn). Until it is done, what the summary cannot
  answer waits for it, and the screens keep keys that write from running (see
  ``callroom.ui.app``); if it finds damage, the session turns read-only (the readable
  part is opened, as ``--salvage`` does) and :attr:`OpeningDesk.damage` says what is
  wrong: nothing is written;
* otherwise a :class:`SummarisedDesk` over the ledger read whole, as before.

Either keeps the summary: it is written when the session closes (after a compaction),
from the queue files of the clients written during the session and the days worked out
in a worker meanwhile.
"""

from __future__ import annotations

import threading
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

from ..domain import queue as queue_mod
from ..domain.models import Session
from ..domain.policy import Policy
from ..domain.queue import Queue
from . import summary as summary_mod
from .desk import Desk

if TYPE_CHECKING:
    from ..domain.clock import Clock
    from ..store.repo import Store

__all__ = ["OpeningDesk", "SummarisedDesk", "open_session"]


class SummarisedDesk(Desk):
    """A :class:`Desk` that keeps the queue summary beside its ledger up to date.

    The first queue built from the whole ledger gives the queue files; a worker thread
    turns them into a :class:`~callroom.services.summary.Book` and works out the days
    ahead (nothing of the ledger is touched there: the files are plain values). When
    the desk closes, the clients written since are brought up to date in it and it is
    written beside the ledger, as of the ledger's tip after any compaction. A read-only
    desk never writes it."""

    def __init__(self, store: "Store", clock: "Clock | None" = None) -> None:
        super().__init__(store, clock)
        self._book: summary_mod.Book | None = None
        self._book_mark: tuple | None = None
        self._book_thread: threading.Thread | None = None
        self._book_error: BaseException | None = None

    # -- the book ------------------------------------------------------------------------

    def _full_build(self, store: "Store", now: datetime, policy: Policy) -> Queue:
        files = store.queue_files()
        q = queue_mod.build(files, now, policy, memo=self._queue_memo)
        if self._book is None and self._book_thread is None and not store.read_only and self._queue_memo.key is not None:
            self._book_mark = store.queue_mark()
            today, decided = now.date(), dict(self._queue_memo.decided)
            self._start_book(lambda: _filled(summary_mod.book_of(files, today, policy, decided), today, files))
        return q

    def _start_book(self, make: Callable[[], summary_mod.Book]) -> None:
        def run() -> None:
            try:
                self._book = make()
            except BaseException as exc:  # noqa: BLE001 - a summary not made is made next time
                self._book_error = exc

        self._book_thread = threading.Thread(target=run, name="callroom-summary", daemon=True)
        self._book_thread.start()

    def _finished_book(self) -> summary_mod.Book | None:
        if self._book_thread is not None:
            self._book_thread.join()
            self._book_thread = None
        return self._book

    def save_summary(self) -> bool:
        """Write the summary beside the ledger as it is now (after compacting it, if due).
        False when there is nothing to write it from (read-only, no queue built, a change
        the repositories did not see: it is then removed, and made again next time)."""
        from ..store import StorageWriteError
        from ..store.summary import remove_summary

        store = self.store
        if store.read_only or store.path is None:
            return False
        book = self._finished_book()
        if book is None or self._book_mark is None:
            return False
        try:
            store.db.maybe_compact()  # the summary is of the file as it is left
        except StorageWriteError:
            pass
        changed = store.queue_changes(self._book_mark)
        if changed is None or store.settings.policy != book.policy:
            remove_summary(store.path)
            return False
        book.update(changed)
        self._book_mark = store.queue_mark()
        try:
            return summary_mod.write(Path(store.path), store, book, self.clock.today())
        except OSError:
            return False

    def close(self) -> None:
        try:
            self.save_summary()
        except Exception:  # noqa: BLE001 - the summary is a cache: never in the way of closing
            pass
        finally:
            self.store.close()


def _filled(book: summary_mod.Book, today, files) -> summary_mod.Book:
    book.fill(today, files)
    return book


def _settled(book: summary_mod.Book, today) -> summary_mod.Book:
    book.settle(today)
    return book


# -- the first screen from the summary ---------------------------------------------------------


class _Waiting:
    """Base of the stand-ins for the store's parts: what the preview cannot answer is
    asked of the whole ledger (waiting for it to be read)."""

    def __init__(self, desk: "OpeningDesk", path: tuple[str, ...]) -> None:
        self._desk = desk
        self._path = path

    def _of(self, store: Any) -> Any:
        for name in self._path:
            store = getattr(store, name)
        return store

    def _real(self) -> Any:
        return self._of(self._desk._whole())

    def _mini(self) -> Any:
        return self._of(self._desk._preview_store)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._real(), name)


class _Repo(_Waiting):
    """A repository: a first client's records from the preview, anything else waits."""

    def _for(self, client_id: Any) -> Any:
        return self._mini() if self._desk._previews(client_id) else self._real()

    def for_client(self, client_id: int) -> list:
        return self._for(client_id).for_client(client_id)

    def ids_for_client(self, client_id: int) -> list:
        return self._for(client_id).ids_for_client(client_id)

    def get(self, id: int) -> Any:
        mini = self._mini()
        if self._desk._loading() and str(id) in mini.docs():
            return mini.get(id)
        return self._real().get(id)


class _Clients(_Repo):
    def get(self, id: int) -> Any:
        return self._for(id).get(id)


class _Ledger(_Waiting):
    def __init__(self, desk: "OpeningDesk") -> None:
        super().__init__(desk, ("ledger",))
        self.invoices = _Repo(desk, ("ledger", "invoices"))
        self.payments = _Repo(desk, ("ledger", "payments"))

    def open_invoices(self, client_id: int) -> list:
        store = self._desk._preview_store if self._desk._previews(client_id) else self._desk._whole()
        return store.ledger.open_invoices(client_id)


class _Settings(_Waiting):
    """The settings are all in the preview; changing them waits for the ledger."""

    _WRITES = frozenset({"set", "set_policy", "set_profile", "set_logo", "table"})

    def __getattr__(self, name: str) -> Any:
        if name in self._WRITES or not self._desk._loading():
            return getattr(self._real(), name)
        return getattr(self._mini(), name)


class _Sessions(_Waiting):
    """Starting the session's record while the ledger is checked: it gets the id the
    ledger will give it, and is stored once the ledger is known to be whole (never if
    it is not)."""

    def start(self, started: datetime, as_of, minutes: int, planned: int) -> Session:
        desk = self._desk
        with desk._guard:
            if desk._loading() and desk._preview.next_session is not None and desk._pending is None:
                desk._pending = Session(desk._preview.next_session, started=started, as_of=as_of, minutes=minutes,
                                        planned=planned)
                return desk._pending
        return self._real().start(started, as_of, minutes, planned)

    def end(self, session: Session, ended: datetime) -> Session:
        desk = self._desk
        with desk._guard:
            if desk._pending is not None and session.id == desk._pending.id and not desk._flushed:
                desk._pending = replace(desk._pending, ended=ended)
                return desk._pending
        return self._real().end(session, ended)


class _PreviewStore(_Waiting):
    """What the desk's parts see as its store while the ledger is read: the summary's
    answers where it has them, the whole ledger (waited for) for everything else."""

    def __init__(self, desk: "OpeningDesk") -> None:
        super().__init__(desk, ())
        self.clients = _Clients(desk, ("clients",))
        self.ledger = _Ledger(desk)
        self.calls = _Repo(desk, ("calls",))
        self.promises = _Repo(desk, ("promises",))
        self.plans = _Repo(desk, ("plans",))
        self.disputes = _Repo(desk, ("disputes",))
        self.escalations = _Repo(desk, ("escalations",))
        # (what was written to a client is not kept in the summary: asked of the whole ledger)
        self.sessions = _Sessions(desk, ("sessions",))
        self.settings = _Settings(desk, ("settings",))

    @property
    def path(self) -> Path:
        return self._desk._path

    @property
    def read_only(self) -> bool:
        desk = self._desk
        if desk._loading():
            return desk._read_only
        return True if desk._loaded is None or desk.damage is not None else desk._loaded.read_only

    def is_empty(self) -> bool:
        if self._desk._loading():
            return self._desk._preview.counts.get("invoices", 0) == 0
        return self._desk._whole().is_empty()

    def client_file(self, client_id: int):
        store = self._desk._preview_store if self._desk._previews(client_id) else self._desk._whole()
        return store.client_file(client_id)


class OpeningDesk(SummarisedDesk):
    """A desk whose first screen comes from the summary (see the module's text).

    :meth:`start_loading` reads the whole ledger in a thread; :meth:`finish_loading`
    (on the thread that runs the screens) then makes it the desk's store. Before that,
    :attr:`loading` is True, the desk answers from the summary what it can (the queue,
    the first clients, the settings), and waits for the ledger for the rest."""

    def __init__(self, path: Path, clock: "Clock | None", preview: summary_mod.Preview, lock: Any, read_only: bool) -> None:
        from ..store import in_memory

        self._path = path
        self._preview = preview
        self._lock = lock
        self._read_only = read_only
        self._preview_store = in_memory(preview.tables, path=path)
        self._guard = threading.RLock()
        self._done = threading.Event()
        self._thread: threading.Thread | None = None
        self._loaded: "Store | None" = None
        self._swapped = False
        self._flushed = False
        self._pending: Session | None = None
        self._unstored: int | None = None  # the session's record, when it could not be stored
        #: What the check found wrong with the ledger (the session is read-only then).
        self.damage: str | None = None
        #: The ledger read whole differs from what the summary said: the first screen's queue
        #: is not its queue (the screens then show the queue worked out again).
        self.first_screen_stale = False
        self._failure: BaseException | None = None
        self._loaded_state: tuple | None = None
        super().__init__(_PreviewStore(self), clock)  # type: ignore[arg-type]
        policy = preview.policy
        self._queue_memo = queue_mod.memo_of(dict(preview.decided), preview.today, policy, locale=summary_mod.LOCALE)
        if not read_only:
            self._book_pending = preview.book
        else:
            self._book_pending = None

    # -- the whole ledger -------------------------------------------------------------------

    @property
    def loading(self) -> bool:
        """True until the whole ledger has been read, checked and taken over."""
        return not self._swapped

    def _loading(self) -> bool:
        return not self._done.is_set()

    def _previews(self, client_id: Any) -> bool:
        return not self._done.is_set() and client_id in self._preview.clients

    def start_loading(self, done: Callable[[], None] | None = None) -> None:
        """Read and check the whole ledger in a thread; ``done()`` is called from it when finished."""
        with self._guard:
            if self._thread is not None:
                return
            if self._done.is_set():
                # Already read, on demand (the first screen asked for a client the summary does
                # not hold before the check was started): ``done`` is still owed, from a thread
                # as ever, or the screens would wait for a check that never reports.
                if done is not None:
                    self._thread = threading.Thread(target=done, name="callroom-check", daemon=True)
                    self._thread.start()
                return

            def run() -> None:
                self._load()
                if done is not None:
                    done()

            self._thread = threading.Thread(target=run, name="callroom-check", daemon=True)
            self._thread.start()

    def _load(self) -> None:
        import sys

        from ..store import DamagedFileError, NewerSchemaError, StoreError, open_store

        # The screens keep answering keys while this thread reads: the interpreter passes
        # between threads every millisecond (not every five) meanwhile.
        interval = sys.getswitchinterval()
        sys.setswitchinterval(min(interval, 0.001))
        store = None
        try:
            store = open_store(self._path, read_only=self._read_only, lock=self._lock)
            self._loaded_state = store.db.storage.state  # before anything is written to it
            from ..store.summary import intact, remove_summary

            if not intact(self._preview.summary):  # a part the first screen did not read is damaged
                self._book_pending = None
                if not self._read_only:
                    remove_summary(self._path)  # made again from the ledger next time
        except (DamagedFileError, NewerSchemaError) as exc:
            self.damage = _damage_text(exc)
            try:
                store = open_store(self._path, salvage=True)
            except (StoreError, OSError) as again:
                self._failure = again
        except BaseException as exc:  # noqa: BLE001 - said when the ledger is next asked for
            self.damage = str(exc)
            self._failure = exc
        finally:
            self._lock = None  # the store holds it now (or let it go with the failed open)
            sys.setswitchinterval(interval)
        self._loaded = store
        self._done.set()

    def wait_loaded(self, timeout: float | None = None) -> bool:
        """Block until the whole ledger is read (starting that here if nobody has)."""
        if self._thread is None and not self._done.is_set():
            with self._guard:
                if self._thread is None and not self._done.is_set():
                    self._load()
        return self._done.wait(timeout)

    def _whole(self) -> "Store":
        """The store of the whole ledger, read and checked (waiting for it), the session's
        record stored in it first."""
        self.wait_loaded()
        store = self._loaded
        if store is None:
            from ..store import StoreError

            raise StoreError(self.damage or "the ledger could not be read") from self._failure
        self._flush(store)
        return store

    def _flush(self, store: "Store") -> None:
        with self._guard:
            if self._flushed:
                return
            self._flushed = True
            pending, self._pending = self._pending, None
            if pending is None:
                return
            if store.read_only or self.damage is not None:
                self._unstored = pending.id  # a read-only or damaged ledger: never stored
                return
            try:
                store.sessions.put_new(pending)
            except Exception:  # noqa: BLE001 - the session's record only; the calls are what matter
                self._unstored = pending.id

    def finish_loading(self) -> str | None:
        """Make the whole ledger the desk's store (on the screens' thread, once it is read):
        returns what is wrong with it (the session is read-only then), or None."""
        store = self._whole() if self._failure is None else None
        with self._guard:
            if self._swapped:
                return self.damage
            self._swapped = True
        if store is None:
            return self.damage
        self.store = store
        self._queue_mark = store.queue_mark()
        if self.damage is None and self._loaded_state != (self._preview.tip, self._preview.chain):
            # The ledger read whole is not the one the summary described (a line changed
            # with its checksum made again, a writer beside a read-only session): the queue
            # is worked out again from it, and the summary made anew.
            self.first_screen_stale = True
            self._queue_memo.key = None
            self._book_pending = None
            return self.damage
        if self.damage is None and not store.read_only and self._book_pending is not None:
            self._book_mark = self._queue_mark
            book, today = self._book_pending, self._preview.today
            self._start_book(lambda: _settled(book, today))
        return self.damage

    # -- what the first screen asks -------------------------------------------------------

    def queue(self) -> Queue:
        if not self._swapped:
            return self._preview.queue
        return super().queue()

    def end_session(self, session: Session) -> Session:
        if session.id is not None and session.id == self._unstored:
            return replace(session, ended=self.clock.now().replace(tzinfo=None, microsecond=0))
        return super().end_session(session)

    def ledger_notices(self) -> list[str]:
        if not self._swapped:  # the ends of the file and its seal agreed: nothing of its own to say yet
            return [] if getattr(self, "_notices_seen", False) else list(getattr(self, "_more_notices", ()))
        return super().ledger_notices()

    def close(self) -> None:
        if self._thread is not None:
            self._thread.join()
        if not self._swapped and self._done.is_set():
            self.finish_loading()
        if not self._swapped or self._loaded is None:  # never read, or unreadable: nothing to close but the lock
            if self._lock is not None:
                self._lock.release()
                self._lock = None
            return
        if self.damage is not None:
            self._loaded.close()
            return
        super().close()


def _damage_text(exc: BaseException) -> str:
    line, problem = getattr(exc, "line", None), getattr(exc, "problem", None)
    if line is not None and problem is not None:
        return f"line {line}: {problem}"
    return str(exc)


def _settle_big(path: Path) -> None:
    """The day's decisions of a big ledger, just decoded, live as long as the session: they
    are frozen out of the cyclic collector (``gc.freeze``), as the store's documents are
    when it reads a big file. Left in, every full collection while the first screen is
    made scans them all (a decision per client: on the 50,000-client benchmark ledger
    the first frame took 0.37-0.52 s with them in, 0.20-0.28 s frozen). They make no
    reference cycles, so nothing is kept that would have been freed."""
    import gc

    from ..store.reading import SETTLE_GC_BYTES

    try:
        big = path.stat().st_size >= SETTLE_GC_BYTES
    except OSError:
        return
    if big:
        gc.freeze()


def open_session(path: Path | str, clock: "Clock | None" = None, *, read_only: bool = False) -> Desk:
    """The ledger at ``path`` for a calling session: an :class:`OpeningDesk` whose first
    screen comes from the summary, when it describes the ledger (call ``start_loading``);
    else a :class:`SummarisedDesk` over the ledger read whole (``DamagedFileError``,
    ``LockedError``… as the store raises them)."""
    from ..domain.clock import Clock
    from ..store import open_store, take_lock

    path = Path(path)
    clock = clock or Clock()
    lock = None if read_only else take_lock(path)
    try:
        preview = summary_mod.read_preview(path, clock.now()) if path.exists() else None
        if preview is not None:
            desk = OpeningDesk(path, clock, preview, lock, read_only)
            _settle_big(path)
            return desk
        return SummarisedDesk(open_store(path, read_only=read_only, lock=lock), clock)
    except BaseException:
        if lock is not None:
            lock.release()
        raise
