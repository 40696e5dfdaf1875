#!/usr/bin/env python3
"""Prints "N passed, N failed, N skipped" over meson test logs (testlog.json).

Usage: test-summary.py TESTLOG.json...  (exit 1 when a test failed or a
log is missing, so a build that never ran its tests does not pass)."""
import json
import sys

PASSED = {"OK", "EXPECTEDFAIL"}
SKIPPED = {"SKIP"}


def main(paths):
    passed = failed = skipped = 0
    missing = False
    for path in paths:
        try:
            with open(path, encoding="utf-8") as log:
                for line in log:
                    if not line.strip():
                        continue
                    result = json.loads(line).get("result")
                    if result in PASSED:
                        passed += 1
                    elif result in SKIPPED:
                        skipped += 1
                    else:
                        failed += 1
        except OSError as err:
            print(f"test-summary: {err}", file=sys.stderr)
            missing = True
    summary = f"{passed} passed, {failed} failed"
    if skipped:
        summary += f", {skipped} skipped"
    print(summary)
    return 1 if failed or missing else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
