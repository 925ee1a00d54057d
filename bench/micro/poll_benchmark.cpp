// What finding the ready connections costs an event loop: Poco::Net::PollSet (1.11, the
// layer under SocketReactor) against raw epoll(7), with 10,000 connected sockets registered
// (both ends of 5,000 socketpairs: the hard open-file limit is 20,000) of which 64 are
// readable, level-triggered and never read, so every call finds the same 64.
// - PollSet: one poll(0), which returns a std::map<Socket, int> of the ready sockets, then
//   each ready socket's connection object looked up by descriptor (an unordered_map, the
//   cheapest a PollSet user can do: PollSet carries no user data per socket);
// - epoll: one epoll_wait(0), the connection object's pointer in each event's epoll_data.
// Both report time per call; `per_ready` is the same divided by the 64 ready sockets.
//
// Measured (medians of 5 repetitions, CPU time; 2 shared cores at load average 5, so wall
// time is inflated): PollSet 11.3 µs a call, 177 ns a ready socket; epoll 7.36 µs a call,
// 115 ns a ready socket. Most of either is the kernel's level-triggered epoll_wait; PollSet
// adds about 3.9 µs a call, 61 ns a ready socket (+54 %).
//
// Facts from Poco 1.11.0's source (Net/src/PollSet.cpp, Linux epoll implementation), which
// the numbers reflect:
// - poll() builds a new std::map for its result: a node allocated per ready socket, and each
//   insertion copies a Socket (a reference count taken) and compares Socket objects;
// - it finds each ready socket in a std::map<void*, Socket> of all registered ones (log N
//   per ready socket) although epoll_data already held the SocketImpl*;
// - it takes a FastMutex twice per call; epoll_wait returns at most 1,024 events per call;
// - nothing wakes a poll() blocked in epoll_wait from another thread: no eventfd or pipe,
//   and SocketReactor::wakeUp() only ends the sleep of a reactor with no sockets
//   (Thread::trySleep), so a reactor with sockets sees a change after its timeout (250 ms
//   by default).
#include <Poco/Net/PollSet.h>
#include <Poco/Net/StreamSocket.h>
#include <Poco/Net/StreamSocketImpl.h>

#include <benchmark/benchmark.h>

#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <cstdint>
#include <stdexcept>
#include <unordered_map>
#include <utility>
#include <vector>

namespace {

constexpr std::size_t kPairs = 5'000;  // 10,000 registered sockets
constexpr std::size_t kReady = 64;
constexpr int kMaxEvents = 1024;  // PollSet's own

/// What an event loop keeps per connection; the benchmarks read one field of it.
struct Connection {
    int fd = -1;
    std::uint64_t requests = 0;
};

void raise_open_file_limit() {
    rlimit limit{};
    getrlimit(RLIMIT_NOFILE, &limit);
    limit.rlim_cur = limit.rlim_max;
    setrlimit(RLIMIT_NOFILE, &limit);
}

/// kPairs connected socketpairs, closed on destruction; the first kReady pairs have a byte
/// waiting at their first end, written from the second.
class SocketPairs {
public:
    SocketPairs() {
        raise_open_file_limit();
        ends_.reserve(2 * kPairs);
        for (std::size_t i = 0; i < kPairs; ++i) {
            int pair[2];
            if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, pair) != 0) {
                close_all();
                throw std::runtime_error("socketpair (open-file limit?)");
            }
            ends_.push_back(pair[0]);
            ends_.push_back(pair[1]);
            if (i < kReady && ::send(pair[1], "x", 1, MSG_NOSIGNAL) != 1) throw std::runtime_error("send");
        }
    }
    ~SocketPairs() { close_all(); }
    SocketPairs(const SocketPairs&) = delete;
    SocketPairs& operator=(const SocketPairs&) = delete;

    /// Gives the descriptors away (to Poco sockets, which close them).
    std::vector<int> release() { return std::exchange(ends_, {}); }
    const std::vector<int>& ends() const { return ends_; }

private:
    void close_all() {
        for (const int fd : ends_) ::close(fd);
        ends_.clear();
    }
    std::vector<int> ends_;
};

void report(benchmark::State& state) {
    state.counters["per_ready"] = benchmark::Counter(static_cast<double>(state.iterations() * kReady),
                                                     benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}

void BM_Poll_PocoPollSet(benchmark::State& state) {
    SocketPairs pairs;
    std::vector<Poco::Net::StreamSocket> sockets;
    sockets.reserve(2 * kPairs);
    for (const int fd : pairs.release()) sockets.emplace_back(new Poco::Net::StreamSocketImpl(fd));
    std::vector<Connection> connections(sockets.size());
    std::unordered_map<poco_socket_t, Connection*> by_fd;
    Poco::Net::PollSet poll_set;
    for (std::size_t i = 0; i < sockets.size(); ++i) {
        connections[i].fd = sockets[i].impl()->sockfd();
        by_fd.emplace(connections[i].fd, &connections[i]);
        poll_set.add(sockets[i], Poco::Net::PollSet::POLL_READ);
    }
    const Poco::Timespan no_wait(0);
    for (auto _ : state) {
        const Poco::Net::PollSet::SocketModeMap ready = poll_set.poll(no_wait);
        for (const auto& [socket, mode] : ready) {
            if (mode & Poco::Net::PollSet::POLL_READ) ++by_fd.find(socket.impl()->sockfd())->second->requests;
        }
        if (ready.size() != kReady) {
            state.SkipWithError("not the 64 ready sockets");
            break;
        }
    }
    benchmark::DoNotOptimize(connections.data());
    report(state);
}
BENCHMARK(BM_Poll_PocoPollSet);

void BM_Poll_RawEpoll(benchmark::State& state) {
    SocketPairs pairs;
    std::vector<Connection> connections(pairs.ends().size());
    const int epoll = ::epoll_create1(EPOLL_CLOEXEC);
    if (epoll < 0) {
        state.SkipWithError("epoll_create1");
        return;
    }
    for (std::size_t i = 0; i < connections.size(); ++i) {
        connections[i].fd = pairs.ends()[i];
        epoll_event event{};
        event.events = EPOLLIN;
        event.data.ptr = &connections[i];
        if (::epoll_ctl(epoll, EPOLL_CTL_ADD, connections[i].fd, &event) != 0) {
            ::close(epoll);
            state.SkipWithError("epoll_ctl");
            return;
        }
    }
    std::array<epoll_event, kMaxEvents> events{};
    for (auto _ : state) {
        const int ready = ::epoll_wait(epoll, events.data(), kMaxEvents, 0);
        for (int i = 0; i < ready; ++i) {
            if (events[i].events & EPOLLIN) ++static_cast<Connection*>(events[i].data.ptr)->requests;
        }
        if (ready != static_cast<int>(kReady)) {
            state.SkipWithError("not the 64 ready sockets");
            break;
        }
    }
    benchmark::DoNotOptimize(connections.data());
    ::close(epoll);
    report(state);
}
BENCHMARK(BM_Poll_RawEpoll);

}  // namespace
