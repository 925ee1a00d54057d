#pragma once

#include "http/connection_gate.hpp"
#include "routing/request_dispatcher.hpp"

#include <Poco/Net/HTTPRequestHandlerFactory.h>

#include <cstddef>

namespace plugin_host {

/// Where a request enters. Poco's HTTPServer calls createRequestHandler() on the
/// connection's pool thread for every request; the handler checks the request's framing,
/// reads the body (at most max_body_bytes, else 413), hands the request to the dispatcher,
/// counts it in the metrics, and writes its response. It reports each step to the
/// connection gate, if there is one (it must outlive the factory), and closes the
/// connection after answering while the gate drains.
class RequestHandlerFactory final : public Poco::Net::HTTPRequestHandlerFactory {
public:
    RequestHandlerFactory(const RequestDispatcher& dispatcher, RequestMetrics& metrics,
                          std::size_t max_body_bytes, ConnectionGate* gate = nullptr);

    Poco::Net::HTTPRequestHandler* createRequestHandler(
        const Poco::Net::HTTPServerRequest& request) override;

private:
    const RequestDispatcher& dispatcher_;
    RequestMetrics& metrics_;
    const std::size_t max_body_bytes_;
    ConnectionGate* const gate_;
};

}  // namespace plugin_host
