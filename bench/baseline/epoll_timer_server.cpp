// The yardstick of a connection layer without a thread per connection: one thread holds
// every connection in one epoll set and answers each request after the delay with a timer,
// as the seed's repository would, without a thread waiting for it. No routing, no plugin,
// no logging, no metrics; the seed's answer body. What it reaches at seed-12x on this
// machine, beside the host in the same run, is the practical ceiling a connection layer can
// aim for here (bench/run.py, scenario seed-12x).
//
//   epoll-timer-server PORT [DELAY_MS]
//
// HTTP/1.1 only as far as the benchmark needs it: a head up to CRLFCRLF, a Content-Length
// body, keep-alive and pipelining, in order. A POST is answered after DELAY_MS (default
// 2000), anything else at once. Runs until SIGINT or SIGTERM.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <iostream>
#include <queue>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

constexpr std::string_view kAnswer =
    "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 47\r\n\r\n"
    R"({"result":"first_first,first_second Executed"})" "\n";

struct Connection {
    std::string received;
    bool waiting = false;  ///< a request of its is waiting for its timer
};

struct Due {
    Clock::time_point at;
    int descriptor;
    bool operator>(const Due& other) const { return at > other.at; }
};

/// The Content-Length of a head (case-insensitive name), 0 if none.
std::size_t content_length(std::string_view head) {
    for (std::size_t at = 0; (at = head.find('\n', at)) != std::string_view::npos;) {
        ++at;
        constexpr std::string_view name = "content-length:";
        if (head.size() - at < name.size()) break;
        bool same = true;
        for (std::size_t i = 0; i < name.size() && same; ++i) {
            same = static_cast<char>(std::tolower(static_cast<unsigned char>(head[at + i]))) == name[i];
        }
        if (same) return std::strtoul(std::string(head.substr(at + name.size(), 20)).c_str(), nullptr, 10);
    }
    return 0;
}

class Server {
public:
    Server(int listener, int signals, std::chrono::milliseconds delay)
        : listener_(listener), signals_(signals), delay_(delay), epoll_(epoll_create1(EPOLL_CLOEXEC)) {
        watch(listener_);
        watch(signals_);
    }

    void run() {
        std::vector<epoll_event> events(1024);
        for (;;) {
            int timeout = -1;
            if (!timers_.empty()) {
                const auto left = std::chrono::ceil<std::chrono::milliseconds>(timers_.top().at - Clock::now());
                timeout = static_cast<int>(std::max<long long>(0, left.count()));
            }
            const int ready = epoll_wait(epoll_, events.data(), static_cast<int>(events.size()), timeout);
            for (int i = 0; i < ready; ++i) {
                const int descriptor = events[i].data.fd;
                if (descriptor == signals_) return;
                if (descriptor == listener_) {
                    accept_all();
                } else {
                    receive(descriptor);
                }
            }
            answer_due();
        }
    }

private:
    void watch(int descriptor) {
        epoll_event event{};
        event.events = EPOLLIN;
        event.data.fd = descriptor;
        epoll_ctl(epoll_, EPOLL_CTL_ADD, descriptor, &event);
    }

    void accept_all() {
        for (;;) {
            const int descriptor = accept4(listener_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
            if (descriptor < 0) return;
            const int one = 1;
            setsockopt(descriptor, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
            connections_[descriptor];
            watch(descriptor);
        }
    }

    void close_connection(int descriptor) {
        connections_.erase(descriptor);
        close(descriptor);  // leaves the epoll set with it; a timer still due finds no connection
    }

    void receive(int descriptor) {
        const auto found = connections_.find(descriptor);
        if (found == connections_.end()) return;
        char buffer[16384];
        for (;;) {
            const ssize_t got = recv(descriptor, buffer, sizeof buffer, 0);
            if (got > 0) {
                found->second.received.append(buffer, static_cast<std::size_t>(got));
                continue;
            }
            if (got == 0 || (errno != EAGAIN && errno != EWOULDBLOCK)) return close_connection(descriptor);
            break;
        }
        serve(descriptor, found->second);
    }

    /// Answers the complete requests at the front of what the connection sent, in order.
    void serve(int descriptor, Connection& connection) {
        while (!connection.waiting) {
            const std::size_t head_end = connection.received.find("\r\n\r\n");
            if (head_end == std::string::npos) return;
            const std::string_view head(connection.received.data(), head_end);
            const std::size_t length = head_end + 4 + content_length(head);
            if (connection.received.size() < length) return;
            const bool post = head.starts_with("POST ");
            connection.received.erase(0, length);
            if (post) {
                connection.waiting = true;
                timers_.push({Clock::now() + delay_, descriptor});
                return;
            }
            if (!send_answer(descriptor)) return;
        }
    }

    bool send_answer(int descriptor) {
        // The answer is small: the socket's buffer takes it whole, or the client is gone.
        if (send(descriptor, kAnswer.data(), kAnswer.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(kAnswer.size())) {
            close_connection(descriptor);
            return false;
        }
        return true;
    }

    void answer_due() {
        const auto now = Clock::now();
        while (!timers_.empty() && timers_.top().at <= now) {
            const int descriptor = timers_.top().descriptor;
            timers_.pop();
            const auto found = connections_.find(descriptor);
            if (found == connections_.end() || !found->second.waiting) continue;
            found->second.waiting = false;
            if (send_answer(descriptor)) serve(descriptor, connections_.at(descriptor));
        }
    }

    int listener_;
    int signals_;
    std::chrono::milliseconds delay_;
    int epoll_;
    std::unordered_map<int, Connection> connections_;
    std::priority_queue<Due, std::vector<Due>, std::greater<>> timers_;
};

}  // namespace

int main(int argc, char** argv) {
    if (argc < 2) {
        std::cerr << "usage: epoll-timer-server PORT [DELAY_MS]\n";
        return 64;
    }
    rlimit files{};
    getrlimit(RLIMIT_NOFILE, &files);
    files.rlim_cur = files.rlim_max;  // a descriptor a connection, up to the hard limit
    setrlimit(RLIMIT_NOFILE, &files);

    sigset_t stop_signals;
    sigemptyset(&stop_signals);
    sigaddset(&stop_signals, SIGINT);
    sigaddset(&stop_signals, SIGTERM);
    sigprocmask(SIG_BLOCK, &stop_signals, nullptr);
    const int signals = signalfd(-1, &stop_signals, SFD_CLOEXEC);

    const int listener = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    const int one = 1;
    setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(static_cast<std::uint16_t>(std::stoi(argv[1])));
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(listener, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 || listen(listener, 65535) != 0) {
        std::cerr << "epoll-timer-server: cannot listen on port " << argv[1] << '\n';
        return 1;
    }
    Server(listener, signals, std::chrono::milliseconds(argc > 2 ? std::stoi(argv[2]) : 2000)).run();
    return 0;
}
