"""Bundled demo data: ACS employment, Massachusetts, 2015 to 2018 (public U.S. Census data).

See ``rai/datasets/data/README.md`` for provenance.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import pandas as pd

from rai._exceptions import ConfigError

__all__ = ["load_acs_employment", "acs_employment_path", "ACS_YEARS", "ACS_FEATURES", "ACS_TARGET"]

ACS_YEARS = (2015, 2016, 2017, 2018)
ACS_TARGET = "employed"
ACS_FEATURES = (
    "AGEP", "SCHL", "MAR", "RELP", "DIS", "ESP", "CIT", "MIG", "MIL", "ANC",
    "NATIVITY", "DEAR", "DEYE", "DREM", "SEX", "RAC1P",
)


def acs_employment_path() -> Path:
    """Path of the bundled Parquet file (all years)."""
    return Path(str(resources.files("rai.datasets").joinpath("data/acs_employment_ma.parquet")))


def load_acs_employment(year: int | list[int] | None = 2015) -> pd.DataFrame:
    """ACS employment data for Massachusetts, one row per person.

    Columns: ``id``, ``AGEP`` (age) and categorical codes ``SCHL`` ... ``RAC1P`` (``SEX`` 1 male,
    2 female; ``RAC1P`` 1 White alone, 2 Black alone, ...), the target ``employed`` (0/1),
    ``year``, and the outputs of a model trained on 2015: ``prediction`` and
    ``predicted_probability``. Labels for 2016 to 2018 are joined from the late-arriving targets.

    Parameters
    ----------
    year:
        One year, a list of years, or ``None`` for all of 2015 to 2018.
    """
    years = list(ACS_YEARS) if year is None else ([year] if isinstance(year, int) else list(year))
    bad = [y for y in years if y not in ACS_YEARS]
    if bad:
        raise ConfigError(f"The 'year' parameter of load_acs_employment must be in {list(ACS_YEARS)}. Got {bad} instead.")
    frame = pd.read_parquet(acs_employment_path(), filters=[("year", "in", years)])
    return frame.reset_index(drop=True)
