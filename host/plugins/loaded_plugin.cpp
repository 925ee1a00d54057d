#include "plugins/loaded_plugin.hpp"

namespace plugin_host {

LoadedPlugin::LoadedPlugin(std::string name, std::filesystem::path file, std::uint64_t generation,
                           boost::dll::shared_library library,
                           std::unique_ptr<plugin_api::EndpointPlugin> instance)
    : name_(std::move(name)),
      file_(std::move(file)),
      generation_(generation),
      loaded_at_(std::chrono::system_clock::now()),
      logger_(name_),
      library_(std::move(library)),
      instance_(std::move(instance)) {}

LoadedPlugin::~LoadedPlugin() {
    hooks_ = {};        // plugin code: must go while the library is still mapped
    instance_.reset();
    library_.unload();
}

void LoadedPlugin::open() const {
    {
        std::lock_guard lock(gate_mutex_);
        open_.store(true, std::memory_order_release);
    }
    gate_opened_.notify_all();
}

}  // namespace plugin_host
