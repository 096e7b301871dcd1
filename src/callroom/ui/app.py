"""The callroom Textual app."""

from __future__ import annotations

import asyncio
import gc
import time
from functools import partial

from rich.text import Text
from textual import events
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.containers import Vertical
from textual.screen import Screen
from textual.widgets import Footer, Static

from ..config import config_dir
from ..domain.clock import Clock
from ..domain.drafts import strip_controls
from ..services import Desk
from . import keymap as keymap_mod
from . import prefs
from .ledger_line import WORK_WHILE_CHECKING, LedgerLine, checking_text, damage_text
from .session import SessionScreen


#: The session's own palette commands: name, what it does, action, and the binding whose key is shown.
SESSION_COMMANDS = (
    ("End the session", "See the summary; everything is saved", "end", "session.end", "q"),
    ("Not today list", "Who is left out of the queue and why", "not_today", "session.not_today", "z"),
    ("Client history", "The current client's whole history", "history", "session.history", "h"),
    ("Payment received…", "Record money from the current client: amount, date, invoices", "payment", "session.payment", "$"),
    ("Report", "Aging, promises kept, reach and promise rates, collected after calls, this week's follow-ups", "report", "session.report", "R"),
    ("Write to the client…", "The message that follows the last call: confirmation, plan, receipt, reminder…", "write", "session.write", "W"),
    ("Client details…", "Phone, email, contact, address, payment instructions, language", "client_details", "session.client_details", "E"),
    ("Business profile…", "Your name, contact, phone, email, address, logo, payment instructions, escalation costs", "profile", "session.profile", "P"),
    ("Escalation routes…", "Weigh final notice, lawyer, agency, small claims, settling, writing off; choose one on the record",
     "escalation", "session.escalation", "X"),
    ("Case file…", "Write this client's case file for a lawyer, an agency or a court", "casefile", "session.casefile", "F"),
    ("Help: keys", "Every key of this screen", "help", "session.help", "?,f1"),
)


class ClientCommands(Provider):
    """Command palette: jump to any client by name, and the session's own commands."""

    async def startup(self) -> None:
        app = self.app
        assert isinstance(app, CallroomApp)
        self.clients = await app.client_names()

    def _session(self) -> SessionScreen | None:
        s = self.app.screen_stack
        return next((x for x in reversed(s) if isinstance(x, SessionScreen)), None)

    def _commands(self):
        key = self.app.key_label  # type: ignore[attr-defined]
        for name, helptext, action, binding_id, default in SESSION_COMMANDS:
            yield (name, f"{helptext} ({key(binding_id, default)})", action)

    def _target(self) -> Screen | None:
        """The screen the commands act on: the session, else the empty-ledger or nothing-today screen."""
        s = self.app.screen_stack
        return self._session() or next((x for x in reversed(s) if isinstance(x, (EmptyScreen, NothingTodayScreen))), None)

    def _all(self, target: Screen):
        if isinstance(target, SessionScreen):
            yield from self._commands()
            yield from target.filter_commands()
        yield ("Import invoices…", "Read CSV or Excel exports, preview what changes, then store", "import_invoices")

    async def discover(self) -> Hits:
        sess = self._target()
        if sess is None:
            return
        for name, helptext, action in self._all(sess):
            yield DiscoveryHit(name, partial(sess.run_action, action), help=helptext)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        sess = self._target()
        if sess is not None:
            for name, helptext, action in self._all(sess):
                score = matcher.match(name)
                if score > 0:
                    yield Hit(score, matcher.highlight(name), partial(sess.run_action, action), help=helptext)
        if isinstance(sess, SessionScreen):
            for cid, cname in self.clients:
                label = f"Call {cname}"
                score = matcher.match(label)
                if score > 0:
                    # highlight() reads its text as markup: every "[" of a name ("Smith [/b] Ltd",
                    # "Acme [Street]") is escaped first, so the name is shown as it is.
                    yield Hit(score, matcher.highlight(label.replace("[", "\\[")), partial(sess.call_client, cid), help="Jump to this client in the session")


class EmptyScreen(Screen):
    """An empty ledger: say how to get invoices in, not an empty table."""

    KEYS_TITLE = "empty ledger"

    BINDINGS = [
        Binding("i", "import_invoices", "Import invoices", id="empty.import", tooltip="Import open invoices from CSV or Excel exports, with a preview"),
        Binding("q", "app.quit", "Quit", id="empty.quit", tooltip="Leave callroom"),
    ]

    def __init__(self, path: str):
        super().__init__()
        self.path = path

    def compose(self) -> ComposeResult:
        t = Text()
        t.append("No invoices yet\n\n", style="bold")
        t.append("callroom builds today's call queue from your open invoices.\n")
        t.append("Export them from your accounting tool as CSV (QuickBooks, Xero,\n")
        t.append("FreshBooks, Stripe, Zoho, Wave, Sage, Invoice Ninja…), then press\n")
        t.append(self.app.key_label("empty.import", "i") if isinstance(self.app, CallroomApp) else "i", style="bold green")
        t.append(" to import them here: you see what changes before anything is stored.\n")
        t.append("Or, from a shell:\n\n")
        t.append("    callroom import open-invoices.csv\n\n", style="bold green")
        t.append("Add --dry-run first to see what would be stored.\n")
        t.append("To try callroom on made-up clients: ")
        t.append("callroom demo\n\n", style="bold green")
        t.append(f"Ledger: {self.path}", style="dim")
        with Vertical(id="empty"):
            yield Static(t)
        yield Footer()

    def action_import_invoices(self) -> None:
        from .importer import open_import

        app = self.app
        assert isinstance(app, CallroomApp)
        open_import(self, app.desk, app.after_import)


class NothingTodayScreen(Screen):
    BINDINGS = [
        Binding("q", "app.quit", "Quit", id="nothing.quit", tooltip="Leave callroom"),
        Binding("z", "not_today", "Not today", id="nothing.not_today", tooltip="Who is left out, and why"),
        Binding("i", "import_invoices", "Import invoices", id="nothing.import", tooltip="Import open invoices from CSV or Excel exports, with a preview"),
        Binding("R", "report", "Report", id="nothing.report", tooltip="Aging, promises kept, reach and promise rates, follow-ups this week"),
    ]

    def __init__(self, desk: Desk, queue):
        super().__init__()
        self.desk = desk
        self.queue = queue

    def compose(self) -> ComposeResult:
        t = Text()
        t.append("Nobody to call today\n\n", style="bold")
        n = sum(1 for h in self.queue.not_today if h.until is not None)
        rest = len(self.queue.not_today) - n
        t.append(f"{n} client{' is' if n == 1 else 's are'} waiting on a date (a promise, a plan, a dispute, a hold)")
        t.append(f"; {rest} {'has' if rest == 1 else 'have'} nothing overdue enough to call.\n" if rest else ".\n")
        key = self.app.key_label if isinstance(self.app, CallroomApp) else (lambda _id, k: k)
        t.append(f"Press {key('nothing.not_today', 'z')} to see who and why, {key('nothing.report', 'R')} for the report, "
                 f"{key('nothing.import', 'i')} to import newer invoices.")
        with Vertical(id="empty"):
            yield Static(t)
        yield Footer()

    def action_not_today(self) -> None:
        from .history import NotTodayScreen

        self.app.push_screen(NotTodayScreen(self.queue))

    def action_import_invoices(self) -> None:
        from .importer import open_import

        app = self.app
        assert isinstance(app, CallroomApp)
        open_import(self, app.desk, app.after_import)

    def action_report(self) -> None:
        from .report import ReportScreen

        self.app.push_screen(ReportScreen(self.desk))


#: With a big ledger, full garbage collections run only after this long without a keypress,
#: checked this often (see CallroomApp.on_mount).
IDLE_GC_AFTER_S = 2.0
IDLE_GC_EVERY_S = 5.0
#: ... and, should a session never pause, at the latest after this many collections of the
#: middle generation (Python's default is 10). Measured on the 10,000-client benchmark ledger
#: (20 calls saved and 10 histories opened back to back, no pause): at 1,000 the garbage of
#: those keys was never collected and the session peaked at 153 MB; at 20, 131 MB, with about
#: five full collections among those 30 keys (0.10-0.17 s each: medians unchanged, the
#: slowest history 0.17-0.18 s instead of 0.07 s).
IDLE_GC_CAP = 20


class CallroomApp(App):
    CSS_PATH = "callroom.tcss"
    TITLE = "callroom"
    COMMANDS = App.COMMANDS | {ClientCommands}
    BINDINGS = [Binding("ctrl+p", "command_palette", "Commands", id="app.palette", tooltip="Jump to a client, end the session, …", show=False)]  # the Footer shows the palette key on its right
    ENABLE_COMMAND_PALETTE = True

    def __init__(self, desk, *, clock: Clock | None = None, minutes: int = 60, demo: bool = False, ticker=time.monotonic):
        """``desk``: a :class:`~callroom.services.Desk`, or an open ledger to make one on (with ``clock``).

        The owner's keys (``keymap.toml``) and theme come from the configuration folder."""
        super().__init__()
        self.desk = desk if isinstance(desk, Desk) else Desk(desk, clock or Clock())
        self.keymap = keymap_mod.load(keymap_mod.keymap_path(config_dir()))
        self.set_keymap(self.keymap.keys)
        saved = prefs.saved_theme()
        self.theme = saved if saved in self.available_themes else prefs.default_theme()
        self.minutes = minutes
        self.demo = demo
        self.ticker = ticker
        if demo:
            self.sub_title = "demo ledger"
        self._last_input = ticker()
        self._gc_thresholds: tuple[int, int, int] | None = None  # while full collections wait for idle moments
        #: Set once the whole ledger is read and checked (at once for a ledger read whole at open).
        self._checked = asyncio.Event()
        #: A key pressed while the ledger is checked, run once it is: (screen, action, parameters).
        self._held: tuple | None = None
        self._damage: str | None = None

    async def on_event(self, event: events.Event) -> None:
        # A bracketed paste goes straight to the focused field: strip escape sequences and
        # control characters first, so pasted text is never echoed raw to the terminal.
        if isinstance(event, events.Paste) and not event.is_forwarded:
            event.text = strip_controls(event.text)
        if isinstance(event, (events.Key, events.Paste, events.MouseDown)):
            self._last_input = self.ticker()
        await super().on_event(event)

    def notify(self, message: str, *, title: str = "", severity="information", timeout: float | None = None,
               markup: bool = False) -> None:
        """Every notice is plain text: notices carry clients' names and notes, and one named
        "Smith [/b] Ltd" would otherwise lose words or stop the app when the notice is drawn
        (a screen's ``notify`` asks for markup by default; it is refused here)."""
        super().notify(message, title=title, severity=severity, timeout=timeout, markup=False)

    async def client_names(self) -> list[tuple[int, str]]:
        await self._checked.wait()  # every client: the whole ledger
        return self.desk.client_names()

    def key_label(self, binding_id: str, default: str) -> str:
        """The key of an action as the owner has it (their keymap, else ``default``), for text
        that names keys ("press z to see who")."""
        return keymap_mod.display(self.keymap.keys.get(binding_id, default))

    def _keep_theme(self, theme) -> None:
        prefs.save_theme(theme.name)

    def on_mount(self) -> None:
        self.theme_changed_signal.subscribe(self, self._keep_theme)
        if self.keymap.problems:  # one notice for them all, not a stack of them over the call card
            lines = [str(p) for p in self.keymap.problems[:4]]
            if len(self.keymap.problems) > 4:
                lines.append(f"… and {len(self.keymap.problems) - 4} more: callroom keys lists them all.")
            self.notify("\n".join(lines), title="Keys", severity="warning", timeout=30)
        if self.desk.is_empty():
            self.push_screen(EmptyScreen(str(self.desk.path or "in memory")))
        else:
            self.push_screen(self.queue_screen())
        self._show_ledger_notices()
        self._start_check()
        self._settle_gc()

    # -- the ledger checked in the background (callroom.services.opening) -------------------

    def _start_check(self) -> None:
        """A first screen drawn from the queue summary: read and check the whole ledger now,
        in a thread; say so above the first screen until it is done."""
        desk = self.desk
        if not getattr(desk, "loading", False):
            self._checked.set()
            return

        def done() -> None:
            try:
                self.call_from_thread(self._ledger_checked)
            except RuntimeError:
                pass  # the app has already stopped

        def start() -> None:
            self._show_line()
            desk.start_loading(done)  # type: ignore[attr-defined]

        # Once the first screen is drawn: a thread reading the ledger meanwhile would take
        # the interpreter from the screen's many short steps and hold back its first frame.
        self.call_after_refresh(start)

    def _base_screen(self) -> Screen | None:
        return next((s for s in reversed(self.screen_stack) if isinstance(s, (SessionScreen, NothingTodayScreen, EmptyScreen))), None)

    def _show_line(self, waiting: bool = False) -> None:
        """The checking line, or the damage banner, at the top of the first screen."""
        if self._checked.is_set() and self._damage is None:
            return
        text = damage_text(self._damage) if self._damage is not None else checking_text(waiting)
        screen = self._base_screen()
        if screen is None:
            return
        found = screen.query(LedgerLine)
        if found:
            found.first().update(text)
            found.first().set_class(self._damage is not None, "-damaged")
        else:
            screen.mount(LedgerLine(text, damaged=self._damage is not None), before=0)

    def _must_wait(self, namespace: object, action_name: str) -> bool:
        return (not self._checked.is_set() and isinstance(namespace, (SessionScreen, NothingTodayScreen, EmptyScreen))
                and action_name not in WORK_WHILE_CHECKING)

    async def _dispatch_action(self, namespace, action_name: str, params) -> bool:
        # A key that saves (or needs more of the ledger than the first screen) while the
        # ledger is checked: held, and run once the check is done. Only the first: a later
        # one does nothing (a save is never dropped for a key pressed after it).
        if self._must_wait(namespace, action_name):
            if self._held is None:
                self._held = (namespace, action_name, params)
            self._show_line(waiting=True)
            return True
        return await super()._dispatch_action(namespace, action_name, params)

    async def _ledger_checked(self) -> None:
        """The whole ledger is read: the desk takes it over; a damaged one turns the session
        read-only with the banner; then the key held meanwhile runs."""
        self._damage = self.desk.finish_loading()  # type: ignore[attr-defined]
        self._checked.set()
        screen = self._base_screen()
        if self._damage is None and getattr(self.desk, "first_screen_stale", False) and screen is not None:
            # The ledger read whole differs from its summary: the first screen showed a queue
            # that is not the ledger's. It is worked out again and shown instead. A key held
            # meanwhile is not run (it was pressed on facts that were not the ledger's); the call
            # being keyed in is kept in the new screen's form when its client is still queued.
            held, self._held = self._held, None
            kept = screen.typed() if isinstance(screen, SessionScreen) else None
            while self.screen is not screen and len(self.screen_stack) > 2:
                self.pop_screen()
            fresh = EmptyScreen(str(self.desk.path or "in memory")) if self.desk.is_empty() else self.queue_screen()
            await self.switch_screen(fresh)
            said = ("The ledger is not what the summary beside it said (changed by another program?): today's "
                    "queue was worked out again from the ledger itself.")
            if kept is not None:
                cid, name, draft = kept
                if isinstance(fresh, SessionScreen) and fresh.take_draft(cid, draft):
                    said += f" The call you were keying in for {name} is kept in the form, not saved: check the facts, then Enter."
                else:
                    said += f" The call you were keying in for {name} was not saved: {name} is not in the queue as the ledger has it."
            elif held is not None:
                said += " The key pressed meanwhile was not run."
            self.notify(said, title="Ledger", severity="warning", timeout=15)
            screen = fresh
        if self._damage is not None:
            self._show_line()
            self.notify(f"The ledger is damaged ({self._damage.rstrip('.')}): this session is read-only.",
                        title="Ledger", severity="error", timeout=10)
        elif screen is not None:
            for line in screen.query(LedgerLine):
                await line.remove()
        self._show_ledger_notices()
        self._settle_gc()
        held, self._held = self._held, None
        if held is not None and held[0].is_attached:
            await super()._dispatch_action(*held)

    def _settle_gc(self) -> None:
        if self._gc_thresholds is not None or not self._checked.is_set():
            return
        if gc.get_freeze_count():
            # A big ledger: its documents were frozen at open (callroom.store.reading.load).
            # The first queue and the store's indexes behind it live as long as the session
            # too; left to the cyclic collector, each full collection rescans them all
            # (~0.17 s on the benchmark ledger, several per session: a stuck keypress).
            gc.freeze()
            # So do the session screen's widgets and styles, made once it is first drawn.
            self.call_after_refresh(gc.freeze)
            # Full collections still scan every object made since (screens opened and closed,
            # calls logged): 0.10-0.17 s each on the benchmark machine, landing on whatever
            # key was pressed. They are left for moments with no keypress where there are
            # some, and otherwise made half as often as Python would (IDLE_GC_CAP); the young
            # generations are collected as always.
            self._gc_thresholds = gc.get_threshold()
            gc.set_threshold(self._gc_thresholds[0], self._gc_thresholds[1], IDLE_GC_CAP)
            self.set_interval(IDLE_GC_EVERY_S, self._collect_when_idle)

    def _show_ledger_notices(self) -> None:
        """What the open found (an unfinished write set aside, …): over the first screen until dismissed."""
        from .notice import LedgerNoticeScreen

        texts = self.desk.ledger_notices()
        if texts:
            self.desk.dismiss_ledger_notices()
            self.push_screen(LedgerNoticeScreen(texts))

    def _collect_when_idle(self) -> None:
        """The full collection held back from keypresses (see on_mount): when nothing has been
        pressed for a while and younger collections have promoted anything since the last."""
        if self.ticker() - self._last_input >= IDLE_GC_AFTER_S and gc.get_count()[2] > 0:
            gc.collect()

    def on_unmount(self) -> None:
        if self._gc_thresholds is not None:
            gc.set_threshold(*self._gc_thresholds)
            self._gc_thresholds = None

    def queue_screen(self) -> Screen:
        """Today's session, or the nothing-today screen when nobody is queued."""
        q = self.desk.queue()
        if not q.entries:
            return NothingTodayScreen(self.desk, q)
        return SessionScreen(self.desk, q, minutes=self.minutes, demo=self.demo, ticker=self.ticker)

    def after_import(self, counts: dict | None) -> None:
        """Invoices imported from the empty-ledger or nothing-today screen: open the queue."""
        from .importer import stored_text

        if counts is None:
            return
        self.notify(stored_text(counts), title="Import", timeout=8)
        if self.desk.is_empty():
            return  # nothing open came in: the empty-ledger screen still says what to do
        self.switch_screen(self.queue_screen())
