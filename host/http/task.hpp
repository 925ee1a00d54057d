#pragma once

#include <coroutine>
#include <exception>
#include <optional>
#include <utility>

namespace plugin_host {

/// The result of a coroutine of the connection layer (ConnectionIo, the request readers,
/// serve_connection() and what it calls), awaited by its caller with co_await.
///
/// Eager: the coroutine runs as soon as it is called, on the caller's thread, like a plain
/// function, until it returns or waits for its connection (EventLoop). One that returns
/// without waiting, the common case (the bytes are already there), costs its caller no
/// suspension at all. One that waits resumes its caller when it returns.
///
/// Why eager, and not the usual lazy task that starts when awaited and hands control to its
/// caller by symmetric transfer: that transfer only keeps the stack flat where the compiler
/// turns it into a tail call, which g++ 12 does at -O2 but not at -O0 or under the
/// sanitizers, where a request of 100,000 small chunks already in the buffer would overflow
/// the stack. Here the stack never holds more than the chain of coroutines that one wait
/// resumes (serve_connection() down to ConnectionIo::fill(), under ten deep).
///
/// Every coroutine of a connection runs on its loop thread (the one resumption per wait
/// comes from there), so a task is never completed on one thread while awaited on another.
template <typename T>
class Task {
public:
    struct promise_type {
        std::optional<T> value;
        std::exception_ptr error;
        std::coroutine_handle<> continuation;  ///< the caller, once it awaits

        Task get_return_object() { return Task(std::coroutine_handle<promise_type>::from_promise(*this)); }
        std::suspend_never initial_suspend() noexcept { return {}; }

        struct Final {
            bool await_ready() noexcept { return false; }
            std::coroutine_handle<> await_suspend(std::coroutine_handle<promise_type> self) noexcept {
                const std::coroutine_handle<> caller = self.promise().continuation;
                return caller ? caller : std::noop_coroutine();
            }
            void await_resume() noexcept {}
        };
        Final final_suspend() noexcept { return {}; }

        template <typename V>
        void return_value(V&& result) {
            value.emplace(std::forward<V>(result));
        }
        void unhandled_exception() { error = std::current_exception(); }
    };

    Task(Task&& other) noexcept : handle_(std::exchange(other.handle_, {})) {}
    Task& operator=(Task&&) = delete;
    Task(const Task&) = delete;
    ~Task() {
        if (handle_) handle_.destroy();
    }

    /// Whether the coroutine has returned (or thrown).
    bool done() const { return handle_.done(); }

    bool await_ready() const noexcept { return handle_.done(); }
    void await_suspend(std::coroutine_handle<> caller) noexcept { handle_.promise().continuation = caller; }
    T await_resume() { return take(); }

    /// The result of a coroutine that has returned; rethrows what it threw.
    T take() {
        promise_type& promise = handle_.promise();
        if (promise.error) std::rethrow_exception(promise.error);
        return std::move(*promise.value);
    }

private:
    explicit Task(std::coroutine_handle<promise_type> handle) : handle_(handle) {}

    std::coroutine_handle<promise_type> handle_;
};

/// A coroutine nobody awaits: a connection's whole life (serve_connection()). It starts
/// at once and frees itself when it returns; it must not throw.
struct Detached {
    struct promise_type {
        Detached get_return_object() noexcept { return {}; }
        std::suspend_never initial_suspend() noexcept { return {}; }
        std::suspend_never final_suspend() noexcept { return {}; }
        void return_void() noexcept {}
        void unhandled_exception() noexcept { std::terminate(); }
    };
};

/// The result of `task` on a connection that never waits for its loop (a ConnectionIo
/// without one, which waits with poll(2) instead): tests and the blocking tools.
template <typename T>
T result_of(Task<T>&& task) {
    if (!task.done()) std::terminate();  // it waits for a loop nobody runs
    return task.take();
}

}  // namespace plugin_host
