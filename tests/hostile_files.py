"""Small files built to cost a reader far more than their size: the hostile uploads that the tests
(tests/unit/data/test_guarded_reading.py, tests/e2e) and bench/hostile_reads.py feed to LSTM Lab.

Each builder returns the file's bytes. The workbooks are written by hand (zip of XML parts), as an
attacker would, so they can declare what a spreadsheet program never writes.
"""

from __future__ import annotations

import io
import zipfile

_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    '<Override PartName="/xl/sharedStrings.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
    "</Types>"
)
_ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" '
    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
    'Target="xl/workbook.xml"/></Relationships>'
)
_WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    '<sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
_WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" '
    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" '
    'Target="worksheets/sheet1.xml"/>'
    '<Relationship Id="rId2" '
    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" '
    'Target="sharedStrings.xml"/></Relationships>'
)
_SHEET_START = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
)


def _workbook(sheet_rows, shared_strings: list[str] = (), dimension: str | None = None) -> bytes:
    """An .xlsx of one sheet: ``sheet_rows`` yields the <row> elements' text, written in chunks."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("[Content_Types].xml", _CONTENT_TYPES)
        archive.writestr("_rels/.rels", _ROOT_RELS)
        archive.writestr("xl/workbook.xml", _WORKBOOK)
        archive.writestr("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS)
        strings = "".join(f"<si><t>{text}</t></si>" for text in shared_strings)
        archive.writestr(
            "xl/sharedStrings.xml",
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?><sst xmlns='
            f'"http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="{len(shared_strings)}" '
            f'uniqueCount="{len(shared_strings)}">{strings}</sst>')
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
            sheet.write(_SHEET_START.encode())
            if dimension:
                sheet.write(f'<dimension ref="{dimension}"/>'.encode())
            sheet.write(b"<sheetData>")
            chunk: list[str] = []
            for row in sheet_rows:
                chunk.append(row)
                if len(chunk) >= 10_000:
                    sheet.write("".join(chunk).encode())
                    chunk.clear()
            sheet.write("".join(chunk).encode())
            sheet.write(b"</sheetData></worksheet>")
    return buffer.getvalue()


def _table_rows(count: int = 24):
    """A normal little table: a header and ``count`` months of numbers."""
    yield '<row r="1"><c r="A1" t="inlineStr"><is><t>month</t></is></c>' \
          '<c r="B1" t="inlineStr"><is><t>sales</t></is></c></row>'
    for index in range(count):
        row = index + 2
        month = f"{2000 + index // 12}-{index % 12 + 1:02d}"
        yield (f'<row r="{row}"><c r="A{row}" t="inlineStr"><is><t>{month}</t></is></c>'
               f'<c r="B{row}"><v>{100 + index * 3 + (index % 12) * 5}</v></c></row>')


def far_cell_workbook() -> bytes:
    """A normal table plus one cell at the sheet's last address (XFD1048576): a reader that makes a
    dense grid of the used area asks for 17 billion cells (about 512 GiB)."""
    rows = list(_table_rows())
    rows.append('<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>')
    return _workbook(rows, dimension="A1:XFD1048576")


def shared_string_bomb(cells: int = 10_000, length: int = 100_000) -> bytes:
    """One long shared string referenced by ``cells`` cells: about ``cells * length`` bytes of text
    once every cell holds its own copy (1 GB by default) from a file of about a megabyte."""
    rows = (f'<row r="{row}"><c r="A{row}" t="s"><v>0</v></c></row>' for row in range(1, cells + 1))
    return _workbook(rows, shared_strings=["x" * length])


def many_rows_workbook(rows: int = 30_000_000) -> bytes:
    """A sheet of ``rows`` identical rows without addresses (``<row><c><v>1</v></c></row>``): they
    compress to almost nothing, so a file of a few megabytes holds tens of millions of rows."""
    return _workbook("<row><c><v>1</v></c></row>" for _ in range(rows))


def wide_line_csv(fields: int = 1_000_000) -> bytes:
    """A CSV of one line of ``fields`` numbers (2 MB at a million)."""
    return (",".join("1" for _ in range(fields)) + "\n").encode()


HOSTILE_FILES = {
    "far cell (.xlsx)": far_cell_workbook,
    "shared-string bomb (.xlsx)": shared_string_bomb,
    "30 million rows (.xlsx)": many_rows_workbook,
    "a million fields (.csv)": wide_line_csv,
}
