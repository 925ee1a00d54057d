#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace test_support {

/// Client threads that POST the seed body to one path over keep-alive connections, one
/// request after another, until stop() or `limit` passes. Counts every request that did not
/// come back 200 (error status, socket error, timeout) as failed, and remembers when each
/// failed request had been sent (written out completely), if it had.
class KeepAliveLoad {
public:
    KeepAliveLoad(std::uint16_t port, std::string path, int threads,
                  std::chrono::seconds limit = std::chrono::seconds(180));
    ~KeepAliveLoad();

    KeepAliveLoad(const KeepAliveLoad&) = delete;
    KeepAliveLoad& operator=(const KeepAliveLoad&) = delete;

    /// Stops the threads and waits for them; idempotent.
    void stop();

    std::uint64_t completed() const { return completed_; }
    std::uint64_t failed() const { return failed_; }

    /// The first few failures, for messages.
    std::vector<std::string> failures() const;

    /// Failed requests that had been sent completely before `moment`.
    std::uint64_t failed_sent_before(std::chrono::steady_clock::time_point moment) const;

private:
    void run(std::uint16_t port, const std::string& path, std::chrono::steady_clock::time_point deadline);

    std::atomic<bool> stopping_{false};
    std::atomic<std::uint64_t> completed_{0};
    std::atomic<std::uint64_t> failed_{0};
    mutable std::mutex failures_mutex_;
    std::vector<std::string> failures_;
    std::vector<std::chrono::steady_clock::time_point> failed_sent_at_;
    std::vector<std::thread> threads_;
};

}  // namespace test_support
