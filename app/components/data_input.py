"""Bring data to the Forecast page: a bundled sample or an uploaded file, then see what was read.

``show()`` draws the source picker, the uploader (CSV or spreadsheet, size limit next to it), a sheet
chooser for a workbook with several sheets, one plain error sentence for a bad file, the series chart,
one line saying which column is the time, which the target and what was skipped, what was detected
(time column, target, frequency, season, points, notes on gaps and duplicates), a preview of the file,
and controls to override the time and target columns. It returns the usable data (``DataChoice``) or
None.

Column names and cells come from users: they are shown in tables, plain ``st.text`` and escaped
markdown, never as HTML. Parsing is cached by the file's digest, so a rerun costs no parsing.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import partial

import pandas as pd
import streamlit as st
from streamlit.delta_generator import DeltaGenerator

from app import forecast_charts
from app.components.messages import escape_markdown, show_error
from app.components.sticky import forget_widgets, remembered, sticky
from models import limits
from models.data import (
    NO_TIME_COLUMN,
    Series,
    bundled_samples,
    describe_series,
    load_series,
    read_table,
    sheet_as_csv,
    workbook_sheets,
)
from models.errors import LabError

SOURCE_KEY = "forecast_data_source"  # non-widget keys: they survive a page switch
UPLOAD_KEY = "forecast_upload"  # {"name", "data", "digest"} of the last uploaded file, or absent
DEFAULT_SAMPLE = "airline-passengers"
AUTO = "(detected)"  # selectbox option: let the app choose the column
SKIPPED_NAMED = 3  # skipped columns named in the reading line; a wide file's others are counted

@dataclass(frozen=True)
class DataChoice:
    """Data ready to train on: the file name given to the run, its bytes, and the parsed series.

    For a workbook sheet other than the first, ``data`` holds that sheet as CSV, so the run reads it.
    """

    name: str
    data: bytes
    series: Series
    time_column: str | None  # None: detected; NO_TIME_COLUMN: none; else the user's choice
    target_column: str | None  # None: detected


# ── cached reading (keyed by the file's digest; the bytes themselves are not hashed again) ────────


@st.cache_data(max_entries=8, show_spinner=False)
def sample_file(name: str) -> tuple[bytes, str]:
    """Bytes and sha256 digest of a bundled sample."""
    data = bundled_samples()[name].path.read_bytes()
    return data, hashlib.sha256(data).hexdigest()


@st.cache_data(max_entries=32, show_spinner=False)
def parse(digest: str, time_column: str | None, target_column: str | None, name: str,
          _data: bytes, sheet: str | None = None) -> tuple[Series | None, str | None]:
    """The series, or None and the plain sentence saying what is wrong with the file."""
    try:
        series = load_series(_data, time_column=time_column, target_column=target_column, name=name,
                             sheet=sheet)
        return series, None
    except LabError as error:
        return None, str(error)


@st.cache_data(max_entries=32, show_spinner=False)
def column_names(digest: str, _data: bytes, sheet: str | None = None) -> list[str]:
    """The file's column names, or [] when it cannot be read as a table at all."""
    try:
        return [str(column) for column in read_table(_data, sheet=sheet).columns]
    except LabError:
        return []


@st.cache_data(max_entries=32, show_spinner=False)
def sheets(digest: str, _data: bytes) -> list[str]:
    """The sheet names of a workbook ([] for a CSV or an unreadable file)."""
    try:
        return workbook_sheets(_data)
    except LabError:
        return []


@st.cache_data(max_entries=8, show_spinner=False)
def sheet_bytes(digest: str, sheet: str, _data: bytes) -> bytes:
    """One sheet of the workbook as CSV bytes (what a run of that sheet is given)."""
    return sheet_as_csv(_data, sheet)


# ── choosing the file ─────────────────────────────────────────────────────────────────────────


def _remember_upload(widget_key: str) -> None:
    """Keep the uploaded file in a non-widget key (the uploader forgets it on a page switch)."""
    uploaded = st.session_state.get(widget_key)
    if uploaded is None:
        st.session_state.pop(UPLOAD_KEY, None)
        return
    data = uploaded.getvalue()
    st.session_state[UPLOAD_KEY] = {"name": uploaded.name, "data": data,
                                    "digest": hashlib.sha256(data).hexdigest()}


def _choose_file(key: str) -> tuple[str, bytes, str] | None:
    """Source picker plus sample list or uploader; returns (file name, bytes, digest) or None."""
    source = remembered(SOURCE_KEY, {"source": "sample", "sample": DEFAULT_SAMPLE})
    samples = bundled_samples()
    sticky(source, "source", f"{key}-source", st.segmented_control, "Data",
           options=["sample", "upload"], required=True,
           format_func={"sample": "Bundled sample", "upload": "Upload a CSV file or spreadsheet"}.get,
           help="Start with a bundled series, or upload your own CSV file or spreadsheet (.xlsx, .xls): "
                "one column of times (optional) and one or more columns of numbers.")
    if source["source"] == "sample":
        if source["sample"] not in samples:
            source["sample"] = DEFAULT_SAMPLE
            forget_widgets(f"{key}-sample")
        name = sticky(source, "sample", f"{key}-sample", st.selectbox, "Sample", options=list(samples),
                      help="Real series bundled with the app (see data/README.md for their sources).")
        st.caption(samples[name].description)
        data, digest = sample_file(name)
        return f"{name}.csv", data, digest

    limit = limits.max_upload_mb()
    widget_key = f"{key}-upload"
    # No type filter: files are recognised by their content (a workbook saved as .csv still reads).
    st.file_uploader(
        f"CSV file (up to {limit} MB) or spreadsheet (.xlsx, .xls)", key=widget_key, max_upload_size=limit,
        on_change=_remember_upload, args=(widget_key,),
        help="Drag a file here or browse. A header row, then one row per time step: a column of dates "
             "or times (optional) and columns of numbers. Commas, semicolons or tabs all work, and so "
             "do R exports (decimal years), Excel workbooks and European CSVs (1,5 and 31.01.2020).")
    upload = st.session_state.get(UPLOAD_KEY)
    if upload is None:
        st.info("Upload a CSV file or a spreadsheet to forecast it, or pick a bundled sample above.")
        return None
    if st.session_state.get(widget_key) is None:  # remembered from an earlier visit to the page
        st.text(f"Using {upload['name']} (uploaded earlier).")
    return upload["name"], upload["data"], upload["digest"]


# ── column overrides ──────────────────────────────────────────────────────────────────────────


def _column_label(detected: str, option: str) -> str:
    """Selectbox label of a column option (a module-level function: session state must pickle it)."""
    if option == AUTO:
        return f"detected: {detected}"
    return "none: number the points" if option == NO_TIME_COLUMN else option


def _choose_sheet(key: str, digest: str, names: list[str]) -> str | None:
    """A sheet chooser for a workbook with several sheets; None (the first sheet) otherwise."""
    if len(names) < 2:
        return None
    choice = remembered("forecast_sheet", {"digest": digest, "sheet": names[0]})
    if choice["digest"] != digest or choice["sheet"] not in names:
        choice.update(digest=digest, sheet=names[0])
        forget_widgets(f"{key}-sheet")
    sheet: str = sticky(choice, "sheet", f"{key}-sheet", st.selectbox, "Sheet", options=names,
                        help="This workbook has several sheets: pick the one that holds the series.")
    return sheet  # one of ``names``


def _code(name: str) -> str:
    """A user's column name shown literally: a code span for plain names, escaped bold text otherwise.

    Names with markdown or HTML characters are escaped rather than put in a code span, so their raw
    text (``<script>``) never reaches the page's markdown at all.
    """
    if escape_markdown(name) != name or "\n" in name:
        return f"**{escape_markdown(name)}**"
    return f"`{name}`"


def reading_line(series: Series) -> str:
    """One markdown line: "Time: `time` (quarterly, decimal years) · Target: `value` · Skipped: ..."."""
    facts = describe_series(series)
    if facts["time_column"]:
        details = ", ".join(part for part in (facts["frequency"] or "irregular", facts["time_kind"]) if part)
        parts = [f"Time: {_code(facts['time_column'])} ({escape_markdown(details)})"]
    else:
        parts = ["Time: none (points numbered 1, 2, 3, ...)"]
    parts.append(f"Target: {_code(facts['target'])}")
    if facts["skipped_columns"]:
        named = facts["skipped_columns"][:SKIPPED_NAMED]  # a wide file: a few named, the rest counted
        skipped = ", ".join(f"{_code(item['column'])} ({escape_markdown(item['reason'])})" for item in named)
        rest = len(facts["skipped_columns"]) - len(named)
        parts.append(f"Skipped: {skipped}" + (f" and {rest:,} more" if rest else ""))
    if facts["sheet"]:
        parts.append(f"Sheet: {_code(facts['sheet'])}")
    return " · ".join(parts)


def _column_overrides(key: str, digest: str, columns: list[str],
                      detected: Series | None) -> tuple[str | None, str | None]:
    """Selectboxes for the time and target columns; (None, None) means "as detected"."""
    choice = remembered("forecast_columns", {"digest": digest, "time": AUTO, "target": AUTO})
    if choice["digest"] != digest:  # a new file: back to the detected columns
        choice.update(digest=digest, time=AUTO, target=AUTO)
        forget_widgets(f"{key}-time", f"{key}-target")
    time_options = [AUTO, NO_TIME_COLUMN, *columns]
    target_options = [AUTO, *columns]
    if choice["time"] not in time_options or choice["target"] not in target_options:
        choice.update(time=AUTO, target=AUTO)
        forget_widgets(f"{key}-time", f"{key}-target")
    left, right = st.columns(2)
    with left:
        detected_time = (detected.time_column or "none") if detected else "automatic"
        time_column = sticky(choice, "time", f"{key}-time", st.selectbox, "Time column", options=time_options,
                             format_func=partial(_column_label, detected_time),
                             help="The column of dates or times. Detected automatically; pick another one "
                                  "if the guess is wrong, or none to number the rows 1, 2, 3, ...")
    with right:
        target = sticky(choice, "target", f"{key}-target", st.selectbox, "Column to forecast",
                        options=target_options,
                        format_func=partial(_column_label, detected.target if detected else "automatic"),
                        help="The column of numbers the network learns to predict. By default the first "
                             "numeric column that is not the time column.")
    return (None if time_column == AUTO else time_column), (None if target == AUTO else target)


# ── what was read ─────────────────────────────────────────────────────────────────────────────


def facts_table(series: Series) -> pd.DataFrame:
    """What was detected, as a two-column table of plain text."""
    season = series.season_length
    rows = [
        ("Time column", series.time_column if series.time_column else "none (points numbered 1, 2, 3, ...)"),
        ("Column to forecast", series.target),
        ("Frequency", series.frequency or "irregular or unknown"),
        ("Season length", f"{season} steps" if season else "none detected"),
        ("Points", f"{len(series):,} ({series.time_labels[0]} to {series.time_labels[-1]})"),
        ("Columns in the file", f"{len(series.columns)}"),
    ]
    return pd.DataFrame(rows, columns=["What", "Detected"])


def _show_series(key: str, series: Series, chart_box: DeltaGenerator, facts_box: DeltaGenerator) -> None:
    with chart_box:
        st.markdown(reading_line(series), help="What the file was read as. Pick other columns on the right "
                    "if this is not what the file means.")
        st.plotly_chart(forecast_charts.series_figure(series.time_labels, series.values, series.target,
                                                      series.name), key=f"{key}-chart")
        st.caption("The first rows of the file, as read:")
        st.dataframe(series.preview, hide_index=True, height=220, key=f"{key}-preview")
    with facts_box:
        st.dataframe(facts_table(series), hide_index=True, key=f"{key}-facts")
        if series.notes:
            st.caption("What was done to the data:")
            for note in series.notes:
                st.text(f"• {note}")
        else:
            st.caption("The file needed no repairs: no gaps, duplicates or unreadable rows.")


def show(key: str = "forecast-data") -> DataChoice | None:
    """Draw the data section; return the usable data or None (an error was shown)."""
    picked = _choose_file(key)
    if picked is None:
        return None
    name, data, digest = picked
    sheet_names = sheets(digest, data)
    chart_box, side = st.columns([3, 2], gap="medium")
    with side:
        sheet = _choose_sheet(key, digest, sheet_names)
        # Column choices belong to one sheet: a sheet is keyed like a file of its own.
        sheet_digest = digest if sheet is None else f"{digest}:{sheet}"
        columns = column_names(digest, data, sheet)
        facts_box = st.container()
        detected, _ = parse(digest, None, None, name, data, sheet)
        time_column, target_column = (_column_overrides(key, sheet_digest, columns, detected) if columns
                                      else (None, None))
    series, error = parse(digest, time_column, target_column, name, data, sheet)
    if series is None:
        with chart_box:
            show_error(error)
        return None
    _show_series(key, series, chart_box, facts_box)
    if sheet is not None and sheet != sheet_names[0]:
        data = sheet_bytes(digest, sheet, data)  # a run given the workbook would read its first sheet
    return DataChoice(name=name, data=data, series=series, time_column=time_column,
                      target_column=target_column)
