#pragma once

#include <Poco/Net/HTTPRequestHandlerFactory.h>
#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/TCPServerConnectionFactory.h>

namespace plugin_host {

/// Makes the TCPServer's connections: Poco's HTTPServerConnection, which serves the
/// connection's requests through `handlers`, then, once the connection is over, gives back
/// to the kernel the pages of its pool thread's stack below the point the thread returns
/// to (release_unused_stack()).
///
/// Why: Poco ends every keep-alive connection by throwing NoMessageException when the
/// client closes it, and unwinding that exception reaches about 8.4 KiB below the top of
/// the thread's stack, a page deeper than requests ever go (see ExecutionService on the
/// stack budget). With one pool thread per connection, 1,500 clients leaving would keep
/// 6 MB of stack pages that nothing uses again.
class ConnectionFactory final : public Poco::Net::TCPServerConnectionFactory {
public:
    ConnectionFactory(Poco::Net::HTTPServerParams::Ptr params, Poco::Net::HTTPRequestHandlerFactory::Ptr handlers);

    /// Poco's acceptor thread; the connection then runs, and is destroyed, on a pool thread.
    Poco::Net::TCPServerConnection* createConnection(const Poco::Net::StreamSocket& socket) override;

private:
    Poco::Net::HTTPServerParams::Ptr params_;
    Poco::Net::HTTPRequestHandlerFactory::Ptr handlers_;
};

/// Gives the calling thread's stack pages below its caller's frame (less a margin for the
/// calls it makes itself) back to the kernel: they read as zeros when touched again. Any
/// thread but the main one.
void release_unused_stack();

}  // namespace plugin_host
