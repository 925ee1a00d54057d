#pragma once

#include "http/http_connection.hpp"

#include <Poco/Net/TCPServerConnectionFactory.h>

namespace plugin_host {

/// Makes the TCPServer's connections: an HttpConnection, which, once the connection is over,
/// gives back to the kernel the pages of its pool thread's stack below the point the thread
/// returns to (release_unused_stack()): with one pool thread per connection, the pages a
/// deep request touched would otherwise stay resident in every idle thread.
class ConnectionFactory final : public Poco::Net::TCPServerConnectionFactory {
public:
    explicit ConnectionFactory(const ConnectionContext& context);

    /// Poco's acceptor thread; the connection then runs, and is destroyed, on a pool thread.
    Poco::Net::TCPServerConnection* createConnection(const Poco::Net::StreamSocket& socket) override;

private:
    const ConnectionContext& context_;
};

/// Gives the calling thread's stack pages below its caller's frame (less a margin for the
/// calls it makes itself) back to the kernel: they read as zeros when touched again. Any
/// thread but the main one.
void release_unused_stack();

}  // namespace plugin_host
