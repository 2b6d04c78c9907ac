"""Streaming exports of any query to CSV and XLSX, in flat memory, with formula escaping.

Domain-free: an app describes its columns (a translated header and a ``.values()`` key, with
an optional formatter) and hands over a queryset; rows are read in chunks from a server-side
cursor and written out as they come, so 100,000 rows never sit in memory at once.

- CSV streams straight to the client (``StreamingHttpResponse``), with a UTF-8 byte-order mark
  so that spreadsheet programs read the accents right.
- XLSX is a zip archive whose directory comes last, so it cannot be streamed while it is
  built: XlsxWriter's ``constant_memory`` mode writes each row to a temporary file as it
  goes, the archive is assembled in another temporary file, and that file is streamed.

Text a spreadsheet would run as a formula (starting with ``=``, ``+``, ``-``, ``@``, a tab or
a carriage return): in CSV, which has no cell types, it is prefixed with an apostrophe (OWASP's
advice against CSV injection); in XLSX it is written as a string cell, which no spreadsheet
evaluates, so the cell holds exactly the original text. Numbers stay numbers.
"""

from __future__ import annotations

import csv
import datetime
import tempfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import xlsxwriter
from django.db.models import QuerySet
from django.http import FileResponse, StreamingHttpResponse
from django.utils import timezone
from django.utils.encoding import force_str

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

# Rows fetched from the database per round trip: large enough to be fast, small enough that
# memory stays flat whatever the number of rows.
CHUNK_SIZE = 2000
# What starts a formula in Excel, LibreOffice or Google Sheets: the ASCII signs, ";" (a
# separator some locales read as one), the full-width forms spreadsheets normalise to the
# ASCII ones (U+FF1D equals, U+FF0B plus, U+FF0D minus, U+FF20 at), and a leading tab or
# carriage return.
FORMULA_TRIGGERS = (
    "=",
    "+",
    "-",
    "@",
    ";",
    "\uff1d",
    "\uff0b",
    "\uff0d",
    "\uff20",
    "\t",
    "\r",
)
CSV_CONTENT_TYPE = "text/csv; charset=utf-8"
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMATS = ("csv", "xlsx")


@dataclass(frozen=True)
class Column:
    """One column of an export: its header (translated when written), the ``.values()`` key it
    reads, and an optional formatter (a choice's label, say) applied to each value."""

    header: StrOrPromise
    key: str
    format: Callable[[Any], Any] | None = None


def escape_cell(value: Any) -> Any:
    """The value made safe for a spreadsheet: text that would start a formula gets a leading
    apostrophe; anything else is returned as it is."""
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


def iter_rows(queryset: QuerySet[Any], columns: Sequence[Column]) -> Iterator[list[Any]]:
    """Each row of the queryset as a list of cell values, read in chunks from the database;
    the CSV writer escapes them."""
    keys = [column.key for column in columns]
    # prefetch_related(None): a list selector's prefetches make no sense on plain values.
    rows = queryset.prefetch_related(None).values_list(*keys).iterator(chunk_size=CHUNK_SIZE)
    formatters = [column.format for column in columns]
    for row in rows:
        yield [
            formatter(value) if formatter else value
            for formatter, value in zip(formatters, row, strict=True)
        ]


def _csv_value(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        return timezone.localtime(value).isoformat(timespec="seconds") if value.tzinfo else value
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int | float | Decimal):
        return value
    return escape_cell(force_str(value))


class _Echo:
    """A file-like object whose write() returns what it was given, for csv.writer."""

    def write(self, value: str) -> str:
        return value


def csv_lines(rows: Iterable[list[Any]], columns: Sequence[Column]) -> Iterator[str]:
    writer = csv.writer(_Echo())
    yield "\ufeff" + writer.writerow([force_str(column.header) for column in columns])
    for row in rows:
        yield writer.writerow([_csv_value(value) for value in row])


def csv_response(
    queryset: QuerySet[Any], columns: Sequence[Column], *, filename: str
) -> StreamingHttpResponse:
    response = StreamingHttpResponse(
        csv_lines(iter_rows(queryset, columns), columns), content_type=CSV_CONTENT_TYPE
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}.csv"'
    return response


def _write_xlsx(
    target: Any, rows: Iterable[list[Any]], columns: Sequence[Column], *, sheet: str
) -> int:
    """Writes the workbook to ``target``; returns the number of data rows."""
    workbook = xlsxwriter.Workbook(
        target,
        {
            "constant_memory": True,  # rows go to a temporary file, not a list in memory
            # Text stays text: never turned into formulas, links or numbers.
            "strings_to_formulas": False,
            "strings_to_urls": False,
            "strings_to_numbers": False,
        },
    )
    worksheet = workbook.add_worksheet(sheet[:31])
    bold = workbook.add_format({"bold": True})
    date_format = workbook.add_format({"num_format": "yyyy-mm-dd"})
    time_format = workbook.add_format({"num_format": "yyyy-mm-dd hh:mm"})
    for index, column in enumerate(columns):
        worksheet.write_string(0, index, force_str(column.header), bold)
    worksheet.freeze_panes(1, 0)
    count = 0
    for count, row in enumerate(rows, start=1):
        for index, value in enumerate(row):
            _write_cell(worksheet, count, index, value, date_format, time_format)
    workbook.close()
    return count


def _write_cell(
    worksheet: Any, row: int, col: int, value: Any, date_fmt: Any, time_fmt: Any
) -> None:
    if value is None:
        return
    if isinstance(value, bool):
        worksheet.write_boolean(row, col, value)
    elif isinstance(value, int | float | Decimal):
        worksheet.write_number(row, col, float(value))
    elif isinstance(value, datetime.datetime):
        local = timezone.localtime(value) if value.tzinfo else value
        worksheet.write_datetime(row, col, local.replace(tzinfo=None), time_fmt)
    elif isinstance(value, datetime.date):
        worksheet.write_datetime(row, col, value, date_fmt)
    else:
        # A string cell is never evaluated, so the text needs no apostrophe (which would show).
        worksheet.write_string(row, col, force_str(value))


def xlsx_response(
    queryset: QuerySet[Any], columns: Sequence[Column], *, filename: str, sheet: str
) -> FileResponse:
    # TemporaryFile has no name on disk; it disappears when FileResponse closes it.
    target = tempfile.TemporaryFile(suffix=".xlsx")  # noqa: SIM115 - closed by FileResponse
    _write_xlsx(target, iter_rows(queryset, columns), columns, sheet=sheet)
    target.seek(0)
    return FileResponse(
        target, as_attachment=True, filename=f"{filename}.xlsx", content_type=XLSX_CONTENT_TYPE
    )


def export_response(
    queryset: QuerySet[Any],
    columns: Sequence[Column],
    *,
    file_format: str,
    filename: str,
    sheet: str = "Export",
) -> StreamingHttpResponse | FileResponse:
    """The export in ``file_format`` (one of FORMATS) as an attachment named ``filename``."""
    if file_format == "xlsx":
        return xlsx_response(queryset, columns, filename=filename, sheet=sheet)
    return csv_response(queryset, columns, filename=filename)
