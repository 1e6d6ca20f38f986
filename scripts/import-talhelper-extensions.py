#!/usr/bin/env python3
"""Imports talhelper's talos-extensions.json into data/talos-extensions.json.

The upstream file (budimanjojo/talhelper pkg/config/schemas/talos-extensions.json, refreshed by
its CI from ghcr.io/siderolabs/extensions tags) lists, for each of ~770 Talos versions, the official
system extensions and SBC overlays: 2.5 MB, because consecutive versions mostly repeat the same
lists. The checked-in form keeps exactly the same information (overlay digests dropped: validation
needs names and images only) with every distinct list stored once:

  {"source": ..., "talhelperCommit": ..., "updated": DATE of that commit (`talgpu version` prints it),
   "extensionSets": [[name, ...], ...], "overlaySets": [[{"image", "name"}, ...], ...],
   "versions": [[version, extensionSetIndex, overlaySetIndex], ...]}   (upstream order)

scripts/gen-catalog.py turns it into C++ at build time.

Usage: scripts/import-talhelper-extensions.py UPSTREAM.json TALHELPER_COMMIT COMMIT_DATE > data/talos-extensions.json
  (COMMIT_DATE: YYYY-MM-DD, `git log -1 --format=%cs COMMIT` in talhelper)
"""
import json
import re
import sys

if len(sys.argv) != 4 or not re.fullmatch(r"\d{4}-\d{2}-\d{2}", sys.argv[3]):
    sys.exit(__doc__)
with open(sys.argv[1]) as f:
    versions = json.load(f)["versions"]

ext_sets, ext_index = [], {}
ovl_sets, ovl_index = [], {}
rows = []
for v in versions:
    exts = tuple(sorted(set(v.get("systemExtensions") or [])))
    ovls = tuple(sorted({(o["image"], o["name"]) for o in (v.get("overlays") or [])}))
    if exts not in ext_index:
        ext_index[exts] = len(ext_sets)
        ext_sets.append(list(exts))
    if ovls not in ovl_index:
        ovl_index[ovls] = len(ovl_sets)
        ovl_sets.append([{"image": i, "name": n} for i, n in ovls])
    rows.append([v["version"], ext_index[exts], ovl_index[ovls]])

out = ["{",
       '  "source": "budimanjojo/talhelper pkg/config/schemas/talos-extensions.json",',
       f'  "talhelperCommit": {json.dumps(sys.argv[2])},',
       f'  "updated": {json.dumps(sys.argv[3])},',
       '  "extensionSets": [']
out.append(",\n".join("    " + json.dumps(s) for s in ext_sets))
out.append("  ],")
out.append('  "overlaySets": [')
out.append(",\n".join("    " + json.dumps(s) for s in ovl_sets))
out.append("  ],")
out.append('  "versions": [')
out.append(",\n".join("    " + json.dumps(r) for r in rows))
out.append("  ]")
out.append("}")
print("\n".join(out))
