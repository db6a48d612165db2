"""Units as people write them in budget files, and the clear errors for the ones we cannot read."""

from __future__ import annotations

import pytest

from edge_sdk.core.errors import ConfigError
from edge_sdk.core.units import (
    format_bytes, format_count, format_mj, format_ms, parse_energy_mj, parse_fraction,
    parse_quantity, parse_size, parse_time_ms,
)


@pytest.mark.parametrize("text, expected", [
    ("4 MB", 4_000_000), ("4MB", 4_000_000), ("1.5 kB", 1500), ("2 MiB", 2 * 1024**2),
    ("64 KiB", 65536), ("100", 100), (2048, 2048), ("1_000 B", 1000), ("0.5 GB", 5e8),
])
def test_sizes(text, expected):
    assert parse_size(text) == pytest.approx(expected)


@pytest.mark.parametrize("text, expected", [
    ("18 ms", 18), ("1.2 s", 1200), ("500 us", 0.5), ("500 µs", 0.5), (7, 7),
])
def test_times_in_ms(text, expected):
    assert parse_time_ms(text) == pytest.approx(expected)


def test_energy_and_counts_and_fractions():
    assert parse_energy_mj("30 mJ") == 30
    assert parse_energy_mj("0.2 J") == pytest.approx(200)
    assert parse_quantity("600 M", "count") == 600e6
    assert parse_quantity("1.2G", "count") == pytest.approx(1.2e9)
    assert parse_fraction("5%") == pytest.approx(0.05)
    assert parse_fraction(0.05) == 0.05


@pytest.mark.parametrize("text, words", [
    ("5 parsecs", "unknown size unit 'parsecs'"),
    ("-3 MB", "negative"),
    ("fast", "cannot read 'fast'"),
    ("nan MB", "cannot read"),
])
def test_bad_sizes_say_what_is_wrong(text, words):
    with pytest.raises(ConfigError) as info:
        parse_size(text, field="size")
    assert words in str(info.value)
    assert info.value.exit_code == 2


def test_unit_error_shows_a_valid_example():
    with pytest.raises(ConfigError) as info:
        parse_time_ms("20 parsecs", field="latency_p90")
    assert 'latency_p90 = "18 ms"' in str(info.value)


def test_formatting_round_trips_the_si_convention():
    assert format_bytes(4_000_000) == "4.00 MB"
    assert parse_size(format_bytes(4_000_000)) == 4_000_000
    assert format_ms(0.25) == "250.0 us" and format_ms(12.345) == "12.35 ms" and format_ms(1500) == "1.50 s"
    assert format_mj(30) == "30 mJ"
    assert format_count(300_800_000) == "300.80 M"
    assert format_bytes(None) == "-"
