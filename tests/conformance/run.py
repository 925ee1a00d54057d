#!/usr/bin/python3
"""The differential conformance test of the host's HTTP/1.1 request parser (issue 22).

    tests/conformance/run.py BUILD_DIR                        the fixed corpus CI runs
    tests/conformance/run.py BUILD_DIR --cases 200000 --seed 7    a longer run, another corpus
    tests/conformance/run.py BUILD_DIR --case 22:1234          one case again, in detail

Every case's bytes go, each on a fresh connection, to the built host serving the echo
plugin alone and to two reference parsers: llhttp (Node's http server, strict) and h11.
judge.py sets the host's verdict against theirs; a broken rule is a violation unless
deviations.toml documents it. Prints the table of agreements and every violation with its
bytes and what each server did; exits 1 on any violation, 77 (ctest: skipped) when Node.js
or h11 is missing, 2 when a server cannot be started.
"""

import argparse
import collections
import concurrent.futures
import os
import sys
import tempfile
import time

import allow_list
import corpus
import judge
import servers
from exchange import exchange, verdict

SKIPPED = 77
DEFAULT_SEED = 22
DEFAULT_CASES = 20000
REPO_DIR = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SECURITY_PAGE = os.path.join(REPO_DIR, "docs", "security.md")


def parse_arguments():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("build_dir", help="holds bin/plugin-host and test-plugins/echo_plugin.so")
    parser.add_argument("--host", help="the plugin-host executable (default: in build_dir)")
    parser.add_argument("--plugin", help="the echo plugin (default: in build_dir)")
    parser.add_argument("--cases", type=int, default=DEFAULT_CASES, help="cases 0 to N-1 of the seed")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--case", action="append", default=[], metavar="SEED:INDEX",
                        help="run only this case (repeatable), and show every server's answer")
    parser.add_argument("--jobs", type=int, default=12, help="cases in flight at once")
    parser.add_argument("--timeout", type=float, default=10.0,
                        help="seconds a server may take to answer and close one connection")
    return parser.parse_args()


def run_case(case, ports, timeout_s):
    """Each server's (Verdict, raw answer) for one case, in the order of `ports`."""
    results = []
    for port in ports:
        raw, ended = exchange(port, case.data, timeout_s)
        results.append((verdict(raw, ended), raw))
    return results


def describe(name, result):
    found, raw = result
    framed = "; ".join(str(message) if message else "(an answer of its own)"
                       for message in found.messages) or "nothing"
    ending = (f"then refused ({found.note})" if found.refused
              else "then closed, as its last answer said" if found.stopped else "and accepted all")
    return f"    {name:7} framed {framed}, {ending}\n            answer {raw[:300]!r}"


def report_case(case, outcome, results):
    category, rule, why, _ = outcome
    lines = [f"{case.id} [{', '.join(case.tags)}] {category}" + (f": {rule}: {why}" if rule else ""),
             f"    bytes   {case.data!r}"]
    lines += [describe(name, result) for name, result in zip(("host", "llhttp", "h11"), results)]
    return "\n".join(lines)


def print_tables(totals, by_family, rules):
    print("\n| category | cases |\n|---|--:|")
    for category in judge.CATEGORIES:
        print(f"| {category} | {totals[category]:,} |")
    print(f"| total | {sum(totals.values()):,} |")
    short = ["accept", "refuse", "host stricter", "deviation", "violation"]
    print("\n| family | " + " | ".join(short) + " |\n|---" + "|--:" * len(short) + "|")
    for family in sorted(by_family):
        counts = by_family[family]
        print(f"| {family} | " + " | ".join(f"{counts[c]:,}" for c in judge.CATEGORIES) + " |")
    if rules:
        print("\nbroken rules by tag (violation or deviation):")
        for (rule, tag, category), count in sorted(rules.items()):
            print(f"  {count:6,}  {category:20} {rule:26} {tag}")


def docs_problem(deviations):
    with open(SECURITY_PAGE, encoding="utf-8") as page:
        if deviations.markdown() in page.read():
            return None
    return (f"{SECURITY_PAGE} does not show the allow-list as deviations.toml has it: paste "
            "the output of tests/conformance/allow_list.py into its differential test section")


def main():
    args = parse_arguments()
    missing = servers.missing_references()
    if missing:
        print("=" * 72 + f"\nSKIPPED: the differential conformance test needs {' and '.join(missing)}."
              "\nInstall them with scripts/install-dependencies.sh build.\n" + "=" * 72, flush=True)
        return SKIPPED
    deviations = allow_list.load()
    if args.case:
        cases = [corpus.case(int(seed), int(index)) for seed, index in (c.split(":") for c in args.case)]
    else:
        cases = (corpus.case(args.seed, index) for index in range(args.cases))
    build_dir = os.path.abspath(args.build_dir)
    started = []
    with tempfile.TemporaryDirectory(prefix="conformance-") as work_dir:
        try:
            started.append(servers.start_host(
                args.host or os.path.join(build_dir, "bin", "plugin-host"),
                args.plugin or os.path.join(build_dir, "test-plugins", "echo_plugin.so"), work_dir))
            started.append(servers.start_llhttp())
            started.append(servers.start_h11())
        except (RuntimeError, OSError) as error:
            print(f"FAILED to start the servers: {error}", flush=True)
            for server in started:
                server.stop()
            return 2
        try:
            return run_all(args, cases, started, deviations)
        finally:
            for server in started:
                server.stop()


class Tally:
    """What the cases of a run came to: counts per category and family, the broken rules
    by tag, the allow-list entries used, and every violation written out."""

    def __init__(self, deviations, verbose):
        self.deviations, self.verbose = deviations, verbose
        self.totals, self.by_family = collections.Counter(), collections.defaultdict(collections.Counter)
        self.rules, self.used, self.violations = collections.Counter(), set(), []

    def add(self, case, results):
        outcome = judge.judge(case.tags, *(found for found, _ in results), self.deviations)
        category, rule, _, deviation = outcome
        self.totals[category] += 1
        for tag in case.tags:
            self.by_family[tag.split("/")[0]][category] += 1
        if rule:
            shown = " + ".join(tag for tag in case.tags if not tag.startswith("pipeline/"))
            self.rules[(rule, shown, category)] += 1
        if deviation:
            self.used.add(deviation)
        if category == judge.VIOLATION:
            self.violations.append(report_case(case, outcome, results))
        elif self.verbose:
            print(report_case(case, outcome, results), flush=True)


def run_all(args, cases, started, deviations):
    ports = [server.port for server in started]
    print("servers: " + ", ".join(f"{s.name} on port {s.port}" for s in started), flush=True)
    tally = Tally(deviations, verbose=bool(args.case))
    begun, done = time.monotonic(), 0
    with concurrent.futures.ThreadPoolExecutor(args.jobs) as pool:
        running = {}
        for case in cases:
            running[pool.submit(run_case, case, ports, args.timeout)] = case
            if len(running) < 4 * args.jobs:
                continue
            finished, _ = concurrent.futures.wait(running, return_when="FIRST_COMPLETED")
            for future in finished:
                tally.add(running.pop(future), future.result())
                done += 1
                if done % 5000 == 0:
                    print(f"  {done:,} cases in {time.monotonic() - begun:.0f} s", flush=True)
        for future in concurrent.futures.as_completed(running):
            tally.add(running[future], future.result())
    elapsed = time.monotonic() - begun
    print_tables(tally.totals, tally.by_family, tally.rules)
    corpus_name = "the cases asked for" if args.case else f"cases 0 to {args.cases - 1} of seed {args.seed}"
    print(f"\n{sum(tally.totals.values()):,} cases ({corpus_name}) in {elapsed:.0f} s")
    for number, entry in enumerate(deviations.entries, 1):
        if entry not in tally.used and not args.case:
            print(f"note: deviation {number} ({', '.join(entry.tags)}) documented no case of this run")
    for text in tally.violations:
        print("\nVIOLATION " + text)
    failures = [f"{len(tally.violations):,} violation(s)"] if tally.violations else []
    failures += [f"{s.name} exited with {s.process.returncode} during the run; its last lines:\n  "
                 + "\n  ".join(s.tail) for s in started if not s.alive()]
    problem = docs_problem(deviations)
    failures += [problem] if problem else []
    for failure in failures:
        print(f"\nFAILED: {failure}", flush=True)
    if not failures:
        print("\nPASSED: the host frames as the references do, and departs from them only where "
              "docs/security.md says why", flush=True)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
