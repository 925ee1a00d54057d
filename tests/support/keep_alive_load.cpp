#include "support/keep_alive_load.hpp"

#include "support/http_client.hpp"

#include <Poco/Exception.h>
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/StreamCopier.h>

#include <algorithm>
#include <optional>

namespace test_support {

KeepAliveLoad::KeepAliveLoad(std::uint16_t port, std::string path, int threads, std::chrono::seconds limit) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    for (int i = 0; i < threads; ++i) {
        threads_.emplace_back([this, port, path, deadline] { run(port, path, deadline); });
    }
}

KeepAliveLoad::~KeepAliveLoad() { stop(); }

void KeepAliveLoad::stop() {
    stopping_ = true;
    for (std::thread& thread : threads_) {
        if (thread.joinable()) thread.join();
    }
}

std::vector<std::string> KeepAliveLoad::failures() const {
    std::lock_guard lock(failures_mutex_);
    return failures_;
}

std::uint64_t KeepAliveLoad::failed_sent_before(std::chrono::steady_clock::time_point moment) const {
    std::lock_guard lock(failures_mutex_);
    return static_cast<std::uint64_t>(
        std::count_if(failed_sent_at_.begin(), failed_sent_at_.end(), [moment](auto sent) { return sent < moment; }));
}

void KeepAliveLoad::run(std::uint16_t port, const std::string& path, std::chrono::steady_clock::time_point deadline) {
    const std::string body = seed_body("load");
    Poco::Net::HTTPClientSession session("127.0.0.1", port);
    session.setKeepAlive(true);
    session.setTimeout(Poco::Timespan(10, 0));
    while (!stopping_ && std::chrono::steady_clock::now() < deadline) {
        std::string problem;
        std::optional<std::chrono::steady_clock::time_point> sent_at;
        try {
            Poco::Net::HTTPRequest request("POST", path, Poco::Net::HTTPMessage::HTTP_1_1);
            request.setKeepAlive(true);
            request.setContentType("application/json");
            request.setContentLength(static_cast<std::streamsize>(body.size()));
            std::ostream& out = session.sendRequest(request);
            out << body;
            out.flush();
            if (out.good()) sent_at = std::chrono::steady_clock::now();
            Poco::Net::HTTPResponse response;
            std::string answer;
            Poco::StreamCopier::copyToString(session.receiveResponse(response), answer);
            if (response.getStatus() != 200) problem = std::to_string(response.getStatus()) + " " + answer;
        } catch (const Poco::Exception& error) {
            problem = error.displayText();
            session.reset();
        }
        if (problem.empty()) {
            ++completed_;
            continue;
        }
        ++failed_;
        {
            std::lock_guard lock(failures_mutex_);
            if (failures_.size() < 10) failures_.push_back(path + ": " + problem);
            if (sent_at) failed_sent_at_.push_back(*sent_at);
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(10));  // e.g. refused: do not spin
    }
}

}  // namespace test_support
