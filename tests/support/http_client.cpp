#include "support/http_client.hpp"

#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/NetException.h>
#include <Poco/Net/SocketAddress.h>
#include <Poco/Net/StreamSocket.h>
#include <Poco/StreamCopier.h>
#include <Poco/Timestamp.h>

#include <array>

namespace test_support {

ClientResponse send_request(std::uint16_t port, const std::string& method, const std::string& path,
                            const std::string& body, const std::string& content_type,
                            const Poco::Net::NameValueCollection& headers) {
    Poco::Net::HTTPClientSession session("127.0.0.1", port);
    session.setTimeout(Poco::Timespan(30, 0));
    Poco::Net::HTTPRequest request(method, path, Poco::Net::HTTPMessage::HTTP_1_1);
    for (const auto& [name, value] : headers) request.add(name, value);
    if (!body.empty() || method == "POST" || method == "PUT") {
        request.setContentType(content_type);
        request.setContentLength(static_cast<std::streamsize>(body.size()));
    }
    session.sendRequest(request) << body;

    Poco::Net::HTTPResponse response;
    std::istream& in = session.receiveResponse(response);
    ClientResponse result;
    result.status = response.getStatus();
    Poco::StreamCopier::copyToString(in, result.body);
    for (const auto& [name, value] : response) result.headers.add(name, value);
    return result;
}

std::string send_raw(std::uint16_t port, const std::string& raw, int timeout_ms) {
    Poco::Net::StreamSocket socket(Poco::Net::SocketAddress("127.0.0.1", port));
    socket.sendBytes(raw.data(), static_cast<int>(raw.size()));
    socket.setReceiveTimeout(Poco::Timespan(0, 100000));
    std::string answer;
    std::array<char, 4096> buffer{};
    const Poco::Timestamp started;
    while (!started.isElapsed(static_cast<Poco::Timestamp::TimeDiff>(timeout_ms) * 1000)) {
        try {
            const int received = socket.receiveBytes(buffer.data(), static_cast<int>(buffer.size()));
            if (received <= 0) break;
            answer.append(buffer.data(), static_cast<std::size_t>(received));
        } catch (const Poco::TimeoutException&) {
        } catch (const Poco::Net::NetException&) {
            break;
        }
    }
    return answer;
}

}  // namespace test_support
