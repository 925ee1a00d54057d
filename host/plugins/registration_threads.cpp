#include "plugins/registration_threads.hpp"

#include <Poco/Logger.h>

#include <dlfcn.h>

#include <condition_variable>
#include <mutex>
#include <system_error>
#include <thread>
#include <utility>

namespace plugin_host {

struct RegistrationThreads::Pending {
    std::string who;  ///< "plugin 'x' (/path/x.so)"
    std::chrono::steady_clock::time_point deadline;
    std::chrono::steady_clock::time_point started;
    // Guarded by Shared::mutex:
    bool done = false;       ///< the load thread has returned, or the load never started
    bool abandoned = false;  ///< the asking thread gave up on it
    Result result;           ///< once done, unless abandoned
    void* pin = nullptr;     ///< the load's own reference to the library, for wait() to give back
};

struct RegistrationThreads::Shared {
    std::mutex mutex;
    std::condition_variable changed;
    bool abandoning = false;
    std::string abandon_reason;
    std::vector<std::shared_ptr<Pending>> abandoned;
};

namespace {

std::string describe(const PluginConfig& config) {
    return "plugin '" + config.name + "' (" + config.library.string() + ")";
}

}  // namespace

RegistrationThreads::RegistrationThreads(std::chrono::milliseconds limit)
    : limit_(limit), shared_(std::make_shared<Shared>()) {}

std::shared_ptr<RegistrationThreads::Pending> RegistrationThreads::start(
    const PluginConfig& config, const std::filesystem::path& image, std::uint64_t generation,
    PluginServices services) {
    auto pending = std::make_shared<Pending>();
    pending->who = describe(config);
    pending->started = std::chrono::steady_clock::now();
    pending->deadline = pending->started + limit_;
    const auto not_started = [&pending](std::string reason) {
        pending->done = true;
        pending->result.refusal = pending->who + ": " + reason;
        return pending;
    };
    {
        std::lock_guard lock(shared_->mutex);
        if (shared_->abandoning) return not_started("not loaded: " + shared_->abandon_reason);
    }
    // Everything the thread uses is its own: it may outlive the manager, the host and this.
    auto run = [shared = shared_, pending, config, image, generation, services = std::move(services)] {
        void* pin = nullptr;
        Result result;
        try {
            result.load = load_plugin(config, image, generation, services, [&pin, &image] {
                pin = ::dlopen(image.c_str(), RTLD_NOW | RTLD_LOCAL | RTLD_NOLOAD);
            });
        } catch (const PluginRefused& refused) {
            result.refusal = refused.what();
        } catch (const std::exception& error) {
            result.refusal = pending->who + ": failed to load: " + error.what();
        } catch (...) {
            result.refusal = pending->who + ": failed to load";
        }
        bool abandoned = false;
        {
            std::lock_guard lock(shared->mutex);
            abandoned = pending->abandoned;
            if (!abandoned) {
                pending->result = std::move(result);
                pending->pin = pin;  // given back by wait(), on the asking thread
            }
            pending->done = true;
        }
        shared->changed.notify_all();
        if (!abandoned) return;
        // Abandoned: `pin` is never given back, so the library stays mapped; what the load
        // made is dropped here, with `result`.
        const auto late = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() -
                                                                                pending->started);
        Poco::Logger::get("host.plugins")
            .warning("The abandoned load of " + pending->who + " returned after " + std::to_string(late.count()) +
                     " ms; nothing of it serves, and its code stays loaded until the process exits");
    };
    std::thread(std::move(run)).detach();  // std::system_error if no thread can be made
    return pending;
}

RegistrationThreads::Result RegistrationThreads::wait(const std::shared_ptr<Pending>& pending) {
    Result result;
    void* pin = nullptr;
    {
        std::unique_lock lock(shared_->mutex);
        shared_->changed.wait_until(lock, pending->deadline, [&] { return pending->done || shared_->abandoning; });
        if (pending->done) {
            result = std::move(pending->result);
            pin = std::exchange(pending->pin, nullptr);
        } else {
            pending->abandoned = true;
            shared_->abandoned.push_back(pending);  // for abandoned_running()
            if (shared_->abandoning) {
                result.refusal = pending->who + ": abandoned while it was loading: " + shared_->abandon_reason;
            } else {
                result.refusal = pending->who +
                                 ": did not finish loading (its library's initialisation, its factory and its "
                                 "register_endpoints()) within " + std::to_string(limit_.count()) +
                                 " ms ([plugins] registration_timeout_ms); abandoned, its code stays loaded";
            }
        }
    }
    // The plugin's own reference keeps its library, if it loaded; a refused one is unloaded
    // here, on the asking thread, as any refused plugin is.
    if (pin) ::dlclose(pin);
    return result;
}

void RegistrationThreads::abandon_all(const std::string& reason) {
    {
        std::lock_guard lock(shared_->mutex);
        if (shared_->abandoning) return;
        shared_->abandoning = true;
        shared_->abandon_reason = reason;
    }
    shared_->changed.notify_all();
}

bool RegistrationThreads::abandoning() const {
    std::lock_guard lock(shared_->mutex);
    return shared_->abandoning;
}

std::vector<std::string> RegistrationThreads::abandoned_running() const {
    std::lock_guard lock(shared_->mutex);
    std::vector<std::string> running;
    for (const auto& pending : shared_->abandoned) {
        if (!pending->done) running.push_back(pending->who);
    }
    return running;
}

}  // namespace plugin_host
