"""Bulk import of organizations and cases from the spreadsheets counties already keep (SPEC §7).

Reads what the ledger writes (the Chinese headers of ``LEDGER_COLUMNS`` and its cell formats) and the
simpler sheets counties make by hand: CSV in UTF-8 or GBK/GB18030, XLSX with real date cells, dates in
the usual Chinese spellings, problem types as codes or text. Every row is checked before anything is
written, by the workflow's own guards (``rectify.states.import_rules``); every bad cell is reported with
its row and column. The file is streamed (CSV decoded as it is read, XLSX through openpyxl's read-only
mode) and the checked cases are written in batches inside one transaction (``executemany`` on SQLite, COPY on
PostgreSQL; ``rectify.store.bulk``) — no ORM object per row; a bad row anywhere rolls it all back.

``sheets`` reads files (the header found by its names, with a second header row under merged cells; title,
填报单位 and footer rows skipped), ``cells`` parses cells, ``readings`` reads what a county writes in its own words
(deadlines by the month, free-text problems, numbered measures, the kind in the name, 备注) and keeps each
reading for ``--dry-run``, ``county`` applies them to a row and fills what the sheet leaves out (``--county``,
``--kind-from-name``, ``--identified``), ``rows`` checks rows and collects problems, ``orgs`` resolves
organizations, ``planning`` turns a row into the records to write, ``cases`` runs a case import, ``template``
writes the template.
"""

from rectify.importing.cases import import_cases
from rectify.importing.cells import (
    CellError,
    generated_code,
    parse_bool,
    parse_date,
    parse_int,
    parse_kind,
    parse_measures,
    parse_problems,
    parse_progress,
    parse_secretary,
    parse_stage,
)
from rectify.importing.orgs import import_orgs
from rectify.importing.rows import ImportRejected, ImportResult, Progress, RowProblem
from rectify.importing.sheets import (
    CASE_FIELDS,
    ORG_FIELDS,
    Sheet,
    SheetStream,
    clean,
    decode_csv,
    open_sheet,
    read_sheet,
)
from rectify.importing.template import TEMPLATE_EXAMPLE, TEMPLATE_HEADERS, write_template

__all__ = [
    "CASE_FIELDS",
    "ORG_FIELDS",
    "TEMPLATE_EXAMPLE",
    "TEMPLATE_HEADERS",
    "CellError",
    "ImportRejected",
    "ImportResult",
    "Progress",
    "RowProblem",
    "Sheet",
    "SheetStream",
    "clean",
    "decode_csv",
    "generated_code",
    "import_cases",
    "import_orgs",
    "open_sheet",
    "parse_bool",
    "parse_date",
    "parse_int",
    "parse_kind",
    "parse_measures",
    "parse_problems",
    "parse_progress",
    "parse_secretary",
    "parse_stage",
    "read_sheet",
    "write_template",
]
