#pragma once

#include <atomic>
#include <functional>
#include <string>
#include <thread>
#include <vector>

namespace plugin_host {

/// What the process does with a signal it takes itself.
enum class SignalMeaning {
    stop,         ///< SIGINT, SIGTERM, SIGQUIT: drain and exit
    reload,       ///< SIGHUP: re-read the configuration
    reopen_logs,  ///< SIGUSR1: reopen the log files (logrotate's postrotate)
    ignored,      ///< every other signal whose default action would end the process: logged
};

/// Every signal the process takes itself and what it means; docs/operations.md lists the
/// same. Not here: SIGPIPE (ignored outright: a write to a closed socket or pipe fails with
/// EPIPE instead), the crash signals (exit_paths), SIGKILL and SIGSTOP (nobody can take
/// them), and those whose default is to do nothing (SIGCHLD, SIGURG, SIGWINCH, SIGCONT).
const std::vector<std::pair<int, SignalMeaning>>& handled_signals();

/// "SIGTERM", "SIGRTMIN+3": how the log names a signal.
std::string signal_name(int signal);

/// Blocks every handled signal in the calling thread, and so in every thread it starts
/// afterwards, and ignores SIGPIPE: no signal an operator sends can then end the process by
/// its default action, bypassing the exit path. main(), before any thread exists.
void block_host_signals();

/// Takes the handled signals on a thread of its own, with sigwait(), and hands each to
/// `on_signal` on that thread, one at a time. The thread is started by the constructor and
/// stopped by the destructor (called on the thread that made it). block_host_signals() must
/// have run first.
class SignalWatcher {
public:
    using Handler = std::function<void(int signal, SignalMeaning meaning)>;

    explicit SignalWatcher(Handler on_signal);
    ~SignalWatcher();

    SignalWatcher(const SignalWatcher&) = delete;
    SignalWatcher& operator=(const SignalWatcher&) = delete;

private:
    void run();

    Handler on_signal_;
    std::atomic<bool> stopping_{false};
    std::thread thread_;
};

}  // namespace plugin_host
