#!/usr/bin/env python3
"""Generate src/collect/service_regions.tsv: the regions in which AWS offers each regional
service the workload collector reads, from botocore's endpoint data (Apache-2.0).

    pip install -r scripts/requirements-dev.txt
    python3 scripts/gen_service_regions.py           # rewrite the table
    python3 scripts/gen_service_regions.py --check   # exit 1 if the checked-in table is stale

Output: a header line, then `<service>\t<regions, comma-separated>` per service, sorted, so the
file is byte-identical on every run. The collector uses it only to read an unreachable endpoint
in a region outside the list as "not offered there" (no workloads); everywhere else an
unreachable endpoint stays a coverage gap.
"""
import argparse
import json
import sys
from importlib import metadata
from pathlib import Path

import botocore

OUT = Path(__file__).resolve().parent.parent / "src" / "collect" / "service_regions.tsv"
# The SDK's service name -> botocore's endpoint prefix.
SERVICES = {
    "apprunner": "apprunner",
    "cloudformation": "cloudformation",
    "codebuild": "codebuild",
    "ecs": "ecs",
    "glue": "glue",
    "sagemaker": "api.sagemaker",
}


def render() -> str:
    data = json.loads((Path(botocore.__file__).parent / "data" / "endpoints.json").read_text())
    lines = [f"# service\tregions (botocore {metadata.version('botocore')} endpoints.json)"]
    for service, prefix in sorted(SERVICES.items()):
        regions = set()
        for partition in data["partitions"]:
            endpoints = partition["services"].get(prefix, {}).get("endpoints", {})
            regions.update(
                name
                for name, endpoint in endpoints.items()
                if name in partition["regions"] and not endpoint.get("deprecated")
            )
        if not regions:
            raise SystemExit(f"error: botocore lists no region for {prefix}")
        lines.append(f"{service}\t{','.join(sorted(regions))}")
    return "\n".join(lines) + "\n"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--check", action="store_true", help="exit 1 if the table is stale")
    args = ap.parse_args()
    text = render()
    if args.check:
        if not OUT.exists() or OUT.read_text() != text:
            print(f"{OUT} is stale: run python3 scripts/gen_service_regions.py", file=sys.stderr)
            sys.exit(1)
        return
    OUT.write_text(text)


if __name__ == "__main__":
    main()
