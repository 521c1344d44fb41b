"""The media tests' tools (exiftool, ffmpeg, libvips: installed by scripts/services.sh
when missing) and a pipeline per module, over blobs in files."""

from __future__ import annotations

import pytest

from newswire.blobs import open_blobs
from newswire.media import Pipeline
from tests.helpers import services


@pytest.fixture(scope="session", autouse=True)
def media_tools() -> None:
    services("media")


@pytest.fixture(scope="module")
def blobs(tmp_path_factory):
    b = open_blobs(f"file://{tmp_path_factory.mktemp('blobs')}")
    yield b
    b.close()


@pytest.fixture(scope="module")
def pipeline(blobs, media_tools):
    with Pipeline(blobs) as p:
        yield p


def stored(blobs) -> set[str]:
    """The keys of every blob in a files blob store."""
    return {p.name for p in blobs.root.glob("??/??/*")}
