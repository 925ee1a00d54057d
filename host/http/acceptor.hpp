#pragma once

#include <Poco/Logger.h>
#include <Poco/Net/ServerSocket.h>

#include <cstdint>
#include <functional>
#include <thread>

namespace plugin_host {

/// Accepts the clients of a listening socket on a thread of its own and hands each new
/// connection's descriptor to `admit`, on that thread; `admit` owns it from then on. It
/// waits with poll(2) on the listening socket and on an eventfd that stop() signals: no
/// wait creates a descriptor, and stopping is immediate. Every connection is accepted with
/// TCP_NODELAY (answers go out in one write).
///
/// When the process is out of descriptors (EMFILE, ENFILE) or memory, the client stays in
/// the kernel's queue; the acceptor says so in the log (at most every ten seconds) and tries
/// again 50 ms later, so it neither spins nor gives up.
///
/// Owned by the Host. The listening socket must outlive it.
class Acceptor {
public:
    using Admit = std::function<void(int descriptor)>;

    /// Starts the thread; throws std::system_error if it cannot, Poco::Exception if the
    /// eventfd cannot be made.
    Acceptor(Poco::Net::ServerSocket& socket, Admit admit, Poco::Logger& logger);
    /// Calls stop().
    ~Acceptor();

    Acceptor(const Acceptor&) = delete;
    Acceptor& operator=(const Acceptor&) = delete;

    /// Stops accepting and joins the thread; clients not accepted yet stay in the kernel's
    /// queue until the listening socket is closed. Idempotent.
    void stop();

private:
    void run();
    /// Accepts every client the kernel's queue holds; false if accepting failed for want of
    /// a resource (the caller waits a little before trying again).
    bool accept_waiting();

    Poco::Net::ServerSocket& socket_;
    const Admit admit_;
    Poco::Logger& logger_;
    int wake_fd_ = -1;
    std::int64_t failure_logged_at_ = 0;  ///< steady-clock seconds; the acceptor thread's only
    std::thread thread_;
};

}  // namespace plugin_host
