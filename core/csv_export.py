"""One way to send a CSV download, safe to open in a spreadsheet.

A cell whose text starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is
taken by Excel, LibreOffice and Google Sheets as a formula, so member-supplied text such
as ``=HYPERLINK("http://evil.example","x")`` would run when a curator opens the export.
Following OWASP's rule for CSV injection, such text is prefixed with a single quote,
which spreadsheets show as text. Anything written as text is guarded, whether a string or
an object written by its ``str()`` (a lazy translation, a model instance); only numbers (a
negative balance given as an ``int``, a ``Decimal`` amount) are written as they are.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Any

from django.http import HttpResponse
from django.utils.http import content_disposition_header

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> Any:
    """The value to write for one cell: text that a spreadsheet would evaluate is quoted."""
    if value is None or isinstance(value, (int, float, Decimal)):
        return value
    text = value if isinstance(value, str) else str(value)  # what csv.writer would write
    if text.startswith(FORMULA_STARTS):
        return "'" + text
    return value


class SafeWriter:
    """``csv.writer`` whose every string cell goes through :func:`safe_cell`."""

    def __init__(self, stream, **options):
        self._writer = csv.writer(stream, **options)

    def writerow(self, row: Iterable[Any]):
        return self._writer.writerow([safe_cell(value) for value in row])

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for row in rows:
            self.writerow(row)


def csv_response(
    *,
    filename: str,
    columns: Sequence[str],
    rows: Iterable[Mapping[str, Any] | Sequence[Any]],
) -> HttpResponse:
    """A UTF-8 CSV attachment: a header line of ``columns``, then one line per row.

    A row is either a sequence in the order of ``columns`` or a mapping read by column
    name (a missing key is an empty cell).
    """
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = content_disposition_header(True, filename)
    writer = SafeWriter(response)
    writer.writerow(columns)
    for row in rows:
        if isinstance(row, Mapping):
            row = [row.get(column, "") for column in columns]
        writer.writerow(row)
    return response
