"""Well-formed HTTP/1.1 requests built from RFC 9112's grammar, kept in parts so that the
mutations (head_mutations.py, body_mutations.py) can change one part and every other
byte stays as the grammar says. corpus.py builds the cases from them.

A Message is written as
    method SP target SP version EOL
    *( name SEP value EOL )
    EOL
    body: as is, or chunked: *( size ext EOL data EOL ) last-size ext EOL *( trailer EOL ) EOL
where every EOL is CRLF until a mutation says otherwise.
"""

import random
from dataclasses import dataclass, field

CRLF = b"\r\n"
# The methods the echo plugin registers. HEAD is left out: its answer has no body whatever
# its Content-Length says, which the runner's response reader would have to be told.
METHODS = [b"GET", b"POST", b"PUT", b"PATCH", b"DELETE", b"OPTIONS"]
BODY_METHODS = [b"POST", b"PUT", b"PATCH"]
WORDS = [b"a", b"echo", b"items", b"x1", b"v2", b"files", b"deep", b"Z"]
HOSTS = [b"example.com", b"localhost:8080", b"127.0.0.1", b"a.b-c.test", b"[::1]:80", b"h"]
EXTRA_FIELDS = [
    (b"User-Agent", [b"conformance/1", b"curl/8.0 (x86_64)"]),
    (b"Accept", [b"*/*", b"application/json, text/plain;q=0.5"]),
    (b"Cache-Control", [b"no-cache", b"max-age=0"]),
    (b"Cookie", [b"a=b; c=d", b"session=xyz"]),
    (b"X-Trace", [b"1", b"abc-def", b"\"quoted value\""]),
    (b"Accept-Language", [b"en, fr;q=0.8"]),
]


@dataclass
class Field:
    name: bytes
    value: bytes
    sep: bytes = b": "
    eol: bytes = CRLF

    def to_bytes(self):
        return self.name + self.sep + self.value + self.eol


@dataclass
class Chunk:
    size: bytes  # hexadecimal as sent
    data: bytes
    ext: bytes = b""  # ";name=value..." as sent
    size_eol: bytes = CRLF
    data_eol: bytes = CRLF

    def to_bytes(self):
        return self.size + self.ext + self.size_eol + self.data + self.data_eol


@dataclass
class Chunked:
    chunks: list
    last: bytes = b"0"
    last_ext: bytes = b""
    last_eol: bytes = CRLF
    trailers: list = field(default_factory=list)  # of Field
    end: bytes = CRLF

    def to_bytes(self):
        return (b"".join(chunk.to_bytes() for chunk in self.chunks) + self.last + self.last_ext
                + self.last_eol + b"".join(trailer.to_bytes() for trailer in self.trailers) + self.end)

    def data(self):
        return b"".join(chunk.data for chunk in self.chunks)


@dataclass
class Message:
    method: bytes = b"GET"
    target: bytes = b"/"
    version: bytes = b"HTTP/1.1"
    sp1: bytes = b" "
    sp2: bytes = b" "
    start_eol: bytes = CRLF
    fields: list = field(default_factory=list)  # of Field
    head_end: bytes = CRLF
    body: bytes = b""  # sent as is after the head, unless chunked
    chunked: Chunked = None

    def to_bytes(self):
        head = (self.method + self.sp1 + self.target + self.sp2 + self.version + self.start_eol
                + b"".join(f.to_bytes() for f in self.fields) + self.head_end)
        return head + (self.chunked.to_bytes() if self.chunked else self.body)

    def find(self, name):
        """The fields named `name` (any case)."""
        return [f for f in self.fields if f.name.lower() == name.lower()]

    def drop(self, name):
        self.fields = [f for f in self.fields if f.name.lower() != name.lower()]

    def set_length(self, value=None):
        """Frames the body by Content-Length (its true length unless `value`), no chunking."""
        if self.chunked:
            self.body, self.chunked = self.chunked.data(), None
        self.drop(b"Transfer-Encoding")
        self.drop(b"Content-Length")
        self.fields.append(Field(b"Content-Length", value or str(len(self.body)).encode()))

    def set_chunked(self, rng, pieces=None):
        """Frames the body as chunked, in 1 to `pieces` chunks of random sizes."""
        data = self.chunked.data() if self.chunked else self.body
        self.drop(b"Content-Length")
        self.drop(b"Transfer-Encoding")
        self.fields.append(Field(b"Transfer-Encoding", b"chunked"))
        self.chunked = Chunked(split_chunks(rng, data, pieces or rng.randint(1, 4)))
        self.body = b""


def hex_size(rng, size):
    text = f"{size:x}"
    return (text.upper() if rng.random() < 0.3 else text).encode()


def split_chunks(rng, data, pieces):
    cuts = sorted(rng.sample(range(1, len(data)), min(pieces - 1, max(len(data) - 1, 0))))
    parts = [data[a:b] for a, b in zip([0] + cuts, cuts + [len(data)]) if b > a]
    return [Chunk(hex_size(rng, len(part)), part) for part in parts]


def random_body(rng):
    size = rng.choice([0, 1, 3, rng.randint(1, 64), rng.randint(64, 600)])
    if rng.random() < 0.5:
        return bytes(rng.randrange(256) for _ in range(size))
    return bytes(rng.choice(b"abcdefghij0123456789{}\":, \r\n") for _ in range(size))


def random_target(rng):
    path = b"/" + b"/".join(rng.choice(WORDS) for _ in range(rng.randint(0, 3)))
    if rng.random() < 0.3:
        pairs = [rng.choice(WORDS) + b"=" + rng.choice(WORDS) for _ in range(rng.randint(1, 2))]
        path += b"?" + b"&".join(pairs)
    return path


def valid_message(rng, method=None, version=b"HTTP/1.1", with_body=None):
    """A request every HTTP/1.1 server accepts: a method the echo plugin routes, an origin-form
    target, one Host, a few ordinary fields, and a body framed by Content-Length or chunked."""
    message = Message(method=method or rng.choice(METHODS), target=random_target(rng),
                      version=version)
    if version == b"HTTP/1.1" or rng.random() < 0.5:
        message.fields.append(Field(b"Host", rng.choice(HOSTS)))
    for name, values in rng.sample(EXTRA_FIELDS, rng.randint(0, 3)):
        message.fields.append(Field(name, rng.choice(values)))
    if with_body is None:  # a POST without either framing field has an empty body (RFC 9112 6.3)
        with_body = rng.random() < (0.9 if message.method in BODY_METHODS else 0.15)
    if with_body:
        message.body = random_body(rng)
        if version == b"HTTP/1.1" and rng.random() < 0.4:
            message.set_chunked(rng)
        else:
            message.set_length()
    rng.shuffle(message.fields)
    return message


def chunked_message(rng, version=b"HTTP/1.1"):
    """A valid message with a chunked body holding at least one byte."""
    message = valid_message(rng, method=rng.choice(BODY_METHODS), version=version, with_body=False)
    message.body = random_body(rng) or b"hello"
    message.set_chunked(rng)
    return message


def new_rng(seed, index):
    """The random source of case `index` of corpus `seed`: a case is the same whatever ran
    before it, so one case can be run again alone (run.py --case SEED:INDEX)."""
    return random.Random(f"{seed}:{index}")
