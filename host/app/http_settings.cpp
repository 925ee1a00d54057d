#include "app/http_settings.hpp"

namespace plugin_host {

HttpSettings http_settings(const ServerConfig& server) {
    HttpSettings settings;
    settings.keep_alive = server.keep_alive;
    settings.keep_alive_timeout = server.keep_alive_timeout;
    settings.header_timeout = server.header_timeout;
    settings.body_timeout = server.body_timeout;
    settings.receive_timeout = server.receive_timeout;
    settings.deferred_timeout = server.deferred_timeout;
    settings.max_keep_alive_requests = server.max_keep_alive_requests;
    settings.max_body_bytes = server.max_body_bytes;
    settings.head_limits = {server.max_request_line_bytes, server.max_header_field_bytes, server.max_header_fields};
    settings.chunk_limits = {server.max_chunk_line_bytes, server.max_chunk_extensions_bytes,
                             server.max_trailer_field_bytes, server.max_trailer_fields,
                             server.max_trailer_section_bytes};
    return settings;
}

}  // namespace plugin_host
