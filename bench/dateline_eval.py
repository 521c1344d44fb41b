"""Dateline accuracy on the labelled set ``tests/data/datelines.jsonl``, per form and
overall.

    python bench/dateline_eval.py [datelines.jsonl] [--errors]

Each line of the set is the start of an item (paragraphs one a line) with the dateline
an editor reads in it: the place as written, its GeoNames id and the source as written
(all empty for a text that holds no dateline). Three figures per form, each the share of
items where the ``dateline`` step (``DatelineStep.read``) got it right:

- **place**: the place as written (or, for a text without a dateline, that none is read);
- **resolved**: the GeoNames id of the place it resolved to (or none);
- **source**: the source as written (or none);

and **all**, the share with all three right. ``--errors`` lists what was wrong.
"""

from __future__ import annotations

import collections
import json
import sys

from newswire.enrich.dateline import DatelineStep
from newswire.enrich.gazetteer import geonames_uri, load

SET = "tests/data/datelines.jsonl"
FIGURES = ("place", "resolved", "source", "all")


def evaluate(path: str = SET) -> tuple[dict[str, dict[str, float]], list[str]]:
    """(form → figure → share, with ``"overall"``; the errors as lines of text)."""
    step = DatelineStep(load)
    right: dict[str, collections.Counter[str]] = collections.defaultdict(collections.Counter)
    errors = []
    with open(path, encoding="utf-8") as lines:
        for line in lines:
            row = json.loads(line)
            dateline, term = step.read(row["text"].split("\n"))
            expected_id = geonames_uri(row["geonameid"]) if row["geonameid"] else None
            got = {
                "place": dateline.place if dateline else "",
                "resolved": term.id if term else None,
                "source": dateline.source if dateline else "",
            }
            want = {"place": row["place"], "resolved": expected_id, "source": row["source"]}
            ok = {figure: got[figure] == want[figure] for figure in want}
            ok["all"] = all(ok.values())
            for form in (row["form"], "overall"):
                right[form]["n"] += 1
                right[form].update(figure for figure, yes in ok.items() if yes)
            if not ok["all"]:
                errors.append(f"{row['form']}: {row['text'].splitlines()[0]!r} got {got}")
    table = {
        form: {"n": counts["n"], **{f: counts[f] / counts["n"] for f in FIGURES}}
        for form, counts in right.items()
    }
    return table, errors


def main(argv: list[str]) -> None:
    paths = [a for a in argv if not a.startswith("--")]
    table, errors = evaluate(*paths[:1])
    print(f"{'form':36} {'n':>4} " + " ".join(f"{f:>9}" for f in FIGURES))
    for form in sorted(table, key=lambda f: (f == "overall", f)):
        row = table[form]
        shares = " ".join(f"{row[f]:>9.1%}" for f in FIGURES)
        print(f"{form:36} {int(row['n']):>4} {shares}")
    if "--errors" in argv:
        print("\n".join(errors) or "no errors")


if __name__ == "__main__":
    main(sys.argv[1:])
