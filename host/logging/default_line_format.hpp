#pragma once

#include <Poco/Message.h>
#include <Poco/Timestamp.h>

#include <string>
#include <string_view>

namespace plugin_host {

/// Appends log lines as Poco's PatternFormatter would with kPattern (in UTC), without it:
/// PatternFormatter converts every timestamp to a calendar date, this works the date out
/// once a second. bench/micro/logging_benchmark.cpp measures the difference.
/// Not shared: each logging thread has its own (BufferedAsyncChannel keeps one per thread).
class DefaultLineFormat {
public:
    /// The pattern these lines follow, and the host's default log format.
    static constexpr const char* kPattern = "%Y-%m-%d %H:%M:%S.%i [%p] %s: %t";

    void append(std::string& out, Poco::Timestamp time, Poco::Message::Priority priority, std::string_view source,
                std::string_view text);

private:
    Poco::Timestamp::TimeVal cached_second_ = -1;
    char cached_prefix_[20] = {};  ///< "YYYY-MM-DD HH:MM:SS" of cached_second_
};

}  // namespace plugin_host
