"""Build ``newswire/data/subjectcode.csv``: which IPTC Media Topic each legacy IPTC Subject
Code maps to, from IPTC's own Media Topic export.

    python scripts/build_subjectcode_map.py [IPTC-MediaTopic-NewsCodes-mappings.xlsx]

The input is IPTC's Excel export of the Media Topic NewsCodes ("IPTC MediaTopic NewsCodes
last updated 2023-10-24"; one sheet). Its column ``SubjectCode mapping`` gives, for a
Media Topic, the Subject Code it maps to (``http://cv.iptc.org/newscodes/subjectcode/
15054000``). Each of those pairs becomes one row: ``subj:15054000,medtop:20001065`` with
the topic's retirement date, if it is retired (three Subject Codes map to a current and a
retired topic; ``newswire.access.taxonomy`` prefers the current one).

The workbook is a zip of XML: read with the standard library's zipfile and newswire's
safe XML parser (no DTD, no entities, no network); no spreadsheet library is needed.
"""

from __future__ import annotations

import csv
import re
import sys
import zipfile
from pathlib import Path

from newswire.formats.xmlsafe import parse_xml

XLSX = "../shared/standards/vocab/IPTC-MediaTopic-NewsCodes-mappings_2023-10-24.xlsx"
OUT = Path(__file__).resolve().parent.parent / "newswire" / "data" / "subjectcode.csv"
NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
SUBJECT_CODE = re.compile(r"^http://cv\.iptc\.org/newscodes/subjectcode/(\d{8})$")
MEDIA_TOPIC = re.compile(r"^medtop:\d{8}$")


def _column(ref: str) -> int:
    """``AJ12`` -> 35: a cell reference's column, from 0."""
    n = 0
    for letter in re.match(r"[A-Z]+", ref).group(0):  # type: ignore[union-attr]
        n = n * 26 + ord(letter) - ord("A") + 1
    return n - 1


def sheet_rows(path: str) -> list[dict[int, str]]:
    """The first sheet's rows, each ``{column: text}`` (empty cells left out)."""
    with zipfile.ZipFile(path) as book:
        names = book.namelist()
        strings: list[str] = []
        if "xl/sharedStrings.xml" in names:
            shared = parse_xml(book.read("xl/sharedStrings.xml"), what="shared strings")
            strings = ["".join(si.itertext()) for si in shared.iter(f"{NS}si")]
        sheet = parse_xml(book.read("xl/worksheets/sheet1.xml"), what="worksheet")
    rows = []
    for row in sheet.iter(f"{NS}row"):
        cells: dict[int, str] = {}
        for cell in row.iter(f"{NS}c"):
            kind, value = cell.get("t"), cell.find(f"{NS}v")
            if kind == "s" and value is not None:
                text = strings[int(value.text or "0")]
            elif kind == "inlineStr":
                text = "".join(cell.find(f"{NS}is").itertext())  # type: ignore[union-attr]
            else:
                text = value.text or "" if value is not None else ""
            if text.strip():
                cells[_column(cell.get("r", ""))] = text.strip()
        rows.append(cells)
    return rows


def pairs(rows: list[dict[int, str]]) -> tuple[str, list[tuple[str, str, str]]]:
    """(the export's title line, its (subject code, media topic, retired date) pairs)."""
    title = rows[0].get(0, "")
    header = next(i for i, r in enumerate(rows) if "SubjectCode mapping" in r.values())
    col = {name: n for n, name in rows[header].items()}
    qcode, retired, mapping = (
        col["NewsCode-QCode (flat)"],
        col["RetiredDate"],
        col["SubjectCode mapping"],
    )
    out = []
    for row in rows[header + 1 :]:
        topic = row.get(qcode, "")
        for uri in row.get(mapping, "").split():
            m = SUBJECT_CODE.match(uri)
            if not m or not MEDIA_TOPIC.match(topic):
                raise SystemExit(f"unexpected mapping {uri!r} of {topic!r}")
            out.append((f"subj:{m.group(1)}", topic, row.get(retired, "")[:10]))
    # Current topics before retired ones for the same code, then by topic.
    out.sort(key=lambda p: (p[0], p[2] != "", p[1]))
    return title, out


def main() -> None:
    path = sys.argv[1] if len(sys.argv) > 1 else XLSX
    title, found = pairs(sheet_rows(path))
    with OUT.open("w", encoding="utf-8", newline="") as f:
        f.write(
            f"# IPTC Subject Code -> IPTC Media Topic, from IPTC's export '{title}'\n"
            "# (its 'SubjectCode mapping' column); built by scripts/build_subjectcode_map.py.\n"
            "# Media Topic NewsCodes (c) IPTC, CC BY 4.0. retired_date: the topic's, if retired.\n"
        )
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(["subject_code", "media_topic", "retired_date"])
        writer.writerows(found)
    codes = {p[0] for p in found}
    print(f"{len(found)} pairs, {len(codes)} subject codes -> {OUT}", file=sys.stderr)


if __name__ == "__main__":
    main()
