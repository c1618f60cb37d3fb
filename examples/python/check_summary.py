#!/usr/bin/env python3
"""CI check (scripts/ci-python.sh): the summary consumer.py printed from the proto topics
equals the same summary computed from bmpstream's JSON output of the same capture:
records per type and the key fields of every record."""

import json
import sys


def key_fields(d):
    out = [d["type"], d.get("router_hash", ""), int(d["sequence"]), d.get("action", "")]
    for name in ("prefix", "peer_ip", "remote_ip", "sys_name"):
        out.append(d.get(name, ""))
    out.append(int(d["prefix_len"]) if "prefix_len" in d else -1)
    return out


def main(summary_path, jsonl_path):
    with open(summary_path) as f:
        got = json.load(f)
    counts, keys = {}, []
    with open(jsonl_path) as f:
        for line in f:
            d = json.loads(line)
            counts[d["type"]] = counts.get(d["type"], 0) + 1
            keys.append(key_fields(d))
    keys.sort()
    if got["per_type"] != counts:
        sys.exit("records per type: proto %s, JSON %s" % (got["per_type"], counts))
    if got["keys"] != keys:
        diff = [k for k in keys if k not in got["keys"]][:5]
        sys.exit("key fields differ; first JSON records missing from proto: %s" % diff)
    if got["records"] != len(keys) or not keys:
        sys.exit("%d proto records, %d JSON records" % (got["records"], len(keys)))
    print("python consumer: OK: %d records, per type %s" % (len(keys), json.dumps(counts, sort_keys=True)))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
