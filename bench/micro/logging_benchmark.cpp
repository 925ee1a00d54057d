// What the host's hand-tuned logging buys, against what Poco offers, measured on the thread
// that logs (the request thread's cost):
// - Poco's ConsoleChannel behind a FormattingChannel, as synchronous as it gets, and behind
//   Poco's AsyncChannel;
// - BufferedAsyncChannel through Poco::Logger (a Poco::Message per line) and through
//   log_line() (no Message, the default line formatted with a date worked out once a
//   second), and the same channel with a pattern that is not the default (Poco's
//   PatternFormatter on the calling thread);
// - the channel's SpinningMutex against std::mutex, for a short critical section under
//   contention.
// Every line goes to standard error, which main() sends to /dev/null.
#include "logging/buffered_async_channel.hpp"
#include "logging/default_line_format.hpp"
#include "logging/log_line.hpp"
#include "logging/spinning_mutex.hpp"

#include <benchmark/benchmark.h>

#include <Poco/AsyncChannel.h>
#include <Poco/ConsoleChannel.h>
#include <Poco/FormattingChannel.h>
#include <Poco/Logger.h>
#include <Poco/PatternFormatter.h>

#include <fcntl.h>
#include <unistd.h>

#include <mutex>
#include <string>

namespace {

using plugin_host::BufferedAsyncChannel;

constexpr const char* kPattern = plugin_host::DefaultLineFormat::kPattern;
const std::string kText = "Executing first_first,first_second with data: first";  // the seed's line

Poco::Channel::Ptr formatted_console() {
    return new Poco::FormattingChannel(new Poco::PatternFormatter(kPattern), new Poco::ConsoleChannel);
}

Poco::Channel::Ptr buffered(const std::string& format = kPattern) {
    Poco::AutoPtr<BufferedAsyncChannel> channel(new BufferedAsyncChannel);
    channel->setProperty("stream", "stderr");
    channel->setProperty("format", format);
    return channel;
}

/// A logger of its own for one benchmark, writing to `channel`; closes the channel after.
class Bench {
public:
    Bench(const std::string& name, Poco::Channel::Ptr channel)
        : logger_(Poco::Logger::get("bench." + name)), channel_(std::move(channel)) {
        logger_.setChannel(channel_);
        logger_.setLevel(Poco::Message::PRIO_INFORMATION);
    }
    ~Bench() {
        channel_->close();
        logger_.setChannel(nullptr);
    }
    Poco::Logger& logger() { return logger_; }

private:
    Poco::Logger& logger_;
    Poco::Channel::Ptr channel_;
};

void PocoConsoleChannel(benchmark::State& state) {
    Bench bench("console", formatted_console());
    for (auto _ : state) bench.logger().information(kText);
}

void PocoAsyncChannel(benchmark::State& state) {
    Poco::AutoPtr<Poco::AsyncChannel> async(new Poco::AsyncChannel(formatted_console()));
    Bench bench("async", async);
    for (auto _ : state) bench.logger().information(kText);
}

void BufferedChannelThroughPocoLogger(benchmark::State& state) {
    Bench bench("buffered_message", buffered());
    for (auto _ : state) bench.logger().information(kText);
}

void BufferedChannelThroughLogLine(benchmark::State& state) {
    static Bench* bench = nullptr;  // shared by the threads of a run
    if (state.thread_index() == 0) bench = new Bench("buffered_line", buffered());
    for (auto _ : state) plugin_host::log_line(bench->logger(), Poco::Message::PRIO_INFORMATION, kText);
    if (state.thread_index() == 0) {
        delete bench;
        bench = nullptr;
    }
}

void BufferedChannelWithPocoPatternFormatter(benchmark::State& state) {
    Bench bench("buffered_pattern", buffered(std::string(kPattern) + " "));  // not the default: formatted by Poco
    for (auto _ : state) plugin_host::log_line(bench.logger(), Poco::Message::PRIO_INFORMATION, kText);
}

template <typename Mutex>
void ShortCriticalSection(benchmark::State& state) {
    static Mutex mutex;
    static std::string shared;
    for (auto _ : state) {
        std::lock_guard lock(mutex);
        shared.append(kText);
        if (shared.size() > (1 << 20)) shared.clear();
    }
}

}  // namespace

BENCHMARK(PocoConsoleChannel);
BENCHMARK(PocoAsyncChannel);
BENCHMARK(BufferedChannelThroughPocoLogger);
BENCHMARK(BufferedChannelThroughLogLine)->Threads(1)->Threads(2);
BENCHMARK(BufferedChannelWithPocoPatternFormatter);
BENCHMARK(ShortCriticalSection<std::mutex>)->Name("StdMutex")->Threads(2);
BENCHMARK(ShortCriticalSection<plugin_host::SpinningMutex>)->Name("SpinningMutex")->Threads(2);

int main(int argc, char** argv) {
    // The benchmarks' lines go to standard error; the report stays on standard output.
    const int null = ::open("/dev/null", O_WRONLY | O_CLOEXEC);
    ::dup2(null, STDERR_FILENO);
    ::benchmark::Initialize(&argc, argv);
    if (::benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
    ::benchmark::RunSpecifiedBenchmarks();
    ::benchmark::Shutdown();
    return 0;
}
