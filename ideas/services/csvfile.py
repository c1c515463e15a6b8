"""Reading the CSV files an HR or organisation system exports: UTF-8 with or without a
byte-order mark, commas or (what Excel writes with Swedish settings) semicolons, a
header naming the columns in any order. Shared by the imports of units and people."""

from __future__ import annotations

import csv
import io

from flask_babel import lazy_gettext as _l

from ideas.services.errors import DomainError


class RowError(DomainError):
    """A bad line of an imported file: its number and the reason."""

    def __init__(self, line: int, reason):
        super().__init__(_l("line %(line)d: %(reason)s", line=line, reason=reason))
        self.line = line
        self.reason = reason


def read_csv(
    data: bytes, columns: tuple[str, ...], optional: tuple[str, ...] = ()
) -> list[tuple[int, dict[str, str]]]:
    """The rows of a file as ``(line number, row)``, after checking its header: it names
    every one of ``columns``, and of ``optional`` any or none, and nothing else. A
    missing optional column reads as empty. Line numbers count every line of the file
    (blank ones too), as an editor shows them."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        line = data[: err.start].count(b"\n") + 1
        raise RowError(line, _l("the file is not UTF-8 text; save it as CSV UTF-8")) from None
    expected = ",".join(columns + optional)
    if not text.strip():
        raise RowError(1, _l("the file is empty; expected the header %(header)s", header=expected))
    header_line = text.splitlines()[0]
    delimiter = ";" if ";" in header_line and "," not in header_line else ","
    reader = csv.DictReader(io.StringIO(text, newline=""), delimiter=delimiter)
    found = [(name or "").strip().lower() for name in reader.fieldnames or []]
    allowed = set(columns) | set(optional)
    if not set(columns) <= set(found) or not set(found) <= allowed or len(set(found)) != len(found):
        raise RowError(
            1,
            _l(
                "the header must name the columns %(header)s; found %(found)s",
                header=expected,
                found=",".join(found) or "–",
            ),
        )
    reader.fieldnames = found
    rows = []
    try:
        for row in reader:
            if None in row:
                raise RowError(reader.line_num, _l("more than %(count)d columns", count=len(found)))
            values = {k: (v or "").strip() for k, v in row.items()}
            for name in optional:
                values.setdefault(name, "")
            rows.append((reader.line_num, values))
    except csv.Error as err:
        raise RowError(reader.line_num, str(err)) from None
    return rows
