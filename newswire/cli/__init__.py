"""The ``newswire`` command: one group, sub-commands registered from their modules."""

from __future__ import annotations

import typer

from newswire.cli import items

app = typer.Typer(
    help="newswire — a news agency's news flow system.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
for command in items.app.registered_commands:
    app.registered_commands.append(command)


def main() -> None:
    app()
