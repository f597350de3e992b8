"""``--format csv``: the per-layer table with raw numbers and JSON field names."""

from __future__ import annotations

import csv
import io

import pytest

import hubprune
from hubprune.report import render

from .conftest import LLAMA, TAYLOR


def _rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


@pytest.fixture(scope="module")
def comparison():
    return hubprune.compare(str(LLAMA), str(TAYLOR))


def test_compare_csv_has_a_row_per_layer(comparison) -> None:
    rows = _rows(render(comparison, "csv", "zh"))
    assert len(rows) == 32
    row = rows[23]
    assert row["index"] == "23" and row["base_params"] == "218112000" and row["pruned_params"] == "39993344"
    assert row["attn_pruned_pct"] == "100.0000" and row["status"] == "attn_removed"
    assert (row["pruned_q_heads"], row["pruned_kv_heads"], row["pruned_intermediate_size"]) == ("0", "0", "3254")
    assert (row["base_kv_bytes_per_token"], row["pruned_kv_bytes_per_token"]) == ("4096", "0")
    assert rows[2]["pruned_kv_bytes_per_token"] == str(2 * 7 * 128 * 2)
    # Numbers are the JSON's, at four decimals.
    assert float(rows[0]["kept_pct"]) == pytest.approx(comparison.layers[0].kept_pct, abs=1e-4)


def test_header_is_the_same_in_every_language(comparison) -> None:
    assert render(comparison, "csv", "en").splitlines()[0] == render(comparison, "csv", "zh").splitlines()[0]


def test_inspect_csv() -> None:
    rows = _rows(render(hubprune.inspect(str(TAYLOR)), "csv", "en"))
    assert [r["q_heads"] for r in rows[:3]] == ["32", "32", "28"]
    assert rows[23]["attn_kind"] == "none" and rows[23]["kv_bytes_per_token"] == "0"
    assert rows[0]["experts"] == ""  # null for a dense layer


def test_check_csv_quotes_messages() -> None:
    rows = _rows(render(hubprune.check(str(TAYLOR)), "csv", "en"))
    mismatch = next(r for r in rows if r["code"] == "config_shape_mismatch")
    assert mismatch["severity"] == "warning" and "[4096, 7337]" in mismatch["message"]  # commas survive quoting
    assert next(r for r in rows if r["code"] == "config_tensors_missing")["layer"] == "23"


@pytest.fixture(scope="module")
def shallow(tmp_path_factory) -> str:
    """The pruned model with its last layer dropped: 31 layers, as depth pruning leaves them."""
    from hubprune import values as value_types

    from hubprune.skeleton import write_skeleton
    from hubprune.sources.local import read_local

    headers = read_local(str(TAYLOR))
    files = [value_types.replace(f, tensors=tuple(t for t in f.tensors if ".layers.31." not in t.name)) for f in headers.files]
    out = tmp_path_factory.mktemp("depth") / "shallow"
    write_skeleton(value_types.replace(headers, files=tuple(files), index=None), out)
    return str(out)


def test_kv_columns_follow_the_layer_map(shallow: str) -> None:
    # Pruned layer i is base layer i + 1: base layer 0 has no counterpart.
    rows = _rows(render(hubprune.compare(str(LLAMA), shallow, layer_map="1-31"), "csv", "en"))
    assert rows[0]["status"] == "layer_removed" and rows[0]["pruned_kv_bytes_per_token"] == "0"
    # Base layer 3 is pruned layer 2, which kept 7 KV heads.
    assert rows[3]["pruned_kv_heads"] == "7" and rows[3]["pruned_kv_bytes_per_token"] == str(2 * 7 * 128 * 2)
