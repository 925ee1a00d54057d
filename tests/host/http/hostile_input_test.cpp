// Hostile HTTP input against the real executable, over raw sockets: every case gets the
// right 4xx/5xx (or a closed connection where that is what HTTP or Poco does) within a time
// bound, the server's memory stays bounded, and a normal request right after gets its 200.
#include <gtest/gtest.h>

#include "support/eventually.hpp"
#include "support/host_process.hpp"
#include "support/http_client.hpp"
#include "support/raw_client.hpp"

#include <csignal>
#include <future>

namespace {

using namespace std::chrono_literals;
using test_support::RawClient;

// The host under attack: 1 MiB bodies (so that a 100,000-level document is parsed, not
// refused for its size), and short deadlines: a header within 1 s + 1 s of the connection
// opening, a body within 2 s of its header.
constexpr const char* kServerKeys =
    "max_body_bytes = 1048576\nkeep_alive_timeout_ms = 1000\nheader_timeout_ms = 1000\n"
    "body_timeout_ms = 2000\nreceive_timeout_ms = 5000\n";

constexpr std::size_t kHundredMegabytes = 100 * 1024 * 1024;

/// How a case's bytes are sent.
enum class Sending {
    at_once,                 ///< everything, then wait for the answer
    at_once_then_end,        ///< everything, then the client stops sending (half-close)
    one_byte_a_second,       ///< slowloris
    then_100_mb_of_body,     ///< the request head, then 100 MB of body bytes
    then_100_mb_of_chunks,   ///< the request head, then 100 MB in 64 KiB chunks
};

struct Case {
    std::string name;
    std::string request;
    std::vector<int> statuses;  ///< expected answers in order (1xx left out); none: closed unanswered
    bool closes = true;         ///< the server must close the connection after them
    std::chrono::milliseconds within = 1000ms;
    Sending sending = Sending::at_once;
};

std::string post(const std::string& path, const std::string& body,
                 const std::string& content_type = "application/json") {
    return "POST " + path + " HTTP/1.1\r\nHost: test\r\nContent-Type: " + content_type +
           "\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
}

std::string post_head(const std::string& framing) {
    return "POST /first HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\n" + framing + "\r\n";
}

std::string with_sequence(const std::string& sequence) { return R"({"info":{"sequence":")" + sequence + "\"}}"; }

std::string nested(const std::string& open, const std::string& close, int depth) {
    std::string text;
    text.reserve((open.size() + close.size()) * static_cast<std::size_t>(depth));
    for (int i = 0; i < depth; ++i) text += open;
    for (int i = 0; i < depth; ++i) text += close;
    return text;
}

std::string many_headers(int count) {
    std::string headers;
    for (int i = 0; i < count; ++i) headers += "X-Header-" + std::to_string(i) + ": value\r\n";
    return headers;
}

const std::string kGood = post("/first", with_sequence("first"));
const std::string kHealth = "GET /healthz HTTP/1.1\r\nHost: test\r\n\r\n";

std::vector<Case> hostile_cases() {
    using namespace std::string_literals;
    return {
        // JSON
        {"malformed JSON", post("/first", R"({"info": )"), {400}, false},
        {"truncated JSON", post("/first", R"({"info":{"sequence":"fir)"), {400}, false},
        {"JSON that is not an object", post("/first", "[1,2,3]"), {422}, false},
        {"sequence that is not a string", post("/first", R"({"info":{"sequence":42}})"), {422}, false},
        {"arrays nested 100,000 levels deep", post("/first", nested("[", "]", 100000)), {400}, false},
        {"objects nested 100,000 levels deep", post("/first", nested(R"({"a":)", "}", 100000)), {400}, false},
        {"number beyond any double", post("/first", R"({"info":{"sequence":"x"},"n":1e999999999})"), {400}, false},
        {"integer of 10,000 digits", post("/first", R"({"info":{"sequence":"x"},"n":)" + std::string(10000, '7') + "}"),
         {400}, false},
        {"string of 900,000 characters", post("/first", with_sequence(std::string(900000, 's'))), {200}, false},
        {"invalid UTF-8", post("/first", with_sequence("\xC3\x28")), {400}, false},
        {"overlong UTF-8 for '/'", post("/first", with_sequence("\xC0\xAF")), {400}, false},
        {"NUL byte inside a JSON string", post("/first", with_sequence("a\0b"s)), {400}, false},
        // Headers and request line
        {"wrong Content-Type", post("/first", with_sequence("x"), "text/plain"), {415}, false},
        {"NUL byte in Content-Type", post("/first", with_sequence("x"), "application/json\0x"s), {400}},
        {"NUL byte in the path", "GET /heal\0thz HTTP/1.1\r\nHost: test\r\n\r\n"s, {400}},
        {"path climbing out of the root", "GET /../../etc/passwd HTTP/1.1\r\nHost: test\r\n\r\n", {404}, false},
        {"unknown method", "BREW /first HTTP/1.1\r\nHost: test\r\n\r\n", {501}, false},
        {"10,000 headers", "GET /healthz HTTP/1.1\r\nHost: test\r\n" + many_headers(10000) + "\r\n", {431}},
        {"header line of 1 MB", "GET /healthz HTTP/1.1\r\nHost: test\r\nX-Big: " + std::string(1 << 20, 'b') + "\r\n\r\n",
         {431}},
        {"request URI of 1 MB", "GET /" + std::string(1 << 20, 'u') + " HTTP/1.1\r\nHost: test\r\n\r\n", {414}},
        {"space before a header's colon", post_head("Transfer-Encoding : chunked\r\nContent-Length: 2\r\n") + "{}", {400}},
        {"tab before a header's colon", post_head("Transfer-Encoding\t: chunked\r\nContent-Length: 2\r\n") + "{}", {400}},
        {"header line without a colon", post_head("Content-Length 2\r\n") + "{}", {400}},
        {"obsolete line folding", post_head("Content-Length: 2\r\nX-Folded: a\r\n b\r\n") + "{}", {400}},
        {"bare CR in a header", "GET /healthz HTTP/1.1\r\nHost: te\rst\r\n\r\n", {400}},
        {"absolute-form request target", "GET http://elsewhere/healthz HTTP/1.1\r\nHost: test\r\n\r\n", {200}, false},
        {"empty line before a request line, then a pipelined request", "\r\n" + kHealth + "\r\n" + kHealth, {200, 200},
         false},
        {"close among other Connection options", "GET /healthz HTTP/1.1\r\nHost: t\r\nConnection: TE, close\r\n\r\n",
         {200}},
        {"request line without a version", "GET /healthz\r\n\r\n", {400}},
        {"HTTP version 2.0 in HTTP/1 syntax", "GET /healthz HTTP/2.0\r\nHost: test\r\n\r\n", {505}},
        {"HTTP/1.1 without Host", "GET /healthz HTTP/1.1\r\n\r\n", {400}},
        {"HTTP/1.0 with two Host fields", "GET /healthz HTTP/1.0\r\nHost: a\r\nHost: b\r\n\r\n", {400}},
        {"Host that is not host[:port]", "GET /healthz HTTP/1.1\r\nHost: a b\r\n\r\n", {400}},
        {"HTTP/1.2, served as HTTP/1.1", "GET /healthz HTTP/1.2\r\nHost: test\r\n\r\n", {200}, false},
        // Body framing
        // No length: an empty body (RFC 9112 §6.3), which the seed plugin refuses itself.
        {"POST without Content-Length", post_head(""), {400}, false},
        {"Content-Length larger than the body", post_head("Content-Length: 100\r\n") + "{}", {408}, true, 3000ms},
        {"Content-Length larger than the body, client stops sending", post_head("Content-Length: 100\r\n") + "{}",
         {400}, true, 1000ms, Sending::at_once_then_end},
        // The 10 bytes are a body that is not JSON (400, the connection stays); the rest is an
        // unfinished next request, which times out (408).
        {"Content-Length smaller than the body", post_head("Content-Length: 10\r\n") + with_sequence("first"), {400, 408},
         true, 3000ms},
        {"Content-Length that is not a number", post_head("Content-Length: abc\r\n") + "{}", {400}},
        {"Content-Length that is a list", post_head("Content-Length: 2, 2\r\n") + "{}", {400}},
        {"Content-Length of 20 digits", post_head("Content-Length: 12345678901234567890\r\n") + "{}", {400}},
        {"Content-Length in hexadecimal", post_head("Content-Length: 0x2\r\n") + "{}", {400}},
        {"negative Content-Length", post_head("Content-Length: -5\r\n") + "{}", {400}},
        {"two different Content-Lengths", post_head("Content-Length: 2\r\nContent-Length: 4\r\n") + "{}{}", {400}},
        {"Content-Length and Transfer-Encoding", post_head("Content-Length: 2\r\nTransfer-Encoding: chunked\r\n") + "2\r\n{}\r\n0\r\n\r\n",
         {400}},
        {"Transfer-Encoding other than chunked", post_head("Transfer-Encoding: gzip\r\n") + "{}", {400}},
        {"chunk size that is not hexadecimal", post_head("Transfer-Encoding: chunked\r\n") + "zz\r\n{}\r\n0\r\n\r\n", {400}},
        {"chunk longer than its size", post_head("Transfer-Encoding: chunked\r\n") + "2\r\n{}}}\r\n0\r\n\r\n", {400}},
        {"chunk data ended by a bare LF", post_head("Transfer-Encoding: chunked\r\n") + "2\r\n{}\n0\r\n\r\n", {400}},
        {"chunk size ended by a bare LF", post_head("Transfer-Encoding: chunked\r\n") + "2\n{}\r\n0\r\n\r\n", {400}},
        {"last chunk ended by a bare LF", post_head("Transfer-Encoding: chunked\r\n") + "2\r\n{}\r\n0\n\r\n", {400}},
        {"NUL in a chunk extension", post_head("Transfer-Encoding: chunked\r\n") + "2;a\0b\r\n{}\r\n0\r\n\r\n"s, {400}},
        {"bare CR in a trailer field", post_head("Transfer-Encoding: chunked\r\n") + "2\r\n{}\r\n0\r\nX: a\rb\r\n\r\n",
         {400}},
        {"chunked applied twice", post_head("Transfer-Encoding: chunked, chunked\r\n") + "0\r\n\r\n", {400}},
        {"chunk size past every limit", post_head("Transfer-Encoding: chunked\r\n") + "fffffffffffffffffff\r\n", {413}},
        {"chunked body cut off", post_head("Transfer-Encoding: chunked\r\n") + "20\r\n{\"info\"", {400}, true, 1000ms,
         Sending::at_once_then_end},
        {"100 MB body with Content-Length", post_head("Content-Length: " + std::to_string(kHundredMegabytes) + "\r\n"),
         {413}, true, 4000ms, Sending::then_100_mb_of_body},
        {"100 MB chunked body", post_head("Transfer-Encoding: chunked\r\n"), {413}, true, 4000ms,
         Sending::then_100_mb_of_chunks},
        {"Expect: 100-continue to a path no endpoint serves",
         "POST /nowhere HTTP/1.1\r\nHost: test\r\nContent-Length: 2\r\nExpect: 100-continue\r\n\r\n", {404}},
        {"Expect: 100-continue with another expectation",
         post_head("Content-Length: 2\r\nExpect: 100-continue, foo\r\n") + "{}", {417}},
        {"Expect: 100-continue with a body over the limit",
         post_head("Content-Length: " + std::to_string(kHundredMegabytes) + "\r\nExpect: 100-continue\r\n"), {413}},
        // Several requests on one connection
        {"pipelined good, bad and good requests", kHealth + post("/first", "{") + kGood, {200, 400, 200}, false},
        {"pipelined requests with a malformed one in the middle", kHealth + "GARBAGE\r\n\r\n" + kGood, {200, 400}},
        {"pipelined requests after a framing error", post_head("Content-Length: -1\r\n") + kGood + kGood, {400}},
        // Slow clients
        {"slowloris: a header byte a second", kHealth, {408}, true, 3500ms, Sending::one_byte_a_second},
        {"a body byte a second", post_head("Content-Length: 30\r\n") + with_sequence("x"), {408}, true, 3500ms,
         Sending::one_byte_a_second},
        {"connection that sends nothing: closed after the keep-alive timeout", "", {}, true, 3000ms},
    };
}

/// Sends the case's bytes as it says, on the calling thread.
void send_case(RawClient& client, const Case& hostile) {
    switch (hostile.sending) {
    case Sending::at_once:
        client.send(hostile.request);
        break;
    case Sending::at_once_then_end:
        client.send(hostile.request);
        client.finish_sending();
        break;
    case Sending::one_byte_a_second:
        client.send_slowly(hostile.request, 1000ms, hostile.within + 1000ms);
        break;
    case Sending::then_100_mb_of_body:
        if (client.send(hostile.request)) client.send_repeated(std::string(1 << 16, 'x'), kHundredMegabytes >> 16);
        break;
    case Sending::then_100_mb_of_chunks:
        if (client.send(hostile.request)) {
            client.send_repeated("10000\r\n" + std::string(1 << 16, 'x') + "\r\n", kHundredMegabytes >> 16);
        }
        break;
    }
}

std::vector<int> final_statuses(const std::string& bytes) {
    std::vector<int> statuses;
    for (const auto& response : test_support::parse_responses(bytes)) {
        if (response.status >= 200) statuses.push_back(response.status);
    }
    return statuses;
}

TEST(HostileInput, EveryCaseIsAnsweredInTimeMemoryStaysBoundedAndTheNextRequestSucceeds) {
    test_support::HostProcess host(0, test_support::seed_plugins_ini(), kServerKeys);
    ASSERT_TRUE(host.wait_until_healthy()) << host.output();
    ASSERT_EQ(test_support::post_json(host.port(), "/first", test_support::seed_body("first")).status, 200);
    const std::size_t resident_at_start = host.resident_kib();

    const std::vector<Case> cases = hostile_cases();
    ASSERT_GE(cases.size(), 25u);
    for (const Case& hostile : cases) {
        SCOPED_TRACE(hostile.name);
        RawClient client(host.port());
        const auto within = test_support::scaled(hostile.within);  // a 900,000-character body takes seconds in TSan
        const auto started = std::chrono::steady_clock::now();
        auto sending = std::async(std::launch::async, [&client, &hostile] { send_case(client, hostile); });
        const auto received = hostile.closes ? client.read_until_closed(within + 2s)
                                             : client.read_responses(hostile.statuses.size(), within + 2s);
        const auto elapsed = std::chrono::steady_clock::now() - started;
        sending.get();

        EXPECT_EQ(final_statuses(received.bytes), hostile.statuses) << received.bytes.substr(0, 300);
        if (hostile.closes) {
            EXPECT_TRUE(received.closed) << "the connection stayed open";
        }
        EXPECT_LT(elapsed, within) << std::chrono::duration_cast<std::chrono::milliseconds>(elapsed).count() << " ms";
        const auto next = test_support::post_json(host.port(), "/first", test_support::seed_body("first"));
        EXPECT_EQ(next.status, 200) << "the normal request after it";
    }

    // Bodies are never held beyond max_body_bytes (1 MiB) a request, whatever is sent: the
    // 100 MB ones would take the peak far beyond this.
    const std::size_t peak = host.peak_resident_kib();
    EXPECT_LT(peak, resident_at_start + 64 * 1024 * test_support::kMemoryGrowth) << "peak " << peak << " KiB, at start " << resident_at_start << " KiB";
    std::cout << "resident memory: " << resident_at_start << " KiB at start, peak " << peak << " KiB, at the end "
              << host.resident_kib() << " KiB\n";
    host.signal(SIGTERM);
    EXPECT_EQ(host.wait_for(5s), std::optional<int>(0));
}

}  // namespace
