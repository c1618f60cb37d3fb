#!/usr/bin/env python3
"""Example bmpstream consumer outside Go: reads bmpstream's Kafka topics in the protobuf
format (--kafka-format=proto) with librdkafka (confluent-kafka) and decodes each message
with the code protoc generated from schemas/bmpstream/v1 (gen/, `make generate`).

Each Kafka message is the bare record message; its header
    content-type: application/x-protobuf; messageType=bmpstream.v1.<Message>
names the message, and bmpstream-schema: v1 the schema version, so a consumer decodes
without guessing. Debian: apt-get install python3-protobuf python3-confluent-kafka.

    python3 consumer.py --bootstrap 127.0.0.1:9092            # JSON Lines on stdout
    python3 consumer.py --bootstrap 127.0.0.1:9092 --summary  # counts per type
"""

import argparse
import json
import os
import re
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "gen"))

from confluent_kafka import Consumer, KafkaError, TopicPartition, OFFSET_BEGINNING  # noqa: E402
from google.protobuf import json_format  # noqa: E402

from bmpstream.v1 import bmpstream_pb2  # noqa: E402

CONTENT_TYPE = re.compile(r"^application/x-protobuf;\s*messageType=bmpstream\.v1\.(\w+)$")


def decode(msg):
    """Returns the decoded protobuf message of a Kafka message (None for raw records)."""
    headers = dict(msg.headers() or [])
    ct = headers.get("content-type", b"").decode()
    m = CONTENT_TYPE.match(ct)
    if not m:
        return None
    if headers.get("bmpstream-schema", b"").decode() != "v1":
        raise ValueError("unsupported schema version %r" % headers.get("bmpstream-schema"))
    record = getattr(bmpstream_pb2, m.group(1))()
    record.ParseFromString(msg.value())
    return record


def consume(bootstrap, topic_re, idle, on_record):
    """Reads every partition of the topics matching topic_re from the start until no
    message arrives for idle seconds, calling on_record(topic, record) for each."""
    c = Consumer({
        "bootstrap.servers": bootstrap,
        "group.id": "bmpstream-example",
        "enable.auto.commit": False,
        "auto.offset.reset": "earliest",
    })
    try:
        md = c.list_topics(timeout=10)
        pattern = re.compile(topic_re)
        parts = [TopicPartition(t, p, OFFSET_BEGINNING)
                 for t, tm in md.topics.items() if pattern.match(t)
                 for p in tm.partitions]
        if not parts:
            raise SystemExit("no topic matches %s" % topic_re)
        c.assign(parts)
        n = 0
        while True:
            msg = c.poll(idle)
            if msg is None:
                return n
            if msg.error():
                if msg.error().code() == KafkaError._PARTITION_EOF:
                    continue
                raise SystemExit("kafka: %s" % msg.error())
            record = decode(msg)
            if record is not None:
                on_record(msg.topic(), record)
                n += 1
    finally:
        c.close()


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bootstrap", required=True, help="Kafka bootstrap servers (host:port)")
    ap.add_argument("--topics", default=r"^gobmp\.parsed\..*", help="regular expression of the topics to read")
    ap.add_argument("--idle", type=float, default=5.0, help="stop after this many seconds without a message")
    ap.add_argument("--summary", action="store_true", help="print a JSON summary (records per type, key fields) instead of the records")
    args = ap.parse_args()

    counts, keys = {}, []

    def on_record(topic, r):
        if args.summary:
            counts[r.type] = counts.get(r.type, 0) + 1
            keys.append(key_fields(r))
        else:
            d = json_format.MessageToDict(r, preserving_proto_field_name=True)
            print(json.dumps(d, sort_keys=True))

    n = consume(args.bootstrap, args.topics, args.idle, on_record)
    if args.summary:
        json.dump({"records": n, "per_type": counts, "keys": sorted(keys)}, sys.stdout, sort_keys=True)
        print()


def key_fields(r):
    """A few field values of a record, as the JSON output renders them, for comparison."""
    out = [r.type, r.router_hash, int(r.sequence), getattr(r, "action", "")]
    for name in ("prefix", "peer_ip", "remote_ip", "sys_name"):
        out.append(getattr(r, name, "") if hasattr(r, name) else "")
    out.append(int(r.prefix_len) if r.DESCRIPTOR.fields_by_name.get("prefix_len") and r.HasField("prefix_len") else -1)
    return out


if __name__ == "__main__":
    main()
