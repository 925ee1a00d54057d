#include "contract/plugin_code_scope.hpp"

namespace plugin_host {

namespace {
thread_local PluginCodeScope* innermost = nullptr;
}

PluginCodeScope::PluginCodeScope() : outer_(innermost) { innermost = this; }

PluginCodeScope::~PluginCodeScope() {
    innermost = outer_;
    held_.clear();  // with no scope of this one open: a hold dropped by what they free is dropped at once
}

void PluginCodeScope::release(std::shared_ptr<const void> hold) {
    if (innermost != nullptr) innermost->held_.push_back(std::move(hold));
}

}  // namespace plugin_host
