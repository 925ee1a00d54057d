#pragma once

#include <unistd.h>

#include <utility>

namespace plugin_host {

/// A file descriptor closed when destroyed, unless take() gave it away first. Above all a
/// connection's, on its way from the acceptor thread to a loop thread in work posted there:
/// the client is closed whether that work ran or the stopping loop dropped it unrun. Also
/// the plugin files PluginImage reads and writes.
class OwnedDescriptor {
public:
    explicit OwnedDescriptor(int descriptor) : descriptor_(descriptor) {}
    ~OwnedDescriptor() {
        if (descriptor_ >= 0) ::close(descriptor_);
    }
    OwnedDescriptor(const OwnedDescriptor&) = delete;
    OwnedDescriptor& operator=(const OwnedDescriptor&) = delete;

    int get() const { return descriptor_; }
    /// The descriptor, now the caller's to close.
    int take() { return std::exchange(descriptor_, -1); }

private:
    int descriptor_;
};

}  // namespace plugin_host
