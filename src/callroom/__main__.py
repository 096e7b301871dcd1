"""`python -m callroom`: the same as the `callroom` command."""

from .cli import run

run()
