#!/usr/bin/env python3
"""Validates a JSON document (stdin) against one of talgpu's published schemas (docs/schemas).

Usage: python3 tests/cli/validate_json.py findings|plan < document.json
Prints "valid" or the first errors; exit 1 when invalid. Needs Debian's python3-jsonschema.
"""
import json
import pathlib
import sys

import jsonschema
from referencing import Registry, Resource

root = pathlib.Path(__file__).resolve().parents[2] / "docs" / "schemas"
resources = []
for f in sorted(root.glob("*.schema.json")):
    schema = json.loads(f.read_text())
    resources.append((schema["$id"], Resource.from_contents(schema)))
registry = Registry().with_resources(resources)
schema = json.loads((root / f"{sys.argv[1]}.schema.json").read_text())
doc = json.load(sys.stdin)
validator = jsonschema.Draft202012Validator(schema, registry=registry)
errors = sorted(validator.iter_errors(doc), key=lambda e: list(e.path))
for e in errors[:5]:
    print(f"{'/'.join(map(str, e.path))}: {e.message}")
print("valid" if not errors else f"{len(errors)} error(s)")
sys.exit(1 if errors else 0)
