"""The ``newswire`` command: one group, sub-commands registered from their modules."""

from __future__ import annotations

import inspect
import re

import typer

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

app = typer.Typer(
    help="newswire — a news agency's news flow system.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
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


def main() -> None:
    app()
