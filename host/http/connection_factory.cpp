#include "http/connection_factory.hpp"

#include <pthread.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cstdint>

namespace plugin_host {
namespace {

/// Destroyed on the pool thread that ran it, in TCPServerDispatcher::run(), once the
/// connection is over.
class StackReleasingConnection final : public HttpConnection {
public:
    using HttpConnection::HttpConnection;
    ~StackReleasingConnection() override { release_unused_stack(); }
};

}  // namespace

ConnectionFactory::ConnectionFactory(const ConnectionContext& context) : context_(context) {}

Poco::Net::TCPServerConnection* ConnectionFactory::createConnection(const Poco::Net::StreamSocket& socket) {
    return new StackReleasingConnection(socket, context_);
}

void release_unused_stack() {
    pthread_attr_t attributes;
    if (pthread_getattr_np(pthread_self(), &attributes) != 0) return;
    void* lowest = nullptr;
    std::size_t size = 0;
    const int got = pthread_attr_getstack(&attributes, &lowest, &size);
    pthread_attr_destroy(&attributes);
    if (got != 0) return;

    static const auto page = static_cast<std::uintptr_t>(sysconf(_SC_PAGESIZE));
    constexpr std::uintptr_t kMargin = 2048;  // for this function's own callees: madvise()
    const auto here = reinterpret_cast<std::uintptr_t>(__builtin_frame_address(0));
    const std::uintptr_t start = (reinterpret_cast<std::uintptr_t>(lowest) + page - 1) & ~(page - 1);
    const std::uintptr_t end = (here - kMargin) & ~(page - 1);  // everything below is unused
    if (end > start) ::madvise(reinterpret_cast<void*>(start), end - start, MADV_DONTNEED);
}

}  // namespace plugin_host
