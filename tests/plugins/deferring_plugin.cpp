// Answers later (contract 2.2), each way the host must take it:
// - POST /later?status=N: defers, writes a header through the handler's Response before and
//   after, and completes on the repository's timer thread with status N (200 if none) and
//   {"result":"<repository's result>"}; then completes again, which must do nothing.
// - POST /drop: defers and lets the Deferred go on the timer thread without completing it.
// - POST /now: defers and completes before the handler returns; writes after that are ignored.
// - POST /throws: defers, then throws.
// - POST /forever: defers and keeps the Deferred without ever completing it (the host's
//   deferred_timeout_ms answers for it).
#include <plugin_api/endpoint_plugin.hpp>

#include <array>
#include <mutex>
#include <vector>
#include <stdexcept>
#include <string>

namespace {

class DeferringPlugin final : public plugin_api::EndpointPlugin {
public:
    void register_endpoints(plugin_api::Registrar& registrar) override {
        plugin_api::Repository& repository = registrar.repository();
        registrar.add_route("POST", "/later", [&repository](const plugin_api::Request& request, plugin_api::Response& response) {
            const int status = std::stoi(std::string(request.query_parameter("status").value_or("200")));
            response.set_header("X-Written", "before");
            std::shared_ptr<plugin_api::Deferred> later = response.defer();
            response.add_header("X-Written", "after");
            const std::array<std::string, 1> names{"later"};
            repository.call_later(names, std::string(request.body()), [later, status](std::string result) {
                later->response().set_status(status);
                later->response().set_body("{\"result\":\"" + result + "\"}");
                later->complete();
                later->response().set_status(201);  // after complete(): ignored
                later->complete();                   // once: ignored
            });
        });
        registrar.add_route("POST", "/drop", [&repository](const plugin_api::Request&, plugin_api::Response& response) {
            const std::array<std::string, 1> names{"drop"};
            repository.call_later(names, "", [later = response.defer()](const std::string&) {});
        });
        registrar.add_route("POST", "/now", [](const plugin_api::Request&, plugin_api::Response& response) {
            const std::shared_ptr<plugin_api::Deferred> later = response.defer();
            later->response().set_status(202);
            later->complete();
            response.set_status(500);  // after complete(): ignored
        });
        registrar.add_route("POST", "/forever", [this](const plugin_api::Request&, plugin_api::Response& response) {
            const std::lock_guard lock(mutex_);
            kept_.push_back(response.defer());
        });
        registrar.add_route("POST", "/throws", [](const plugin_api::Request&, plugin_api::Response& response) {
            static_cast<void>(response.defer());
            throw std::runtime_error("thrown after deferring");
        });
    }

private:
    std::mutex mutex_;
    std::vector<std::shared_ptr<plugin_api::Deferred>> kept_;  ///< POST /forever's, never completed
};

}  // namespace

PLUGIN_API_EXPORT(DeferringPlugin)
