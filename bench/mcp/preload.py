"""Preloads a memoryd space with deterministic synthetic memories through the capsule bulk API.

Usage: preload.py BASE_URL KEY COUNT
"""
import json
import random
import sys
import urllib.request

SUBJECTS = ["The user", "The team", "Our backend", "The billing service", "Alice", "Bob",
            "The mobile app", "The database", "The CI pipeline", "The support desk"]
VERBS = ["prefers", "uses", "migrated to", "depends on", "replaced", "monitors", "deploys",
         "reviews", "owns", "schedules"]
OBJECTS = ["dark mode and Vim keybindings", "PostgreSQL 16 with logical replication",
           "GitHub Actions for deployment", "weekly backups verified on Sundays",
           "a flat white with oat milk", "the quarterly review notes", "Rust for new services",
           "the load balancer health checks", "travel to Lisbon next month",
           "on-call rotations every two weeks", "feature flags for risky releases",
           "the incident report from March"]


def main():
    base, key, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
    rng = random.Random(42)
    for start in range(0, count, 20):
        items = []
        for i in range(start, min(start + 20, count)):
            text = f"{rng.choice(SUBJECTS)} {rng.choice(VERBS)} {rng.choice(OBJECTS)} (note {i})."
            items.append({"key": f"m{i}", "value": text, "tags": [f"t{i % 7}"]})
        req = urllib.request.Request(
            f"{base}/api/rest/memories/bulk/set", data=json.dumps({"items": items}).encode(),
            headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"},
            method="POST")
        with urllib.request.urlopen(req, timeout=30) as res:
            body = json.load(res)
            if body.get("errorCount"):
                sys.exit(f"preload failed: {body}")


if __name__ == "__main__":
    main()
