"""Mutations of how a request's body is framed (Content-Length, Transfer-Encoding, the
chunked coding's sizes, extensions, line ends and trailers), each where HTTP/1.1 servers
have framed differently before. corpus.py applies one to a Message from grammar.py.

Each mutation changes the message in place and returns its tag, "family/variant", as
head_mutations.py's do.
"""

from grammar import BODY_METHODS, Chunk, Field, chunked_message, random_body

LENGTH_FORMS = {
    "plus": lambda n: b"+" + n, "minus": lambda n: b"-" + n, "zero-led": lambda n: b"00" + n,
    "ows": lambda n: b" " + n + b"  ", "list-same": lambda n: n + b"," + n,
    "list-same-sp": lambda n: n + b", " + n, "list-other": lambda n: n + b", 1" + n,
    "list-empty-item": lambda n: n + b",", "empty": lambda n: b"", "decimal-point": lambda n: n + b".0",
    "hex": lambda n: b"0x" + n, "exponent": lambda n: n + b"e0", "trailing-junk": lambda n: n + b"x",
    "inner-sp": lambda n: n[:1] + b" " + n[1:] if len(n) > 1 else n + b" 0",
    "huge": lambda n: b"99999999999999999999999", "2^64+n": lambda n: str(2**64 + int(n)).encode(),
    "2^32+n": lambda n: str(2**32 + int(n)).encode(), "underscore": lambda n: b"1_" + n,
}
TE_VALUES = [b"chunked,", b",chunked", b"chunked, chunked", b"gzip, chunked", b"chunked, gzip",
             b"identity", b"identity, chunked", b"Chunked", b"CHUNKED", b" chunked ", b"chunked;q=1",
             b"xchunked", b"chunked\x0b", b"gzip", b"", b",", b"chunked , ", b"chunked,,",
             b"\"chunked\"", b"chunk", b"chunked\x00"]
SIZE_FORMS = {
    "upper": lambda s: s.upper(), "zero-led": lambda s: b"000" + s, "0x": lambda s: b"0x" + s,
    "plus": lambda s: b"+" + s, "minus": lambda s: b"-" + s, "leading-sp": lambda s: b" " + s,
    "trailing-sp": lambda s: s + b" ", "trailing-tab": lambda s: s + b"\t",
    "overflow-wraps": lambda s: b"1" + b"0" * (16 - len(s)) + s, "huge": lambda s: b"f" * 17,
    "ffff-ffff": lambda s: b"ffffffffffffffff", "empty": lambda s: b"", "junk": lambda s: s + b"z",
    "underscore": lambda s: s[:1] + b"_" + s[1:], "many-zeros": lambda s: b"0" * 40 + s,
}
EXTENSIONS = [b";a", b";a=b", b";a=\"q s\"", b";a=\"\\\"\"", b"; a = b", b";", b";a=", b";=b",
              b";a=b;c=d", b";a=\"unterminated", b";a\x00", b";a=b\x01", b";a=\"x\x00y\"", b";a=b\rc",
              b";a=b\nc", b";a=\x7f", b";a=\x80\xff", b"  ;a", b";a b", b";" + b"x" * 2000,
              b";a=\"\tq\"", b";a,b"]
TRAILERS = {
    "valid": [Field(b"X-Trail", b"1")], "two": [Field(b"X-A", b"1"), Field(b"X-B", b"2")],
    "bare-cr": [Field(b"X-Trail", b"a\rb")], "lf-end": [Field(b"X-Trail", b"1", eol=b"\n")],
    "cr-end": [Field(b"X-Trail", b"1", eol=b"\r")], "no-colon": [Field(b"X-Trail", b"1", sep=b" ")],
    "obs-fold": [Field(b"X-Trail", b"1\r\n 2")], "nul": [Field(b"X-Trail", b"a\x00b")],
    "ctl": [Field(b"X-Trail", b"a\x01b")], "sp-before-colon": [Field(b"X-Trail ", b"1")],
    "content-length": [Field(b"Content-Length", b"5")], "empty-name": [Field(b"", b"1")],
    "long": [Field(b"X-Trail", b"v" * 6000)],
}
CHUNKED_ENDS = {"lf": b"\n", "cr": b"\r", "none": b"", "cr-cr-lf": b"\r\r\n", "sp-crlf": b" \r\n",
                "lf-cr": b"\n\r"}


def with_length_body(rng, message):
    if message.method not in BODY_METHODS:
        message.method = rng.choice(BODY_METHODS)
    if message.chunked:
        message.body = message.chunked.data()
    message.body = message.body or random_body(rng) or b"hello"
    message.set_length()


def content_length_form(rng, message):
    with_length_body(rng, message)
    variant = rng.choice(sorted(LENGTH_FORMS))
    message.set_length(LENGTH_FORMS[variant](str(len(message.body)).encode()))
    return f"cl/{variant}"


def content_length_twice(rng, message):
    with_length_body(rng, message)
    length = str(len(message.body)).encode()
    variant = rng.choice(["same", "zero-led", "other", "empty"])
    second = {"same": length, "zero-led": b"0" + length, "other": length + b"1", "empty": b""}[variant]
    message.fields.insert(rng.randrange(len(message.fields) + 1), Field(b"Content-Length", second))
    return f"cl-twice/{variant}"


def content_length_mismatch(rng, message):
    with_length_body(rng, message)
    variant = rng.choice(["shorter", "longer", "zero"])
    message.body += b"x"  # what a shorter length leaves over is no empty line: blank_lines' case
    sent = len(message.body)
    claimed = {"shorter": max(sent - rng.randint(1, 3), 0), "longer": sent + rng.randint(1, 50),
               "zero": 0}[variant]
    message.set_length(str(claimed).encode())
    return f"cl-mismatch/{variant}"


def length_and_chunked(rng, message):
    chunked = chunked_message(rng)
    message.method, message.fields, message.chunked = chunked.method, chunked.fields, chunked.chunked
    message.version, message.body = b"HTTP/1.1", b""
    variant = rng.choice(["data-length", "coded-length", "zero", "length-first"])
    length = {"data-length": len(message.chunked.data()), "coded-length": len(message.chunked.to_bytes()),
              "zero": 0, "length-first": len(message.chunked.data())}[variant]
    field = Field(b"Content-Length", str(length).encode())
    message.fields.insert(0 if variant == "length-first" else len(message.fields), field)
    return f"cl+te/{variant}"


def transfer_encoding(rng, message):
    make_chunked(rng, message)
    value = rng.choice(TE_VALUES)
    message.find(b"Transfer-Encoding")[0].value = value
    return f"te/{value.decode('latin-1')!r}"


def transfer_encoding_twice(rng, message):
    make_chunked(rng, message)
    first, second = rng.choice([(b"gzip", b"chunked"), (b"chunked", b"chunked"), (b"chunked", b"gzip"),
                                (b"identity", b"chunked"), (b"chunked", b"")])
    message.find(b"Transfer-Encoding")[0].value = first
    message.fields.append(Field(b"Transfer-Encoding", second))
    return f"te-twice/{first.decode()}+{second.decode()}"


def chunked_in_http10(rng, message):
    make_chunked(rng, message)
    message.version = b"HTTP/1.0"
    return "te/http1.0"


def chunk_size(rng, message):
    make_chunked(rng, message)
    variant = rng.choice(sorted(SIZE_FORMS) + ["larger", "smaller", "last-00", "last-0x0",
                                               "last-sp", "last-zero-led"])
    chunk = rng.choice(message.chunked.chunks)
    if variant in SIZE_FORMS:
        chunk.size = SIZE_FORMS[variant](chunk.size)
    elif variant in ("larger", "smaller"):
        size = len(chunk.data) + (1 if variant == "larger" else -1)
        chunk.size = f"{size:x}".encode()
    else:
        message.chunked.last = {"last-00": b"00", "last-0x0": b"0x0", "last-sp": b"0 ",
                                "last-zero-led": b"0000000000000000000"}[variant]
    return f"chunk-size/{variant}"


def chunk_extension(rng, message):
    make_chunked(rng, message)
    index = rng.randrange(len(message.chunked.chunks) + 1)
    extension = rng.choice(EXTENSIONS)
    if index == len(message.chunked.chunks):
        message.chunked.last_ext = extension
    else:
        message.chunked.chunks[index].ext = extension
    where = "last" if index == len(message.chunked.chunks) else "data"
    return f"chunk-ext/{where}/{extension[:12].decode('latin-1')!r}"


def trailer(rng, message):
    make_chunked(rng, message)
    variant = rng.choice(sorted(TRAILERS))
    message.chunked.trailers = [Field(f.name, f.value, f.sep, f.eol) for f in TRAILERS[variant]]
    return f"trailer/{variant}"


def chunked_line_end(rng, message):
    make_chunked(rng, message)
    variant = rng.choice(sorted(CHUNKED_ENDS))
    place = rng.choice(["size", "data", "last", "end", "trailer"])
    chunk = rng.choice(message.chunked.chunks)
    if place == "size":
        chunk.size_eol = CHUNKED_ENDS[variant]
    elif place == "data":
        chunk.data_eol = CHUNKED_ENDS[variant]
    elif place == "last":
        message.chunked.last_eol = CHUNKED_ENDS[variant]
    elif place == "end":
        message.chunked.end = CHUNKED_ENDS[variant]
    else:
        message.chunked.trailers = [Field(b"X-Trail", b"1", eol=CHUNKED_ENDS[variant])]
    return f"chunked-eol/{place}/{variant}"


def make_chunked(rng, message):
    """Gives the message a chunked body of at least one chunk of data, in HTTP/1.1."""
    if message.method not in BODY_METHODS:
        message.method = rng.choice(BODY_METHODS)
    message.version = b"HTTP/1.1"
    if not message.find(b"Host"):
        message.fields.append(Field(b"Host", b"h"))
    data = message.chunked.data() if message.chunked else message.body
    message.chunked, message.body = None, data or random_body(rng) or b"hello"
    message.set_chunked(rng)
    if not message.chunked.chunks:
        message.chunked.chunks.append(Chunk(b"5", b"hello"))


MUTATIONS = [content_length_form, content_length_twice, content_length_mismatch, length_and_chunked,
             transfer_encoding, transfer_encoding_twice, chunked_in_http10, chunk_size,
             chunk_extension, trailer, chunked_line_end]
