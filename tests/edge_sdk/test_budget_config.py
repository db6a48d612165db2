"""Budget files: parsing, strict validation, clear errors with line numbers, discovery, schema."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from edge_sdk.budgets.config import find_budget, load_budget
from edge_sdk.budgets.metrics import METRICS
from edge_sdk.budgets.schema import SCHEMA_PATH, budget_schema, schema_text
from edge_sdk.core.errors import ConfigError

MINIMAL = '''[[check]]
name = "face detector, mid-range phones"
models = ["build/*.tflite"]
devices = ["pixel-4", "raspberry-pi-4"]
size = "1 MB"
latency_p90 = "20 ms"
peak_memory = "64 MB"
energy = "30 mJ"
message = "Talk to the perf team before raising this."
'''


def write(tmp_path: Path, text: str, name: str = "edge-budget.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_minimal_form_from_the_issue_parses_into_base_units(tmp_path):
    budget = load_budget(write(tmp_path, MINIMAL))
    (check,) = budget.checks
    assert check.name == "face detector, mid-range phones"
    assert check.models == ["build/*.tflite"] and check.devices == ["pixel-4", "raspberry-pi-4"]
    assert check.limits["size"].value == 1_000_000
    assert check.limits["latency_p90"].value == 20.0
    assert check.limits["peak_memory"].value == 64_000_000
    assert check.limits["energy"].value == 30.0
    assert check.message.startswith("Talk to the perf team")
    assert check.line == 1
    assert budget.base_dir == tmp_path.resolve()


def test_every_kind_of_limit_and_relative_regression(tmp_path):
    text = '''
[[check]]
name = "all"
models = ["a.tflite"]
gzip_size = "500 KiB"
params = "3.5 M"
macs = "300 M"
accuracy_drop = "1%"
arena = "2 MiB"
precisions = ["int8", "int8-float-io"]
delegates = ["GPU", "xnnpack"]
runtimes = ["tflite-runtime 2.14", "litert==2.3"]
no_custom_ops = true
no_flex_ops = true
max_regression = { gzip_size = "5%", macs = "0%" }
'''
    (check,) = load_budget(write(tmp_path, text)).checks
    assert check.limits["gzip_size"].value == 500 * 1024
    assert check.limits["params"].value == 3.5e6
    assert check.limits["accuracy_drop"].value == pytest.approx(0.01)
    assert check.limits["delegates"].value == ["gpu", "xnnpack"]
    assert [str(r) for r in check.limits["runtimes"].value] == ["tflite-runtime 2.14", "litert 2.3"]
    assert check.max_regression == {"gzip_size": 0.05, "macs": 0.0}


def test_regression_percentage_applies_to_every_number_the_check_limits(tmp_path):
    text = MINIMAL + 'max_regression = "5%"\n'
    (check,) = load_budget(write(tmp_path, text)).checks
    assert check.max_regression == {m: 0.05 for m in ("size", "latency_p90", "peak_memory", "energy")}


def test_syntax_error_names_line_and_column_and_shows_the_line(tmp_path):
    path = write(tmp_path, '[[check]]\nname = "x"\nsize = 1 MB\n')
    with pytest.raises(ConfigError) as err:
        load_budget(path)
    text = str(err.value)
    assert f"{path}:3:" in text and "TOML syntax error" in text
    assert "size = 1 MB" in text and "^" in text


def test_unknown_key_lists_valid_keys_suggests_and_shows_example(tmp_path):
    path = write(tmp_path, MINIMAL.replace("latency_p90", "latncy_p90"))
    with pytest.raises(ConfigError) as err:
        load_budget(path)
    text = str(err.value)
    assert f"{path}:6:" in text                       # the line of the typo
    assert "'latncy_p90'" in text and "did you mean 'latency_p90'" in text
    for key in ("latency_p90", "peak_memory", "max_regression", "runtimes"):
        assert key in err.value.hint
    assert "[[check]]" in err.value.hint               # a valid example


@pytest.mark.parametrize("line, needle", [
    ('size = "5 parsecs"', "unknown size unit 'parsecs'"),
    ('size = "-1 MB"', "negative"),
    ('latency_p90 = "fast"', "cannot read 'fast'"),
    ('energy = "3 MB"', "unknown energy unit"),
    ('precisions = ["int4"]', "unknown value 'int4'"),
    ('delegates = ["tpu"]', "unknown value 'tpu'"),
    ('runtimes = ["tensorflow 2.21"]', "unknown runtime"),
    ('no_flex_ops = "yes"', "true or false"),
    ('threads = 0', "threads must be"),
    ('max_regression = "5 ms"', "not a percentage"),
    ('models = "x" \nmodels2 = 1', "unknown key 'models2'"),
])
def test_bad_values_are_config_errors_naming_the_key_and_line(tmp_path, line, needle):
    base = '[[check]]\nname = "n"\n' + ("" if line.startswith("size") else 'size = "1 MB"\n')
    path = write(tmp_path, base + line + "\n")
    with pytest.raises(ConfigError) as err:
        load_budget(path)
    assert needle in str(err.value)
    assert str(path) in str(err.value)


def test_check_without_limits_duplicate_names_and_empty_budget_are_rejected(tmp_path):
    with pytest.raises(ConfigError, match="sets no limit"):
        load_budget(write(tmp_path, '[[check]]\nname = "a"\nmodels = ["x"]\n'))
    with pytest.raises(ConfigError, match="two checks are named 'a'"):
        load_budget(write(tmp_path, '[[check]]\nname = "a"\nsize = 1\n[[check]]\nname = "a"\nsize = 2\n'))
    with pytest.raises(ConfigError, match="no \\[\\[check\\]\\] table"):
        load_budget(write(tmp_path, "# nothing\n"))
    with pytest.raises(ConfigError, match="unknown top-level key 'checks'"):
        load_budget(write(tmp_path, '[[checks]]\nsize = 1\n'))


def test_pyproject_tool_section_is_found_and_relative_to_its_directory(tmp_path):
    (tmp_path / ".git").mkdir()
    write(tmp_path, '[project]\nname = "app"\n\n[[tool.edge-sdk.check]]\nname = "app"\nsize = "2 MB"\n',
          "pyproject.toml")
    sub = tmp_path / "src" / "deep"
    sub.mkdir(parents=True)
    found = find_budget(sub)
    assert found == tmp_path / "pyproject.toml"
    budget = load_budget(found)
    assert budget.checks[0].limits["size"].value == 2e6 and budget.checks[0].line == 4
    # edge-budget.toml next to it wins; nothing above the repository root is looked at
    write(tmp_path, MINIMAL)
    assert find_budget(sub) == tmp_path / "edge-budget.toml"
    assert find_budget(tmp_path.parent) is None or tmp_path.parent / "edge-budget.toml" != tmp_path


def test_pyproject_unknown_key_error_names_the_tool_section(tmp_path):
    path = write(tmp_path, '[[tool.edge-sdk.check]]\nname = "a"\nsize = "1 MB"\nsizee = 2\n', "pyproject.toml")
    with pytest.raises(ConfigError) as err:
        load_budget(path)
    assert f"{path}:4:" in str(err.value) and "did you mean 'size'" in str(err.value)


def test_committed_schema_matches_the_catalogue_and_covers_every_key():
    assert SCHEMA_PATH.read_text(encoding="utf-8") == schema_text(), \
        "run: python -m tools.schemas"
    schema = budget_schema()
    properties = schema["$defs"]["check"]["properties"]
    assert set(METRICS) <= set(properties)
    assert schema["$defs"]["check"]["additionalProperties"] is False
    json.loads(SCHEMA_PATH.read_text())  # valid JSON


def test_schema_patterns_agree_with_the_unit_parser():
    import re

    from edge_sdk.core.units import parse_quantity

    properties = budget_schema()["$defs"]["check"]["properties"]
    for key, good, bad in [("size", ["1 MB", "512KiB", "3 bytes"], ["5 parsecs", "1 ms", "-1 MB"]),
                           ("latency_p90", ["20 ms", "1.5 s", "300us", "20"], ["3 MB", "fast"]),
                           ("energy", ["30 mJ", "2 J"], ["30 mW"]),
                           ("macs", ["300 M", "12", "1.2 GMACs"], ["3 MB"])]:
        pattern = properties[key]["oneOf"][0]["pattern"]
        for text in good:
            assert re.match(pattern, text), (key, text)
            parse_quantity(text, METRICS[key].kind, key)
        for text in bad:
            assert not re.match(pattern, text), (key, text)
            with pytest.raises(ConfigError):
                parse_quantity(text, METRICS[key].kind, key)
