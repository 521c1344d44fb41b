"""Pictures and video: what a file is, what it says about itself, and its renditions.

The map, in the order a file goes through it:

- ``detect``: the format from the file's first bytes (JPEG, PNG, TIFF, WebP, HEIC; MP4,
  QuickTime); SVG, anything else, and bytes that are not the type declared are refused.
- ``pipeline``: ``Pipeline.take(path)``, the one call: checks size and format, hands the
  file to a worker process under the file's limits, stores the original and the
  renditions in the blob store (``newswire.blobs``) once everything passed.
- ``worker``: what runs in that process: ``probe`` then ``renditions``, under
  ``RLIMIT_DATA`` and a deadline.
- ``probe``: exiftool (IPTC-IIM, XMP, EXIF, QuickTime tags) and ffprobe (video streams).
- ``metadata``: which tag feeds which field of ``MediaInfo``, and the text cleaned.
- ``renditions``: libvips for pictures (``web``, ``preview``, ``thumbnail``), ffmpeg for
  video (``poster``, ``thumbnail``, ``preview``).
- ``model``: ``MediaInfo``, ``Media`` (its renditions are ``newswire.model.Rendition``),
  ``Limits``.
- ``spool``: the folder of each process where uploads are spooled and renditions made,
  and the sweep of those a killed process left.
- ``items``: a file taken in as a ``NewsItem`` (its id, its fields from the metadata,
  the editor's ``Overrides`` over them): what ``newswire ingest`` and ``POST /v1/items``
  store.
- ``associations``: what a story's association to a media item carries of it (its
  files and headline), when an editor stores the story.

The tools are Debian's (``scripts/services.sh media`` installs them): exiftool, ffmpeg,
libvips. Nothing here knows of HTTP or the store of items; only ``items`` and
``associations`` know items.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from newswire.media.model import Limits, Media, MediaInfo

if TYPE_CHECKING:
    from newswire.media.pipeline import Pipeline

__all__ = ["Limits", "Media", "MediaInfo", "Pipeline"]


def __getattr__(name: str) -> Any:
    """``Pipeline``, imported on first use: the pipeline loads pebble and asyncio (30 ms of
    CPU), and what imports this package for ``detect`` or ``Limits`` (``newswire ingest``
    of a folder with no picture or video in it) does not use it."""
    if name == "Pipeline":
        from newswire.media.pipeline import Pipeline

        return Pipeline
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
