"""A bulk ingest's folder listed in another process while the enrichment's data loads
(``newswire.ingest.list_files_warm``), and what the workers then find loaded."""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple

from newswire.enrich import entities
from newswire.enrich.base import STEPS, Term
from newswire.enrich.entities import EntitiesStep
from newswire.enrich.gazetteer import load
from newswire.enrich.pipeline import document
from newswire.enrich.vocabulary import Vocabulary
from newswire.ingest import _CHUNK, _YOUNG, BULK, list_files
from newswire.model import NewsItem
from newswire.store import open_store
from tests.conftest import ROOT, SEED
from tests.helpers import newswire

# The smallest JPEG the sniffer takes for one: its start-of-image marker and a JFIF
# segment, whatever the file is named.
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + b"\x00" * 64

LISTED = """
import json, os, sys
from pathlib import Path
from newswire import ingest
from newswire.enrich import entities, gazetteer
paths, sniff, db, steps, die = json.loads(sys.argv[1])
parent = os.getpid()
if die:  # the reading process dies half way: the command reads the folder itself
    found = ingest.iter_files

    def dying(paths):
        for n, path in enumerate(found(paths)):
            if n == 3 and os.getpid() != parent:
                os._exit(9)
            yield path

    ingest.iter_files = dying
files, media = ingest.list_files_warm([Path(p) for p in paths], sniff, (db, tuple(steps)))
automaton = entities._LAST[0][1] if entities._LAST else None
print(json.dumps({
    "files": [str(f) for f in files],
    "media": [str(f) for f in media],
    "gazetteer": gazetteer._load.cache_info().currsize,
    "finds": {n: automaton.lookup(n) if automaton else None for n in ("Zorblax Quint", "حماس")},
}))
"""


def listed_warm(
    paths: list[Path], sniff: bool, db: str, steps: list[str], die: bool = False
) -> dict:
    """``list_files_warm`` in a fresh interpreter: what it listed, and what it loaded."""
    args = json.dumps([[str(p) for p in paths], sniff, db, steps, die])
    result = subprocess.run(
        [sys.executable, "-c", LISTED, args], capture_output=True, cwd=ROOT, timeout=120
    )
    assert result.returncode == 0, result.stderr.decode()
    return json.loads(result.stdout)


def folder_of_everything(tmp_path: Path, many: int) -> Path:
    """A drop folder of ``many`` stories in a subfolder, and one of each odd thing."""
    folder = tmp_path / "drop"
    (folder / "later" / "deeper").mkdir(parents=True)
    (folder / ".git").mkdir()
    (folder / "a.json").write_bytes(SEED.read_bytes())
    (folder / "later" / "b.txt").write_bytes(SEED.read_bytes())
    for n in range(many):
        (folder / "later" / "deeper" / f"{n:04}.xml").write_text("<nitf/>", encoding="utf-8")
    (folder / "photo.dat").write_bytes(JPEG)  # a picture by its content, not its name
    (folder / ".hidden.json").write_text("{}", encoding="utf-8")
    (folder / ".git" / "config").write_text("[core]", encoding="utf-8")
    os.mkfifo(folder / "pipe")  # never read: it would wait for a writer
    return folder


def test_a_folder_read_beside_the_warm_up_is_listed_as_alone(tmp_path):
    db = f"sqlite:///{tmp_path / 'none.db'}"
    single = tmp_path / "one.txt"
    single.write_bytes(SEED.read_bytes())
    for many, warmed in ((BULK, 1), (3, 0)):  # only a bulk run's data is loaded
        folder = folder_of_everything(tmp_path / str(many), many)
        paths = [folder, single]
        for sniff in (True, False):
            files, media = list_files(paths, sniff)
            got = listed_warm(paths, sniff, db, list(STEPS))
            assert got["files"] == [str(f) for f in files]
            assert got["media"] == [str(f) for f in media]
            assert got["gazetteer"] == warmed
        # A folder's files before its folders', each sorted; hidden ones and the pipe left.
        deeper = sorted((folder / "later" / "deeper").iterdir())
        assert files == [
            folder / "a.json", folder / "photo.dat", folder / "later" / "b.txt", *deeper, single
        ]
        assert list_files(paths, True)[1] == [folder / "photo.dat"]
        assert list_files(paths, False)[1] == []
    assert not (tmp_path / "none.db").exists()  # no store was there: none made for it


def test_nothing_is_loaded_beside_without_steps_or_without_a_folder(tmp_path):
    folder = folder_of_everything(tmp_path, BULK)
    db = f"sqlite:///{tmp_path / 'none.db'}"
    assert listed_warm([folder], True, db, [])["gazetteer"] == 0
    assert listed_warm([folder / "a.json"], True, db, list(STEPS))["gazetteer"] == 0


def test_the_warm_up_beside_reads_the_stores_vocabulary_when_there_is_one(tmp_path):
    folder = folder_of_everything(tmp_path, BULK)
    db = f"sqlite:///{tmp_path / 'v.db'}"
    store = open_store(db)
    try:
        vocabulary = Vocabulary(store)
        vocabulary.add(Term(id="", kind="person", name="Zorblax Quint"))
        vocabulary.remove("nwv:hamas")
    finally:
        store.close()
    got = listed_warm([folder], True, db, list(STEPS))
    assert got["finds"] == {"Zorblax Quint": "nwv:zorblax-quint", "حماس": None}
    shipped = listed_warm([folder], True, f"sqlite:///{tmp_path / 'new.db'}", list(STEPS))
    assert shipped["finds"] == {"Zorblax Quint": None, "حماس": "nwv:hamas"}
    assert not (tmp_path / "new.db").exists()


def test_when_the_reading_process_dies_the_command_reads_the_folder_itself(tmp_path):
    folder = folder_of_everything(tmp_path, BULK)
    db = f"sqlite:///{tmp_path / 'none.db'}"
    files, media = list_files([folder], True)
    got = listed_warm([folder], True, db, list(STEPS), die=True)
    assert (got["files"], got["media"]) == ([str(f) for f in files], [str(f) for f in media])


def test_a_bulk_run_whose_files_all_fail_makes_no_database_though_it_warmed(tmp_path):
    folder = tmp_path / "bad"
    folder.mkdir()
    for n in range(BULK):
        (folder / f"{n:04}.json").write_text("{not ninjs", encoding="utf-8")
    fresh = tmp_path / "fresh.db"
    result = newswire("ingest", "--workers", "2", str(folder), db=f"sqlite:///{fresh}")
    assert result.returncode == 1, result.stderr.decode()
    assert f"{BULK} failed ({BULK} files read)" in result.stderr.decode()
    assert not fresh.exists()
    (tmp_path / "empty").mkdir()
    result = newswire("ingest", str(tmp_path / "empty"), db=f"sqlite:///{fresh}")
    assert result.returncode == 0, result.stderr.decode()
    assert "0 files: 0 new versions stored" in result.stderr.decode()
    assert not fresh.exists()


def test_a_store_without_editors_entries_finds_the_automaton_the_warm_up_built(tmp_path):
    """The warm-up beside a new store's listing reads no store: a step on a store whose
    vocabulary is the shipped one takes the index and automaton it built, under the
    store's vocabulary version; once an editor adds an entry, the step builds its own,
    which finds it."""
    shipped = EntitiesStep(Vocabulary(None), load)
    shipped.warm()
    item = NewsItem(
        id="urn:t:1", headline="Zorblax Quint in Ankara",
        body=["Zorblax Quint spoke in Ankara on Monday."], language="en",
    )
    store = open_store(f"sqlite:///{tmp_path / 'v.db'}")
    try:
        vocabulary = Vocabulary(store)
        step = EntitiesStep(vocabulary, load)
        assert step._current().matcher is shipped._current().matcher
        assert step._current().version == vocabulary.version()
        assert "Zorblax Quint" not in [e.name for e in step.find(document(item)).entities]
        vocabulary.add(Term(id="", kind="person", name="Zorblax Quint"))
        assert step._current().matcher is not shipped._current().matcher
        assert step._current().version == vocabulary.version()
        found = [e.name for e in step.find(document(item)).entities]
        assert "Zorblax Quint" in found and "Ankara" in found
        assert entities._LAST_INDEX[0] is step._current()
    finally:
        store.close()


def ninjs_story(n: int) -> dict:
    return {
        "uri": f"urn:test:idle:{n}",
        "type": "text",
        "versioncreated": "2024-05-01T10:00:00Z",
        "headlines": [{"role": "main", "value": f"خبر رقم {n}"}],
        "bodies": [{"role": "main", "contentType": "text/plain", "value": "نص الخبر في غزة"}],
        "language": "ar",
    }


class Stopped(NamedTuple):
    """How ``stopped_at_a_pipe``'s run ended."""

    pid: int
    returncode: int
    out: bytes
    err: bytes
    folder: Path
    pipe: Path
    db: str


def _as_a_shell_starts_it() -> None:
    """Ctrl-C at its default in the command started, as an interactive shell starts one:
    a process inherits an ignored SIGINT, and Python then leaves it ignored (a CI run's
    pytest worker was once found ignoring it, and both Ctrl-C tests saw no interrupt)."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def stopped_at_a_pipe(tmp_path: Path, pipe_first: bool, stop: Callable[[int], None]) -> Stopped:
    """A bulk ``newswire ingest --workers 2`` of a folder of ``BULK`` stories and a pipe
    that never ends (before the folder or after it), stopped by ``stop(pid)`` once a
    worker reads the pipe (its writing end opens then), and waited for."""
    folder = tmp_path / "many"
    folder.mkdir()
    for n in range(BULK):
        (folder / f"{n:04}.json").write_text(json.dumps(ninjs_story(n)), encoding="utf-8")
    pipe = tmp_path / ("first.json" if pipe_first else "last.json")
    os.mkfifo(pipe)
    db = f"sqlite:///{tmp_path / 'bulk.db'}"
    env = {**os.environ, "NEWSWIRE_DB": db, "NEWSWIRE_ENRICH": "none"}
    paths = [str(pipe), str(folder)] if pipe_first else [str(folder), str(pipe)]
    command = [sys.executable, "-m", "newswire.cli", "ingest", "--workers", "2", *paths]
    with subprocess.Popen(
        command, cwd=ROOT, env=env, start_new_session=True, preexec_fn=_as_a_shell_starts_it,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    ) as run:
        try:
            with pipe.open("wb") as writer:  # opened once a worker opens it: the run is on
                writer.write(b"{")
                writer.flush()
                stop(run.pid)
                out, err = run.communicate(timeout=60)
        finally:
            if run.poll() is None:
                os.killpg(run.pid, signal.SIGKILL)
    return Stopped(run.pid, run.returncode, out, err, folder, pipe, db)


def test_ctrl_c_stops_a_bulk_ingest_and_its_workers(tmp_path):
    """Ctrl-C (SIGINT to the command's process group, as a terminal sends it) while a
    worker reads a pipe that never ends: the command stops its workers rather than wait
    for them, and ends; nothing of it is left running."""
    run = stopped_at_a_pipe(tmp_path, True, lambda pid: os.killpg(pid, signal.SIGINT))
    assert run.returncode != 0
    try:
        os.killpg(run.pid, 0)  # anything left of its process group?
        left = True
    except ProcessLookupError:
        left = False
    assert not left
    assert b"Traceback" not in run.err, run.err.decode()


_IDLE = """
import json, sys
from pathlib import Path
from newswire.ingest import parse_files
folder, pipe, story = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3]
seen, idle_at = [], []

def idle():
    idle_at.append(len(seen))
    if len(idle_at) == 1:  # the last chunk's worker reads the pipe until this writes it
        with pipe.open("w", encoding="utf-8") as writer:
            writer.write(story)

paths = [*sorted(folder.iterdir()), pipe]
for source, items, error in parse_files(paths, "auto", 1 << 20, workers=2, idle=idle):
    assert error is None and items, (source, error)
    seen.append(source)
assert seen == [str(p) for p in paths]
print(json.dumps(idle_at))
"""


def test_a_bulk_run_hands_its_caller_the_wait_for_its_last_chunks_only(tmp_path):
    """``parse_files``'s ``idle``: called while the run waits for a chunk and no chunk is
    left to hand out (the command stores what it holds on the core a worker has left),
    never before (each call would be one more commit of the band index). The last file
    is a pipe that only the first call writes: the run ends only if it is called, once
    no chunk is left to hand out."""
    folder = tmp_path / "many"
    folder.mkdir()
    count = 4 * _CHUNK - 1
    for n in range(count):
        (folder / f"{n:04}.json").write_text(json.dumps(ninjs_story(n)), encoding="utf-8")
    pipe = tmp_path / "last.json"
    os.mkfifo(pipe)
    story = json.dumps(ninjs_story(count))
    with subprocess.Popen(
        [sys.executable, "-c", _IDLE, str(folder), str(pipe), story], cwd=ROOT,
        start_new_session=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    ) as run:
        try:
            out, err = run.communicate(timeout=60)  # not called: the worker waits for good
        finally:
            if run.poll() is None:
                os.killpg(run.pid, signal.SIGKILL)
    assert run.returncode == 0, err
    idle_at = json.loads(out)
    # Called only while the run waits for one of the last two chunks (the third, when
    # the second has come back; the fourth, when the third has), once for each at most:
    # whether the fourth was still out when the third came back is the machine's timing.
    assert idle_at in ([2 * _CHUNK], [3 * _CHUNK], [2 * _CHUNK, 3 * _CHUNK]), idle_at


_PROCESSES = """
import json, multiprocessing, sys
from pathlib import Path
from newswire.ingest import parse_files
run = parse_files(sorted(Path(sys.argv[1]).iterdir()), "auto", 1 << 20, workers=16)
next(run)
forked = len(multiprocessing.active_children())
print(json.dumps([forked, 1 + sum(1 for _ in run)]))
"""


def test_a_bulk_run_forks_no_more_workers_than_it_has_chunks(tmp_path):
    """A forking executor starts every process it may have at once: ``--workers 16`` for
    two chunks forked 16 processes, 14 of them idle (and a typo, ``--workers 99999``,
    until the machine ran out of memory: the command bounds that, per CPU)."""
    folder = tmp_path / "two-chunks"
    folder.mkdir()
    for n in range(2 * _CHUNK):
        (folder / f"{n:04}.json").write_text(json.dumps(ninjs_story(n)), encoding="utf-8")
    run = subprocess.run(
        [sys.executable, "-c", _PROCESSES, str(folder)], cwd=ROOT, capture_output=True,
        text=True, timeout=120,
    )
    assert run.returncode == 0, run.stderr
    assert json.loads(run.stdout) == [2, 2 * _CHUNK]


_COLLECTOR = """
import gc, json, sys
from pathlib import Path
from newswire.ingest import parse_files
paths = sorted(Path(sys.argv[1]).iterdir())
before = gc.get_threshold()
during, after = [], []
for source, items, error in parse_files(paths, "auto", 1 << 20, workers=2):
    during.append(gc.get_threshold())
after.append(gc.get_threshold())
run = parse_files(paths, "auto", 1 << 20, workers=2)
next(run)
run.close()  # a caller that stops early (its store failed)
after.append(gc.get_threshold())
print(json.dumps({"before": before, "during": sorted(set(map(tuple, during))), "after": after}))
"""


def test_a_bulk_run_collects_young_objects_less_often_while_it_lasts_only(tmp_path):
    """The storing process's collector runs on every ``_YOUNG`` objects made while the
    workers send it their chunks, as theirs does, and is as it was once the run is over,
    whether it ended or its caller stopped it."""
    folder = tmp_path / "many"
    folder.mkdir()
    for n in range(BULK):
        (folder / f"{n:04}.json").write_text(json.dumps(ninjs_story(n)), encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-c", _COLLECTOR, str(folder)], cwd=ROOT,
        capture_output=True, text=True, timeout=120, check=True,
    )  # fmt: skip
    found = json.loads(done.stdout)
    assert found["during"] == [[_YOUNG, *found["before"][1:]]]
    assert found["before"][0] != _YOUNG
    assert found["after"] == [found["before"]] * 2


_STOP_EARLY = """
import sys
from pathlib import Path
from newswire.ingest import parse_files
run = parse_files(sorted(Path(sys.argv[1]).iterdir()), "auto", 1 << 24, workers=2)
next(run)
run.close()  # the caller stops (its store failed) while the workers write the next chunks
"""


def test_a_caller_that_stops_a_bulk_run_early_leaves_a_process_that_ends(tmp_path):
    """A caller stopping a bulk run after its first chunk (its store failed) has the
    workers ended while they may be writing their next chunks' results, whose reading
    thread Python then waited for at its exit, for ever: 3 runs in 12 before, none in 32
    since. Four runs, each with chunks of large items (a worker writes its result for
    longer), here: each would have hung about one time in three."""
    folder = tmp_path / "large"
    folder.mkdir()
    body = " ".join(["نص الخبر في غزة"] * 2000)
    for n in range(4 * _CHUNK):
        story = ninjs_story(n)
        story["bodies"][0]["value"] = body
        (folder / f"{n:04}.json").write_text(json.dumps(story), encoding="utf-8")
    for _ in range(4):
        done = subprocess.run(
            [sys.executable, "-c", _STOP_EARLY, str(folder)], cwd=ROOT,
            capture_output=True, text=True, timeout=60,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr


_HELD = """
import os, signal, threading
from newswire.ingest import _interrupt_held
# Another thread, as the progress bar's on a terminal, takes the signal (the kernel gives a
# process's signal to any thread not blocking it; Python then interrupts the main thread).
done = threading.Event()
other = threading.Thread(target=done.wait, daemon=True)
other.start()
# Python writes each signal it takes to this pipe: read, it says the signal has come.
taken, told = os.pipe()
os.set_blocking(told, False)
signal.set_wakeup_fd(told)
reached = []
try:
    with _interrupt_held():
        signal.pthread_kill(other.ident, signal.SIGINT)  # Ctrl-C while the workers start
        os.read(taken, 1)  # the other thread has taken it: an interrupt not held comes now
        reached.append("after the signal")
        reached.append("end of the block")
except KeyboardInterrupt:
    print("interrupted after:", ", ".join(reached))
"""


def test_ctrl_c_while_the_workers_start_is_taken_once_they_are_known():
    """The Ctrl-C test's hang, made certain: SIGINT arriving while the workers are being
    started is taken once the block that starts them (and records them, to stop them)
    has ended, not between a fork and its record, which left a worker nobody stopped."""
    run = subprocess.run(
        [sys.executable, "-c", _HELD], cwd=ROOT, capture_output=True, text=True, timeout=60,
        preexec_fn=_as_a_shell_starts_it,
    )
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == "interrupted after: after the signal, end of the block"


def _children(pid: int) -> list[int]:
    """The processes whose parent is ``pid``."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                found.append(int(entry.name))
    return found


def _kill_workers(pid: int) -> None:
    for worker in _children(pid):
        with contextlib.suppress(ProcessLookupError):  # one that just ended
            os.kill(worker, signal.SIGKILL)


def test_a_worker_killed_mid_run_ends_the_ingest_in_one_line_keeping_what_was_stored(tmp_path):
    """A bulk ingest's worker killed (as the system kills one short of memory) while it
    reads a pipe that never ends: the command stores what the workers gave before, ends
    with one line saying how many files from which one on were not stored, and exit 1; no
    traceback. Every item it printed as stored is in the store."""
    run = stopped_at_a_pipe(tmp_path, False, _kill_workers)
    out, err, folder, pipe, db = run.out, run.err, run.folder, run.pipe, run.db
    said = err.decode()
    assert run.returncode == 1, said
    assert "Traceback" not in said, said
    line = said.strip()
    assert line.startswith("newswire: a worker process reading the files ended"), said
    assert "\n" not in line, said
    printed = out.decode().split()
    lost = re.search(r"\): (?:the (\d+) files from (\S+) on were|(\S+) was) not stored;", line)
    assert lost, said
    left = int(lost.group(1) or 1)
    first = lost.group(2) or lost.group(3)
    assert len(printed) + left == BULK + 1  # each file stored or said not to be
    everything = [*sorted(folder.iterdir()), pipe]
    assert first == str(everything[len(printed)])  # the first file not stored is named
    store = open_store(db)
    try:
        assert store.count()[0] == len(printed)
    finally:
        store.close()
