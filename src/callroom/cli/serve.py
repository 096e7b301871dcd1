"""`callroom serve`: the same session in a web browser (textual-serve), on this machine only
unless the owner says otherwise."""

from __future__ import annotations

import ipaddress
import shlex
import sys

import click

from .base import Ctx, common

LOOPBACK = "127.0.0.1"


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def app_command(c: Ctx, minutes: int) -> str:
    """The command the server runs for each browser: callroom on the same ledger and day."""
    argv = [sys.executable, "-m", "callroom", "--db", str(c.path()), "--minutes", str(minutes), "--if-locked", "read-only"]
    if c.as_of is not None:
        argv += ["--as-of", c.as_of.isoformat()]
    if c.read_only:
        argv.append("--read-only")
    return shlex.join(argv)


@click.command()
@common
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535), help="The port to listen on.")
@click.option("--host", default=None, metavar="ADDRESS",
              help=f"The address to listen on [default: {LOOPBACK}; 0.0.0.0 with --public].")
@click.option("--public", is_flag=True, help="Allow an address other people can reach. Anyone who reaches the port can read and change the ledger.")
@click.option("--url", default=None, metavar="URL", help="The address browsers use to reach the server (default: http://ADDRESS:PORT).")
@click.option("--minutes", default=60, show_default=True, type=click.IntRange(5, 240), help="Length of the power hour.")
@click.pass_obj
def serve(c: Ctx, port: int, host: str | None, public: bool, url: str | None, minutes: int) -> None:
    """Run callroom in a web browser: open the address it prints.

    It listens on this machine only (127.0.0.1). Each browser tab runs its own
    session on the ledger; a second tab finds the ledger in use, opens it read-only
    and says so. Stop the server with Ctrl+C.
    """
    host = host or ("0.0.0.0" if public else LOOPBACK)
    if not is_loopback(host) and not public:
        raise click.ClickException(
            f"{host} can be reached from other machines: anyone who reaches it could read and change your ledger. "
            f"Add --public if that is what you want, or leave --host out to stay on this machine.")
    if public:
        click.echo(f"warning: listening on {host}:{port}, with no password: anyone who can reach this port can read "
                   f"and change the ledger {c.path()}.", err=True)
    from textual_serve.server import Server

    server = Server(app_command(c, minutes), host=host, port=port, title="callroom", public_url=url)
    click.echo(f"callroom is at {server.public_url} (Ctrl+C stops it)", err=True)
    server.serve()
