"""draws.parquet of 10^6 baseline samples: read by pandas and polars with
no options, equal to draws.csv value for value."""

from __future__ import annotations

import pandas as pd
import polars as pl
import pyarrow.parquet as pq
import pytest

BASE = "models/baseline.toml"


@pytest.fixture(scope="module")
def draws(cli, tmp_path_factory):
    out = tmp_path_factory.mktemp("draws")
    cli("run", BASE, "--draws", "-q", "-o", out / "csv")
    cli("run", BASE, "--draws", "--draws-format", "parquet", "-q", "-o", out / "parquet")
    return out / "csv" / "draws.csv", out / "parquet" / "draws.parquet"


def test_pandas_reads_draws_parquet_equal_to_draws_csv(draws):
    csv, parquet = draws
    frame = pd.read_parquet(parquet)
    # pyarrow's CSV reader parses every float exactly, and fast.
    expected = pd.read_csv(csv, engine="pyarrow")
    assert frame.shape == (1_000_000, expected.shape[1])
    assert list(frame.columns) == list(expected.columns)
    assert frame["sample"].dtype == "int64"
    assert (frame.dtypes.iloc[1:] == "float64").all()
    # A 0/1 column is whole numbers in the CSV (int64 there), float64 here.
    pd.testing.assert_frame_equal(frame, expected, check_dtype=False, check_exact=True)


def test_polars_reads_draws_parquet_equal_to_draws_csv(draws):
    csv, parquet = draws
    frame = pl.read_parquet(parquet)
    expected = pl.read_csv(csv)
    expected = expected.cast({c: pl.Float64 for c in expected.columns if c != "sample"})
    assert frame.schema == expected.schema
    assert frame.equals(expected)


def test_draws_parquet_is_streamed_in_row_groups_and_deterministic(draws, cli, tmp_path):
    _, parquet = draws
    meta = pq.ParquetFile(parquet).metadata
    assert meta.num_rows == 1_000_000
    assert meta.num_row_groups == 16  # 65,536 rows each
    assert meta.created_by.startswith("gaprisk version ")
    assert meta.row_group(0).column(1).compression == "ZSTD"
    cli(
        "run",
        BASE,
        "--draws",
        "--draws-format",
        "parquet",
        "-n",
        "100000",
        "-j",
        "1",
        "-q",
        "-o",
        tmp_path / "a",
    )
    cli(
        "run",
        BASE,
        "--draws",
        "--draws-format",
        "parquet",
        "-n",
        "100000",
        "-q",
        "-o",
        tmp_path / "b",
    )
    assert (tmp_path / "a/draws.parquet").read_bytes() == (
        tmp_path / "b/draws.parquet"
    ).read_bytes()
