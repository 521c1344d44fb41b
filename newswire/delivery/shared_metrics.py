"""``/metrics`` summed over the processes of ``newswire serve --workers N``.

Each process keeps its own Prometheus registry (``Metrics``: its streams, its deliveries,
its latencies). With several processes, each also leaves a snapshot of that registry in a
shared folder (``metrics_dir``), rewritten every ``SNAPSHOT_SECONDS`` and once more when
it stops; ``GET /metrics`` on any process answers its own live figures plus every other
process's last snapshot:

- counters and histograms are summed over every process that ever wrote, dead ones
  included: a worker that died and was restarted does not take its deliveries with it;
- gauges (open connections) are summed over live processes only: a dead one holds none.

So a scrape sees another process's figures at most ``SNAPSHOT_SECONDS`` late. The
process that answers a scrape leaves its snapshot first and answers that same snapshot:
the kernel hands each scrape to either process, and a counter one of them showed live
must not be less in the next scrape, answered by the other from an older snapshot
(Prometheus reads a counter going back as a restart, and ``rate()`` jumps).

Why not ``prometheus_client``'s multiprocess mode: it replaces every value by a locked
write to a memory-mapped file in every registry of the process (tests run several
applications in one process, each with its own registry), and it cannot carry the
lock-free ``LatencyHistogram`` live delivery observes 100,000 times a second. A snapshot a
second is one small file write per process, off the delivery path.
"""

from __future__ import annotations

import json
import logging
import os
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any, TypeAlias

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import Metric

log = logging.getLogger("newswire.metrics")

SNAPSHOT_SECONDS = 1.0

_Sample = tuple[str, tuple[tuple[str, str], ...]]

Families: TypeAlias = list[list[Any]]
"""A registry's families as plain data (JSON, as the processes share them): each
``[name, type, help, [[sample, labels, value], ...]]``."""


def snapshot(registry: CollectorRegistry) -> Families:
    """A registry's families as plain data (``Families``)."""
    out: Families = []
    for family in registry.collect():
        samples = [
            [s.name, s.labels, s.value] for s in family.samples if not s.name.endswith("_created")
        ]
        out.append([family.name, family.type, family.documentation, samples])
    return out


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class SharedMetrics:
    """This process's snapshots in ``folder``, and the sum of everyone's."""

    def __init__(self, folder: str | Path, registry: CollectorRegistry):
        self.folder = Path(folder)
        self.registry = registry
        self.pid = os.getpid()
        self.folder.mkdir(parents=True, exist_ok=True)
        self._writing = threading.Lock()
        """One write at a time (the timer's and scrapes', in threads): a later snapshot is
        never replaced by an earlier one, nor the temporary file shared half written."""

    @property
    def _own(self) -> Path:
        return self.folder / f"{self.pid}.json"

    def write(self) -> Families:
        """Leave this process's figures for the others (atomically: never half a file);
        the figures left."""
        with self._writing:
            families = snapshot(self.registry)
            tmp = self.folder / f".{self.pid}.tmp"
            tmp.write_text(json.dumps(families))
            tmp.replace(self._own)
        return families

    def _others(self) -> Iterator[tuple[bool, Families]]:
        for path in self.folder.glob("*.json"):
            try:
                pid = int(path.stem)
            except ValueError:
                continue
            if pid == self.pid:
                continue
            try:
                families: Families = json.loads(path.read_text())
            except (OSError, ValueError):  # being replaced just now, or damaged: skip
                continue
            yield _alive(pid), families

    def exposition(self) -> bytes:
        """The Prometheus text of every process's figures summed."""
        merged: dict[str, tuple[str, str, dict[_Sample, float]]] = {}  # name -> (type, help, values)
        order: list[str] = []

        def add(families: Families, live: bool) -> None:
            for name, kind, documentation, samples in families:
                if kind == "gauge" and not live:
                    continue
                entry = merged.get(name)
                if entry is None:
                    entry = merged[name] = (kind, documentation, {})
                    order.append(name)
                values = entry[2]
                for sample, labels, value in samples:
                    key = (sample, tuple(sorted(labels.items())))
                    values[key] = values.get(key, 0.0) + value

        try:
            own = self.write()  # what this scrape answers, later ones answer no less of
        except OSError:  # the folder unwritable (disk full): still answer, if not in step
            log.exception("writing this process's metrics for the others failed")
            own = snapshot(self.registry)
        add(own, True)
        for live, families in self._others():
            add(families, live)
        registry = CollectorRegistry(auto_describe=False)
        registry.register(_Fixed([_family(n, *merged[n]) for n in order]))
        return generate_latest(registry)


def _family(name: str, kind: str, documentation: str, values: dict[_Sample, float]) -> Metric:
    family = Metric(name, documentation, kind)
    for (sample, labels), value in values.items():
        family.add_sample(sample, dict(labels), value)
    return family


class _Fixed:
    def __init__(self, families: list[Metric]):
        self.families = families

    def collect(self) -> list[Metric]:
        return self.families
