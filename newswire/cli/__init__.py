"""The ``newswire`` command: one group, sub-commands registered from their modules."""

from __future__ import annotations

import inspect
import re
import sys

import typer
from typer.main import get_command_name

from newswire.cli import (
    access,
    accounts,
    blobs,
    enrich,
    items,
    migrate,
    ops,
    search,
    subjects,
    usage,
    vocab,
    webhooks,
)


def _root() -> typer.Typer:
    return typer.Typer(
        help="newswire — a news agency's news flow system.",
        no_args_is_help=True,
        add_completion=False,
        pretty_exceptions_enable=False,
    )


app = _root()
for command in items.app.registered_commands:
    app.registered_commands.append(command)
app.add_typer(access.product_app, name="product")
app.add_typer(access.subscriber_app, name="subscriber")
app.add_typer(access.key_app, name="key")
app.add_typer(accounts.account_app, name="account")
app.add_typer(webhooks.webhook_app, name="webhook")
app.add_typer(vocab.vocab_app, name="vocab")
app.add_typer(blobs.blobs_app, name="blobs")
app.command("usage")(usage.usage)
app.command("search", cls=search.SearchCommand)(search.search)
app.command("reindex")(search.reindex)
app.command("migrate")(migrate.migrate)
app.command("backup")(ops.backup)
app.command("enrich")(enrich.enrich)
app.command("train-subjects")(subjects.train_subjects)


def _one_line_summaries(group: typer.Typer) -> None:
    """Each command's summary in a group's list of commands: the first sentence of its
    docstring, on one line (its own ``--help`` shows the whole). typer (0.28, rich mode)
    put the whole first paragraph in the list with its line breaks, so `newswire --help`
    showed sentences broken where the source wraps."""
    for info in group.registered_commands:
        if info.short_help is None and info.callback is not None:
            doc = info.help or inspect.getdoc(info.callback) or ""
            first = " ".join(doc.split("\n\n")[0].split())
            info.short_help = re.split(r"(?<=[.!?])\s+(?=[A-Z])", first, maxsplit=1)[0]
    for sub in group.registered_groups:
        if sub.typer_instance is not None:
            _one_line_summaries(sub.typer_instance)


_one_line_summaries(app)


def app_for(args: list[str]) -> typer.Typer:
    """The command line that runs ``args``: when the first names a command or a group, the
    root holding that one alone; else (``--help``, none, a name mistyped) the whole ``app``.

    typer builds every command it holds (inspecting each signature, evaluating each
    annotation) before it runs the one asked for: all of them took a quarter of the start
    of a command that does little, which the suite runs some two thousand times. What the
    one asked for says (its help, usage, errors) is the same either way."""
    first = args[0] if args else ""
    commands = [
        info for info in app.registered_commands
        if info.callback is not None
        and (info.name or get_command_name(info.callback.__name__)) == first
    ]
    groups = [info for info in app.registered_groups if info.name == first]
    if not commands and not groups:
        return app
    only = _root()
    only.registered_commands, only.registered_groups = commands, groups
    if not groups:
        # A root with one command and nothing else would be that command (`newswire list`
        # would take "list" for its argument): a callback without options keeps it a group.
        only.callback()(_group)
    return only


def _group() -> None:
    pass


def main() -> None:
    app_for(sys.argv[1:])()
