#pragma once

#include "routing/request_dispatcher.hpp"

#include <Poco/Net/HTTPRequestHandlerFactory.h>

#include <cstddef>

namespace plugin_host {

/// Where a request enters. Poco's HTTPServer calls createRequestHandler() on the
/// connection's pool thread for every request; the handler reads the body (at most
/// max_body_bytes, else 413), hands the request to the dispatcher, counts it in the
/// metrics, and writes its response.
class RequestHandlerFactory final : public Poco::Net::HTTPRequestHandlerFactory {
public:
    RequestHandlerFactory(const RequestDispatcher& dispatcher, RequestMetrics& metrics,
                          std::size_t max_body_bytes);

    Poco::Net::HTTPRequestHandler* createRequestHandler(
        const Poco::Net::HTTPServerRequest& request) override;

private:
    const RequestDispatcher& dispatcher_;
    RequestMetrics& metrics_;
    const std::size_t max_body_bytes_;
};

}  // namespace plugin_host
