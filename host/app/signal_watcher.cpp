#include "app/signal_watcher.hpp"

#include <pthread.h>

#include <csignal>
#include <cstring>

namespace plugin_host {
namespace {

sigset_t handled_set() {
    sigset_t signals;
    sigemptyset(&signals);
    for (const auto& [signal, meaning] : handled_signals()) sigaddset(&signals, signal);
    return signals;
}

}  // namespace

const std::vector<std::pair<int, SignalMeaning>>& handled_signals() {
    static const std::vector<std::pair<int, SignalMeaning>> signals = [] {
        std::vector<std::pair<int, SignalMeaning>> all{
            {SIGINT, SignalMeaning::stop},         {SIGTERM, SignalMeaning::stop},
            {SIGQUIT, SignalMeaning::stop},        {SIGHUP, SignalMeaning::reload},
            {SIGUSR1, SignalMeaning::reopen_logs}, {SIGUSR2, SignalMeaning::ignored},
            {SIGALRM, SignalMeaning::ignored},     {SIGVTALRM, SignalMeaning::ignored},
            {SIGPROF, SignalMeaning::ignored},     {SIGIO, SignalMeaning::ignored},
            {SIGPWR, SignalMeaning::ignored},      {SIGSTKFLT, SignalMeaning::ignored},
            {SIGXCPU, SignalMeaning::ignored},     {SIGXFSZ, SignalMeaning::ignored},
        };
        // The real-time signals the C library leaves to programs: their default ends the process.
        for (int signal = SIGRTMIN; signal <= SIGRTMAX; ++signal) all.emplace_back(signal, SignalMeaning::ignored);
        return all;
    }();
    return signals;
}

std::string signal_name(int signal) {
    if (signal >= SIGRTMIN && signal <= SIGRTMAX) {
        return signal == SIGRTMIN ? "SIGRTMIN" : "SIGRTMIN+" + std::to_string(signal - SIGRTMIN);
    }
    const char* abbreviation = sigabbrev_np(signal);
    return abbreviation ? std::string("SIG") + abbreviation : "signal " + std::to_string(signal);
}

void block_host_signals() {
    const sigset_t signals = handled_set();
    pthread_sigmask(SIG_BLOCK, &signals, nullptr);
    std::signal(SIGPIPE, SIG_IGN);
}

SignalWatcher::SignalWatcher(Handler on_signal) : on_signal_(std::move(on_signal)), thread_([this] { run(); }) {}

SignalWatcher::~SignalWatcher() {
    stopping_ = true;
    // A handled signal aimed at the thread itself ends its wait; it sees stopping_ and leaves.
    pthread_kill(thread_.native_handle(), SIGUSR2);
    thread_.join();
}

void SignalWatcher::run() {
    const sigset_t signals = handled_set();
    for (;;) {
        int signal = 0;
        if (sigwait(&signals, &signal) != 0) continue;
        if (stopping_) return;
        for (const auto& [number, meaning] : handled_signals()) {
            if (number == signal) on_signal_(signal, meaning);
        }
    }
}

}  // namespace plugin_host
