#include "services/filter_chain.hpp"

#include "contract/plugin_request.hpp"
#include "contract/plugin_response.hpp"
#include "http/percent_encoding.hpp"
#include "plugins/loaded_plugin.hpp"

#include <Poco/Exception.h>

namespace plugin_host {
namespace {

/// The 500 for a filter that failed, logged with its plugin's name and why.
HttpResponse filter_failed(Poco::Logger& logger, const Filter& filter, const char* hook, const std::string& reason) {
    logger.error("The " + std::string(hook) + "-hook of " + filter.label() + " of plugin '" + filter.plugin_name +
                 "' failed: " + reason);
    return error_response(500, "filter " + filter.plugin_name + " failed");
}

/// Runs one hook into `response`; the reason it failed, or an empty string.
template <typename Hook>
std::string call_hook(const Hook& hook, const PluginRequest& view, HttpResponse& response, bool& answered) {
    PluginResponse answer(response);
    try {
        if constexpr (std::is_same_v<Hook, plugin_api::BeforeHook>) {
            answered = hook(view, answer) == plugin_api::FilterResult::answered;
        } else {
            hook(view, answer);
        }
    } catch (const Poco::Exception& error) {
        return error.displayText();
    } catch (const std::exception& error) {
        return error.what();
    } catch (...) {
        return "a non-standard exception";
    }
    if (!answer.problem().empty()) return answer.problem();
    if (response.status < 200 || response.status > 599) {
        return "it answered the status " + std::to_string(response.status) + ", not one from 200 to 599";
    }
    return {};
}

}  // namespace

std::vector<const Filter*> filters_for(const RouteTable& table, const HttpRequest& request) {
    std::vector<const Filter*> applying;
    std::vector<std::string> segments;
    if (!request.path.starts_with('/') || !decode_path_segments(request.path, segments)) return applying;
    for (const auto& filter : table.filters()) {
        if (filter->applies_to(request.method(), segments)) applying.push_back(filter.get());
    }
    return applying;
}

HttpResponse FilterChain::run(const std::vector<const Filter*>& filters, const HttpRequest& request,
                              const std::function<HttpResponse()>& answer, std::size_t* entered_out) const {
    const PluginRequest::Decoded query = decode_query(request.query).value_or(PluginRequest::Decoded{});
    const std::vector<std::pair<std::string_view, std::string>> no_parameters;
    const PluginRequest view(request, no_parameters, query);

    std::optional<HttpResponse> response;
    std::size_t entered = 0;  // the filters whose after-hooks run: those whose before-hook passed or answered
    for (; entered < filters.size() && !response; ++entered) {
        const Filter& filter = *filters[entered];
        if (!filter.before) continue;
        if (filter.plugin) filter.plugin->wait_until_open();
        HttpResponse early;
        bool answered = false;
        if (const std::string failed = call_hook(filter.before, view, early, answered); !failed.empty()) {
            response = filter_failed(logger_, filter, "before", failed);
            break;  // not entered
        }
        if (answered) response = std::move(early);
    }
    if (!response) response = answer();
    if (response->pending) {  // the after-hooks run when it comes (after())
        if (entered_out) *entered_out = entered;
        return std::move(*response);
    }
    run_after(filters, entered, view, *response);
    return std::move(*response);
}

void FilterChain::after(const std::vector<const Filter*>& entered, const HttpRequest& request,
                        HttpResponse& response) const {
    const PluginRequest::Decoded query = decode_query(request.query).value_or(PluginRequest::Decoded{});
    const std::vector<std::pair<std::string_view, std::string>> no_parameters;
    const PluginRequest view(request, no_parameters, query);
    run_after(entered, entered.size(), view, response);
}

void FilterChain::run_after(const std::vector<const Filter*>& filters, std::size_t count, const PluginRequest& view,
                            HttpResponse& response) const {
    for (std::size_t at = count; at-- > 0;) {
        const Filter& filter = *filters[at];
        if (!filter.after) continue;
        if (filter.plugin) filter.plugin->wait_until_open();
        RequestMetrics::Counters* const counted_as = response.counted_as;
        bool ignored = false;
        if (const std::string failed = call_hook(filter.after, view, response, ignored); !failed.empty()) {
            response = filter_failed(logger_, filter, "after", failed);
        }
        response.counted_as = counted_as;
    }
}

}  // namespace plugin_host
