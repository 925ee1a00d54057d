// The Host field as RFC 9112 §3.2 requires it: one in every HTTP/1.1 request, never more
// than one in any, and a value that is a host[:port].
#include "http/host_field.hpp"

#include <gtest/gtest.h>

namespace plugin_host {
namespace {

Poco::Net::HTTPRequest head(const std::string& version, const std::vector<std::string>& hosts) {
    Poco::Net::HTTPRequest request(Poco::Net::HTTPRequest::HTTP_GET, "/healthz", version);
    for (const std::string& host : hosts) request.add("Host", host);
    return request;
}

int status(const std::string& version, const std::vector<std::string>& hosts) {
    const std::optional<HttpResponse> refused = check_host(head(version, hosts));
    if (!refused) return 0;
    EXPECT_TRUE(refused->close_connection);
    return refused->status;
}

TEST(HostField, Http11NeedsOne) {
    EXPECT_EQ(status("HTTP/1.1", {}), 400);
    EXPECT_EQ(check_host(head("HTTP/1.1", {}))->body, R"({"error":"an HTTP/1.1 request needs a Host header"})");
    EXPECT_EQ(status("HTTP/1.1", {"example.com"}), 0);
}

TEST(HostField, Http10NeedsNone) { EXPECT_EQ(status("HTTP/1.0", {}), 0); }

TEST(HostField, MoreThanOneIs400InEveryVersion) {
    for (const std::string version : {"HTTP/1.0", "HTTP/1.1"}) {
        EXPECT_EQ(status(version, {"a", "b"}), 400) << version;
        EXPECT_EQ(status(version, {"a", "a"}), 400) << version;
    }
    EXPECT_EQ(check_host(head("HTTP/1.0", {"a", "b"}))->body,
              R"({"error":"a request must not have more than one Host header"})");
}

TEST(HostField, AValueThatIsNotHostAndPortIs400InEveryVersion) {
    for (const std::string version : {"HTTP/1.0", "HTTP/1.1"}) {
        for (const std::string value : {"a b", "a/b", "a@b", "a:b:80", "a:8x", "::1", "[::1", "[::1]x", "[zz]", "a%2",
                                        "\"a\"", "a?b", "a#b", "[]"}) {
            EXPECT_EQ(status(version, {value}), 400) << version << " " << value;
        }
    }
    EXPECT_EQ(check_host(head("HTTP/1.1", {"a b"}))->body, R"({"error":"the Host header is not a valid host[:port]"})");
}

TEST(HostField, NamesAddressesAndPortsAreValid) {
    for (const std::string value : {"", "localhost", "localhost:8991", "127.0.0.1:80", "[::1]", "[::1]:8991",
                                    "[::ffff:127.0.0.1]:1", "[v1.fe80::a+en1]", "a-b.c_d~e", "xn--bcher-kva.example",
                                    "a%20b", "host:", "sub!$&'()*+,;=x"}) {
        EXPECT_EQ(status("HTTP/1.1", {value}), 0) << value;
    }
}

}  // namespace
}  // namespace plugin_host
