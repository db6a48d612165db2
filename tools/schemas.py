"""Regenerate the committed JSON Schemas from the declarations they are derived from.

    python -m tools.schemas          # from the repository root

- ``edge_sdk/schemas/budget.schema.json`` from the metric catalogue (:mod:`edge_sdk.budgets.schema`);
- ``devices/profile.schema.json`` from the device-profile declaration (:mod:`devices.schema`);
- ``edge_sdk/schemas/{profile,check,convert,inspect,compare}.schema.json`` from the document types
  (:mod:`edge_sdk.core.documents.schemas`): what ``--json`` prints.

Editors that understand JSON Schema (Taplo / Even Better TOML) complete and validate budget files and
device profiles with them; the tests fail when a committed copy drifts from its declaration.
"""

from __future__ import annotations

import json
import sys

from devices import schema as device_schema
from edge_sdk.budgets import schema as budget_schema
from edge_sdk.core.atomic import atomic_write_text
from edge_sdk.core.documents.schemas import schema_texts


def main() -> int:
    atomic_write_text(budget_schema.SCHEMA_PATH, budget_schema.schema_text())
    print(f"wrote {budget_schema.SCHEMA_PATH}", file=sys.stderr)
    atomic_write_text(device_schema.SCHEMA_FILE, json.dumps(device_schema.json_schema(), indent=2) + "\n")
    print(f"wrote {device_schema.SCHEMA_FILE}", file=sys.stderr)
    for path, text in schema_texts().items():
        atomic_write_text(path, text)
        print(f"wrote {path}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
