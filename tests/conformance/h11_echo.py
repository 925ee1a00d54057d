#!/usr/bin/python3
"""The h11 reference of the differential conformance test (tests/conformance/run.py).

    /usr/bin/python3 h11_echo.py    -> prints the port it listens on (127.0.0.1, a free one)

One h11.Connection per socket, on a thread of its own. Each request h11 frames is answered
200 with the JSON the host's echo plugin writes ({"method", "target", "body_length",
"body_fnv"}; the raw target, which the runner splits into path and query); a message h11
refuses (RemoteProtocolError) is answered 400, then the connection is closed.
"""

import json
import socket
import sys
import threading

import h11

READ_TIMEOUT_S = 10  # a client of the runner sends everything, then shuts its side down
BAD_REQUEST = b"HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n"


def fnv1a(data):
    """64-bit FNV-1a as lower-case hex: the same digest as the echo plugin's."""
    value = 0xcbf29ce484222325
    for byte in data:
        value = ((value ^ byte) * 0x100000001b3) & 0xffffffffffffffff
    return f"{value:016x}"


def answer(connection, request, body):
    text = json.dumps({
        "method": request.method.decode("latin-1"),
        "target": request.target.decode("latin-1"),
        "body_length": len(body),
        "body_fnv": fnv1a(body),
    }).encode()
    headers = [("Content-Type", "application/json"), ("Content-Length", str(len(text)))]
    return (connection.send(h11.Response(status_code=200, headers=headers))
            + connection.send(h11.Data(data=text)) + connection.send(h11.EndOfMessage()))


def serve(sock):
    """Serves one connection until either side ends it."""
    connection = h11.Connection(h11.SERVER)
    request, body = None, bytearray()
    try:
        while True:
            try:
                event = connection.next_event()
            except h11.RemoteProtocolError:
                sock.sendall(BAD_REQUEST)
                return
            if event is h11.NEED_DATA:
                connection.receive_data(sock.recv(65536))
            elif isinstance(event, h11.Request):
                request, body = event, bytearray()
            elif isinstance(event, h11.Data):
                body += event.data
            elif isinstance(event, h11.EndOfMessage):
                try:
                    sock.sendall(answer(connection, request, bytes(body)))
                except h11.LocalProtocolError:
                    return  # a 200 to CONNECT switched protocols: nothing more to say in HTTP
                if connection.our_state is not h11.DONE or connection.their_state is not h11.DONE:
                    return  # MUST_CLOSE: this connection carries no more requests
                connection.start_next_cycle()
            else:  # ConnectionClosed, or PAUSED after a protocol switch (CONNECT)
                return
    except OSError:
        return
    finally:
        close(sock)


def close(sock):
    """Closes after reading what the client still sends, so that no reset destroys the
    answers on their way (the client shuts its side down once it has sent everything)."""
    try:
        sock.shutdown(socket.SHUT_WR)
        while sock.recv(65536):
            pass
    except OSError:
        pass
    sock.close()


def main():
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", 0))
    listener.listen(1024)
    print(listener.getsockname()[1], flush=True)
    while True:
        sock, _ = listener.accept()
        sock.settimeout(READ_TIMEOUT_S)
        threading.Thread(target=serve, args=(sock,), daemon=True).start()


if __name__ == "__main__":
    sys.exit(main())
