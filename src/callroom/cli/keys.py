"""`callroom keys`: every action's key, the owner's keymap applied."""

from __future__ import annotations

import json

import click


@click.command()
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array: id, key, shown, screens, description.")
def keys(as_json: bool) -> None:
    """List every key: id, key, screen and what it does, with your keymap.toml applied.

    Change a key by adding a line to keymap.toml in your configuration folder
    ($CALLROOM_CONFIG_DIR, else the platform's), e.g.  session.save = "ctrl+s".
    Lines that cannot be used are named on standard error; their defaults stay.
    """
    from ..config import config_dir
    from ..ui import keymap

    path = keymap.keymap_path(config_dir())
    km = keymap.load(path)
    for problem in km.problems:
        click.echo(f"warning: {problem}", err=True)
    rows = keymap.table(km)
    if as_json:
        click.echo(json.dumps([r.to_json() | {"remapped": r.id in km.keys} for r in rows], indent=2, ensure_ascii=False))
        return
    click.echo(f"Keys ({'with ' + str(path) if km.keys else 'defaults; yours go in ' + str(path)}):")
    width = max(len(r.id) for r in rows)
    for r in rows:
        mark = "*" if r.id in km.keys else " "
        click.echo(f"{mark} {r.id:<{width}}  {keymap.display(r.key):<14} {', '.join(r.screens):<16} {r.description}")
    if km.keys:
        click.echo("* your keymap")
