// The llhttp reference of the differential conformance test (tests/conformance/run.py):
// Node's own http server with its default options, so llhttp parses in its strict mode.
// It answers each request it frames with 200 and the JSON the host's echo plugin writes
// ({"method", "target", "body_length", "body_fnv"}; the raw target, which the runner
// splits into path and query), and a request it refuses with 400 before closing.
//
//   node llhttp_echo.js    -> prints the port it listens on (127.0.0.1, a free one)
'use strict';

const http = require('http');

// 64-bit FNV-1a of the body, as lower-case hex: the same digest as the echo plugin's.
function fnv1a(bytes) {
    let hash = 0xcbf29ce484222325n;
    for (const byte of bytes) {
        hash ^= BigInt(byte);
        hash = (hash * 0x100000001b3n) & 0xffffffffffffffffn;
    }
    return hash.toString(16).padStart(16, '0');
}

// Requests of a socket that llhttp framed completely and that are not answered yet: a parse
// error further on must not overtake their answers, or the runner would not see what was framed.
function unanswered(socket) {
    if (!socket.echoPending) socket.echoPending = new Set();
    return socket.echoPending;
}

const server = http.createServer((request, response) => {
    const socket = request.socket;
    unanswered(socket).add(request);
    const pieces = [];
    request.on('data', (piece) => pieces.push(piece));
    request.on('end', () => {
        const body = Buffer.concat(pieces);
        const answer = JSON.stringify({
            method: request.method,
            target: request.url,
            body_length: body.length,
            body_fnv: fnv1a(body),
        });
        response.on('finish', () => {
            unanswered(socket).delete(request);
            if (socket.echoRefuse && unanswered(socket).size === 0) socket.echoRefuse();
        });
        response.writeHead(200, {
            'Content-Type': 'application/json',
            'Content-Length': Buffer.byteLength(answer),
        });
        response.end(answer);
    });
});

// A message llhttp refuses: once the requests framed before it are answered, answer 400 if
// the socket can still be written, then close. Bytes after a message that closes the
// connection (HPE_CLOSED_CONNECTION) are no request (RFC 9112 9.6: the server must not
// process them): no 400 for them; the last answer closes the connection.
function refuse(socket, code) {
    for (const request of unanswered(socket)) {
        if (!request.complete) unanswered(socket).delete(request);  // the parser stopped inside it
    }
    socket.echoRefuse = () => {
        socket.echoRefuse = null;
        if (code === 'HPE_CLOSED_CONNECTION') {
            socket.end();
        } else if (socket.writable && !socket.destroyed) {
            socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
        } else {
            socket.destroy();
        }
    };
    if (unanswered(socket).size === 0) socket.echoRefuse();
}

server.on('clientError', (error, socket) => refuse(socket, error.code));
// CONNECT and Upgrade hand the socket over instead of framing a request: this server
// tunnels nothing, so it refuses them as a parse error, after the answers owed before.
server.on('connect', (request, socket) => refuse(socket, 'CONNECT'));
server.on('upgrade', (request, socket) => refuse(socket, 'UPGRADE'));

server.listen(0, '127.0.0.1', () => {
    process.stdout.write(`${server.address().port}\n`);
});
