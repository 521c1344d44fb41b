"""exiftool runs as long as the process that asks it questions, not longer: with
``-stay_open`` it does not end when its input closes but polls it for ever, so a media
worker killed at its time limit (or recycled by its pool) would leave one behind each
time, for as long as the machine runs."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

from tests.helpers import retry_until

ASK = """
import sys
from pathlib import Path
from newswire.media.probe import Exiftool
tool = Exiftool()
tool.tags(Path(sys.argv[1]), iptc_charset="utf8")
print(tool.pid, flush=True)
sys.stdin.read()
"""


def running(pid: int) -> bool:
    """Whether process ``pid`` is alive (a zombie nobody reaped is not)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return False
    state = next(line for line in status.splitlines() if line.startswith("State:"))
    return "zombie" not in state


def test_exiftool_ends_when_the_process_that_started_it_is_killed():
    with subprocess.Popen(
        [sys.executable, "-c", ASK, __file__], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
        text=True,
    ) as asker:
        assert asker.stdout is not None
        tool = int(asker.stdout.readline())
        assert running(tool)
        os.kill(asker.pid, signal.SIGKILL)  # as a pool kills a worker at its time limit
        asker.wait()
    retry_until(lambda: not running(tool), f"exiftool {tool} to end with its worker", timeout=10)


def test_exiftool_asked_again_after_it_is_closed_starts_anew(tmp_path):
    from newswire.media.probe import Exiftool

    tool = Exiftool()
    tool.tags(Path(__file__), iptc_charset="utf8")
    first = tool.pid
    assert first is not None and running(first)
    tool.close()
    retry_until(lambda: not running(first), "the closed exiftool to end", timeout=10)
    tool.tags(Path(__file__), iptc_charset="utf8")
    assert tool.pid not in (None, first) and running(tool.pid)
    tool.close()
