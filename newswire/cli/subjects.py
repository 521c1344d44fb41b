"""``newswire train-subjects``: retrain the subject classifier from a labelled corpus.

The corpus (JSON lines, plain or ``.xz``; the layout ``newswire.enrich.train`` reads) is
given by ``--corpus`` or ``NEWSWIRE_SUBJECT_CORPUS``; none is assumed. The model is
written to ``--out`` (default: the file shipped in the package, which the ``subjects``
step reads) and its figures on the held-out articles are printed.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path
from typing import Annotated

import typer

from newswire.cli.common import err, fail, out, print_rows


def _shipped() -> Path:
    return Path(str(files("newswire") / "data" / "subjects.npz"))


def train_subjects(
    corpus: Annotated[
        Path | None,
        typer.Option(
            envvar="NEWSWIRE_SUBJECT_CORPUS",
            help="Labelled corpus, JSON lines (plain or .xz).",
            show_default=False,
        ),
    ] = None,
    out_path: Annotated[
        Path | None,
        typer.Option("--out", help="Where to write the model (default: the packaged one)."),
    ] = None,
) -> None:
    """Retrain the subject classifier; print accuracy and macro-F1 on held-out articles."""
    from newswire.enrich.subject_model import ModelError, load
    from newswire.enrich.train import CorpusError, evaluate, train

    if corpus is None:
        raise fail("no corpus: give --corpus PATH (or set NEWSWIRE_SUBJECT_CORPUS)", 2)
    target = out_path or _shipped()
    err.print(f"training on {corpus} …", highlight=False)
    try:
        model, held = train(corpus)
    except CorpusError as exc:
        raise fail(str(exc)) from None
    try:
        model.save(target)
        load(target)  # what was written reads back
    except (OSError, ModelError) as exc:
        raise fail(f"{target}: cannot write the model ({exc})") from None
    s = model.settings
    err.print(
        f"model: {target} ({len(model.vocabulary)} terms, {len(model.classes)} classes,"
        f" {s.extra.get('trained_on', 0)} training articles, threshold {s.threshold})",
        highlight=False,
    )
    report = evaluate(model, held)
    if not report.articles:
        err.print("no held-out article with a subject: nothing to evaluate", highlight=False)
        return
    print_rows(
        ("topic", "precision", "recall", "f1", "support"),
        [
            (
                topic,
                f"{row['precision']:.3f}",
                f"{row['recall']:.3f}",
                f"{row['f1']:.3f}",
                str(int(row["support"])),
            )
            for topic, row in report.per_topic.items()
        ],
    )
    out.print(
        f"held-out: {report.articles} articles, accuracy {report.accuracy:.4f},"
        f" macro-F1 {report.macro_f1:.4f}; given a topic {report.given:.1%},"
        f" right when given {report.given_precision:.1%}",
        highlight=False,
    )
