#!/usr/bin/python3
"""The allow-list of the differential conformance test: the host's documented deviations
from the reference parsers, read from deviations.toml by run.py.

    /usr/bin/python3 tests/conformance/allow_list.py    -> the list as docs/security.md shows it

Each entry names the case tags it covers (shell patterns over corpus tags, "te/*"), the
rules (judge.py) the host may break for them, what the host does, and the RFC text that
allows it. run.py fails when docs/security.md does not hold this rendering word for word,
so the documentation and the test cannot drift apart.
"""

import fnmatch
import os
import sys
import tomllib
from dataclasses import dataclass

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_PATH = os.path.join(HERE, "deviations.toml")
RULES = ("frames-differently", "refuses-what-both-accept", "accepts-what-both-refuse",
         "takes-the-looser-answer")


@dataclass(frozen=True)
class Deviation:
    tags: tuple
    rules: tuple
    host: str  # what the host does
    rfc: str  # section, e.g. "RFC 9112 §2.2"
    text: str  # the RFC's words that allow it

    def covers(self, tags, rule):
        return rule in self.rules and any(fnmatch.fnmatchcase(tag, pattern)
                                         for tag in tags for pattern in self.tags)


class Deviations:
    def __init__(self, entries):
        self.entries = entries

    def documenting(self, tags, rule):
        """The first entry that documents breaking `rule` for a case of `tags`, or None."""
        return next((entry for entry in self.entries if entry.covers(tags, rule)), None)

    def markdown(self):
        lines = ["| cases (tags) | rules | what the host does | why the RFC allows it |",
                 "|---|---|---|---|"]
        for entry in self.entries:
            tags = ", ".join(f"`{tag}`" for tag in entry.tags)
            text = entry.text.replace("|", "\\|")
            lines.append(f"| {tags} | {', '.join(entry.rules)} | {entry.host} | {entry.rfc}: \"{text}\" |")
        return "\n".join(lines) + "\n"


def load(path=DEFAULT_PATH):
    with open(path, "rb") as file:
        data = tomllib.load(file)
    entries = []
    for number, item in enumerate(data.get("deviation", []), 1):
        missing = {"tags", "rules", "host", "rfc", "text"} - item.keys()
        unknown = set(item.get("rules", [])) - set(RULES)
        if missing or unknown:
            raise ValueError(f"{path}: deviation {number}: missing {sorted(missing)} or unknown "
                             f"rules {sorted(unknown)} (known: {', '.join(RULES)})")
        entries.append(Deviation(tuple(item["tags"]), tuple(item["rules"]),
                                 " ".join(item["host"].split()), item["rfc"],
                                 " ".join(item["text"].split())))
    return Deviations(entries)


if __name__ == "__main__":
    sys.stdout.write(load().markdown())
