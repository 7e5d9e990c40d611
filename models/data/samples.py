"""The bundled series in ``data/``: their names, files and one line each saying what they are."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from models.errors import DataError

DATA_DIR = Path(__file__).resolve().parents[2] / "data"


@dataclass(frozen=True)
class Sample:
    """A bundled data file: short name, path, and one line saying what it is."""

    name: str
    path: Path
    description: str


_SAMPLES = {
    "airline-passengers": (
        "airline-passengers.csv",
        "Airline passengers: monthly totals in thousands, 1949–1960 (the seed article's data)",
    ),
    "sunspots-yearly": ("sunspots-yearly.csv", "Sunspots: yearly mean sunspot numbers, 1700–2008"),
    "nile-flow": ("nile-flow.csv", "Nile: yearly flow at Aswan in 10⁸ m³, 1871–1970"),
    "electrical-equipment": (
        "electrical-equipment.csv",
        "Electrical equipment: monthly turnover index of euro-area manufacturers, 1995–2016",
    ),
}


def bundled_samples() -> dict[str, Sample]:
    """The bundled series in data/, keyed by short name (the file name without .csv)."""
    return {
        name: Sample(name=name, path=DATA_DIR / file_name, description=description)
        for name, (file_name, description) in _SAMPLES.items()
    }


def sample_path(name: str) -> Path:
    """Path of a bundled sample by name or unique prefix ("airline" -> data/airline-passengers.csv)."""
    samples = bundled_samples()
    key = name.strip().lower().removesuffix(".csv")
    if key in samples:
        return samples[key].path
    matches = [sample for sample_name, sample in samples.items() if sample_name.startswith(key)]
    if key and len(matches) == 1:
        return matches[0].path
    raise DataError(f"There is no bundled sample named {name!r}: the samples are {', '.join(samples)}.")
