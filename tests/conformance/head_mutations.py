"""Mutations of a request's head (start line and header fields), each where HTTP/1.1 servers
have parsed differently before. corpus.py applies one to a Message from grammar.py.

Each mutation changes the message in place and returns its tag, "family/variant": the
runner counts cases by tag, and the allow-list (deviations.toml) names the tags whose
disagreement is documented.
"""

from grammar import Field, METHODS

LINE_ENDS = {"lf": b"\n", "cr": b"\r", "cr-cr-lf": b"\r\r\n", "sp-crlf": b" \r\n"}
# Controls and other bytes a head must not hold, and two it may (0x80 and 0xff: obs-text).
ODD_BYTES = [0x00, 0x01, 0x08, 0x09, 0x0b, 0x0c, 0x0d, 0x1f, 0x7f, 0x80, 0xff]
KEY_FIELDS = [b"Host", b"Content-Length", b"Transfer-Encoding", b"X-Trace"]


def some_field(rng, message, create=b"X-Trace"):
    """A field of the message, preferring those that decide framing and routing."""
    for name in rng.sample(KEY_FIELDS, len(KEY_FIELDS)):
        if message.find(name) and rng.random() < 0.7:
            return rng.choice(message.find(name))
    if not message.fields:
        message.fields.append(Field(create, b"1"))
    return rng.choice(message.fields)


def line_ending(rng, message):
    variant = rng.choice(sorted(LINE_ENDS))
    place = rng.choice(["start", "field", "head-end", "all"])
    if place in ("start", "all"):
        message.start_eol = LINE_ENDS[variant]
    if place in ("field", "all"):
        for f in message.fields if place == "all" else [some_field(rng, message)]:
            f.eol = LINE_ENDS[variant]
    if place in ("head-end", "all"):
        message.head_end = LINE_ENDS[variant]
    return f"eol/{place}/{variant}"


def name_whitespace(rng, message):
    f = some_field(rng, message)
    variant = rng.choice(["sp-before-colon", "tab-before-colon", "sp-before-name", "sp-in-name",
                          "empty-name", "no-colon", "colon-in-value-only"])
    if variant == "sp-before-colon":
        f.name += b" "
    elif variant == "tab-before-colon":
        f.name += b"\t"
    elif variant == "sp-before-name":
        f.name = b" " + f.name
    elif variant == "sp-in-name":
        f.name = f.name[:1] + b" " + f.name[1:]
    elif variant == "empty-name":
        f.name = b""
    elif variant == "no-colon":
        f.sep = b" "
    else:
        message.fields.append(Field(b"", b"", sep=b":"))
    return f"name/{variant}"


def value_whitespace(rng, message):
    f = some_field(rng, message)
    variant = rng.choice(["no-sp", "tab", "many-sp", "trailing-sp", "trailing-tab", "empty",
                          "only-sp", "leading-vt", "trailing-ff"])
    if variant == "no-sp":
        f.sep = b":"
    elif variant == "tab":
        f.sep = b":\t"
    elif variant == "many-sp":
        f.sep = b":    "
    elif variant == "trailing-sp":
        f.value += b"  "
    elif variant == "trailing-tab":
        f.value += b"\t"
    elif variant == "empty":
        f.value = b""
    elif variant == "only-sp":
        f.value = b"   "
    elif variant == "leading-vt":
        f.value = b"\x0b" + f.value
    else:
        f.value += b"\x0c"
    return f"value/{variant}"


def obs_fold(rng, message):
    f = some_field(rng, message)
    fold = rng.choice([b"\r\n ", b"\r\n\t", b"\n ", b"\r\n  "])
    f.value = f.value + fold + rng.choice([b"more", b"", b"chunked", f.value])
    return f"obs-fold/{f.name.decode('latin-1').lower() or 'empty'}"


def odd_byte(rng, message):
    byte = bytes([rng.choice(ODD_BYTES)])
    where = rng.choice(["method", "target", "version", "name", "value", "value-end"])
    if where == "method":
        message.method = message.method[:1] + byte + message.method[1:]
    elif where == "target":
        at = rng.randrange(1, len(message.target) + 1)
        message.target = message.target[:at] + byte + message.target[at:]
    elif where == "version":
        message.version = message.version[:6] + byte + message.version[6:]
    else:
        f = some_field(rng, message)
        if where == "value" and len(f.value) < 2:
            where = "value-end"  # after a one-byte value, nothing follows
        if where == "name":
            f.name = f.name[:2] + byte + f.name[2:]
        elif where == "value-end":
            f.value += byte
        else:
            f.value = f.value[:1] + byte + f.value[1:]
        where += "/" + (f.name.decode("latin-1").lower() or "empty")
    return f"ctl/{where}/{byte.hex()}"


def start_line(rng, message):
    variant = rng.choice(["double-sp", "tab", "leading-sp", "trailing-sp", "no-target"])
    if variant == "double-sp":
        setattr(message, rng.choice(["sp1", "sp2"]), b"  ")
    elif variant == "tab":
        setattr(message, rng.choice(["sp1", "sp2"]), b"\t")
    elif variant == "leading-sp":
        message.method = b" " + message.method
    elif variant == "trailing-sp":
        message.version += b" "
    else:
        message.target, message.sp2 = b"", b""
    return f"start/{variant}"


def target_form(rng, message):
    host = (message.find(b"Host") or [Field(b"Host", b"h")])[0].value
    path = message.target if message.target.startswith(b"/") else b"/"
    variant = rng.choice(["absolute", "absolute-upper-scheme", "absolute-https", "absolute-no-path",
                          "absolute-query-only", "absolute-other-scheme", "absolute-other-host",
                          "asterisk-options", "asterisk-other", "authority-connect",
                          "authority-other", "fragment", "no-slash", "double-slash"])
    forms = {
        "absolute": b"http://" + host + path,
        "absolute-upper-scheme": b"HTTP://" + host + path,
        "absolute-https": b"https://" + host + path,
        "absolute-no-path": b"http://" + host,
        "absolute-query-only": b"http://" + host + b"?a=b",
        "absolute-other-scheme": b"ftp://" + host + path,
        "absolute-other-host": b"http://other.test" + path,
        "asterisk-options": b"*",
        "asterisk-other": b"*",
        "authority-connect": b"example.com:443",
        "authority-other": b"example.com:443",
        "fragment": path + b"#frag",
        "no-slash": b"a/b",
        "double-slash": b"//a",
    }
    message.target = forms[variant]
    if variant == "asterisk-options":
        message.method = b"OPTIONS"
    elif variant == "asterisk-other":
        message.method = rng.choice([m for m in METHODS if m != b"OPTIONS"])
    elif variant == "authority-connect":
        message.method = b"CONNECT"
    return f"target/{variant}"


def version(rng, message):
    variant = rng.choice(["HTTP/1.0", "HTTP/1.2", "HTTP/1.9", "HTTP/2.0", "HTTP/3.0", "HTTP/0.9",
                          "HTTP/1.10", "http/1.1", "HTTP/1", "HTTP/11", "HTTP/1.1x", "HTTP/ 1.1",
                          "HTP/1.1", "none"])
    if message.chunked:
        message.set_length()  # a chunked body in another version is te_http10's case
    if variant == "none":
        message.version, message.sp2 = b"", b""
    else:
        message.version = variant.encode()
    return f"version/{variant}"


def host_field(rng, message):
    variant = rng.choice(["missing", "twice-same", "twice-different", "empty", "a b", "a:80",
                          "a:", "a:99999", "a:x", "a:0080", "[::1]", "[::1", "::1", "a@b", "a/b",
                          "a,b", "_a.test", "a:80:80", "xn--bcher-kva.test", "a%20b"])
    in_version = rng.choice([b"HTTP/1.1", b"HTTP/1.1", b"HTTP/1.0"])
    if message.chunked and in_version == b"HTTP/1.0":
        message.set_length()
    message.version = in_version
    message.drop(b"Host")
    if variant == "twice-same":
        message.fields += [Field(b"Host", b"h"), Field(b"Host", b"h")]
    elif variant == "twice-different":
        message.fields += [Field(b"Host", b"h"), Field(b"Host", b"g")]
    elif variant != "missing":
        message.fields.insert(rng.randrange(len(message.fields) + 1),
                              Field(b"Host", b"" if variant == "empty" else variant.encode()))
    return f"host/{variant}/{in_version.decode()[5:]}"


def method(rng, message):
    variant = rng.choice(["FOO", "get", "Get", "PROPFIND", "PURGE", "TRACE", "M-SEARCH", "G@T",
                          "GET/", "\"GET\""])
    message.method = variant.encode()
    return f"method/{variant}"


def expectation(rng, message):
    """An Expect field on a request whose whole body is sent at once, as a client that does
    not wait for 100 Continue sends it."""
    variant = rng.choice(["100-continue", "100-Continue", "100-continue, foo", "foo", "",
                          "100-continue;a=b", "100-continuex"])
    message.fields.insert(rng.randrange(len(message.fields) + 1), Field(b"Expect", variant.encode()))
    return f"expect/{variant}"


MUTATIONS = [expectation, line_ending, name_whitespace, value_whitespace, obs_fold, odd_byte, start_line,
             target_form, version, host_field, method]
