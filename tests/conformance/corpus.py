"""The cases of the differential conformance test: seeded and reproducible, for run.py.

case(seed, index) is the same bytes on every machine and in every run, whatever else is
generated; the fixed corpus CI runs is cases 0 to N-1 of one seed. A case is one write to
a fresh connection: a single request with one mutation (head_mutations.py,
body_mutations.py), two or three pipelined requests one of which is mutated, an HTTP/1.0
keep-alive or Connection: close sequence, empty lines around requests, a request cut
short, or a request as the grammar builds it.
"""

from dataclasses import dataclass

import body_mutations
import head_mutations
from grammar import CRLF, Field, new_rng, valid_message

MUTATIONS = head_mutations.MUTATIONS + body_mutations.MUTATIONS


@dataclass(frozen=True)
class Case:
    id: str  # "SEED:INDEX", which run.py --case takes
    tags: tuple  # "family/variant" for each thing done to the grammar's requests
    data: bytes


def mutated(rng, message):
    return rng.choice(MUTATIONS)(rng, message)


def single(rng):
    message = valid_message(rng)
    tag = mutated(rng, message)
    return (tag,), message.to_bytes()


def pipelined(rng):
    messages = [valid_message(rng) for _ in range(rng.randint(2, 3))]
    which = rng.randrange(len(messages))
    tag = mutated(rng, messages[which])
    shape = f"pipeline/{len(messages)}/mutated-{which + 1}"
    data = b"".join(message.to_bytes() for message in messages)
    if tag.startswith("cl-mismatch/longer") and length_ends_before_line_end(messages, which, data):
        return (shape, tag, "blank-lines/after-body"), data
    return (shape, tag), data


def length_ends_before_line_end(messages, which, data):
    """Whether the body a too long Content-Length claims ends just before a CR or LF of the
    requests behind it: what follows then starts with an empty line, blank_lines' case."""
    start = sum(len(message.to_bytes()) for message in messages[:which])
    own = messages[which].to_bytes()
    end = start + own.find(b"\r\n\r\n") + 4 + int(messages[which].find(b"Content-Length")[0].value)
    return data[end:end + 1] in (b"\r", b"\n")


CONNECTION = {  # variant: (version of the first request, its Connection field or None)
    "1.0-keep-alive": (b"HTTP/1.0", b"keep-alive"),
    "1.0-Keep-Alive": (b"HTTP/1.0", b"Keep-Alive"),
    "1.0-plain": (b"HTTP/1.0", None),
    "1.0-keep-alive-close": (b"HTTP/1.0", b"keep-alive, close"),
    "1.0-close": (b"HTTP/1.0", b"close"),
    "1.0-upgrade-keep-alive": (b"HTTP/1.0", b"Upgrade, keep-alive"),
    "1.1-close": (b"HTTP/1.1", b"close"),
    "1.1-CLOSE": (b"HTTP/1.1", b"CLOSE"),
    "1.1-keep-alive": (b"HTTP/1.1", b"keep-alive"),
    "1.1-close-in-list": (b"HTTP/1.1", b"te, close"),
}


def keep_alive(rng):
    """A request whose version and Connection field decide whether the next one, sent behind
    it, is read at all (RFC 9112 9.3)."""
    variant = rng.choice(sorted(CONNECTION))
    version, connection = CONNECTION[variant]
    first = valid_message(rng, version=version)
    if connection is not None:
        first.fields.insert(rng.randrange(len(first.fields) + 1), Field(b"Connection", connection))
    second = valid_message(rng, version=rng.choice([b"HTTP/1.0", b"HTTP/1.1"]))
    return (f"connection/{variant}",), first.to_bytes() + second.to_bytes()


def blank_lines(rng):
    """Empty lines where a request line is expected: before the first request, between two,
    after the last (RFC 9112 2.2)."""
    variant = rng.choice(["before/crlf", "before/lf", "before/2crlf", "between/crlf",
                          "between/lf", "after/crlf", "before/sp-crlf"])
    blank = {"crlf": CRLF, "lf": b"\n", "2crlf": CRLF * 2, "sp-crlf": b" \r\n"}[variant.split("/")[1]]
    first, second = valid_message(rng).to_bytes(), valid_message(rng).to_bytes()
    if variant.startswith("before"):
        data = blank + first
    elif variant.startswith("between"):
        data = first + blank + second
    else:
        data = first + blank
    return (f"blank-lines/{variant}",), data


def truncated(rng):
    """A request cut short, inside its head or its body: every server must refuse it."""
    message = valid_message(rng, with_body=rng.random() < 0.7)
    data = message.to_bytes()
    head_length = data.find(b"\r\n\r\n") + 4
    cut = rng.randrange(1, len(data))
    return (f"truncated/{'head' if cut < head_length else 'body'}",), data[:cut]


def valid(rng):
    message = valid_message(rng)
    framing = "chunked" if message.chunked else "length" if message.find(b"Content-Length") else "none"
    return (f"valid/{framing}",), message.to_bytes()


SHAPES = [(single, 65), (pipelined, 18), (keep_alive, 6), (truncated, 5), (blank_lines, 3),
          (valid, 3)]


def case(seed, index):
    rng = new_rng(seed, index)
    shape = rng.choices([s for s, _ in SHAPES], weights=[w for _, w in SHAPES])[0]
    tags, data = shape(rng)
    return Case(f"{seed}:{index}", tags, data)
