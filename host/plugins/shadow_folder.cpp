#include "plugins/shadow_folder.hpp"

#include "config/ini_file.hpp"

#include <stdlib.h>

#include <cerrno>
#include <cstring>
#include <system_error>

namespace plugin_host {

ShadowFolder::ShadowFolder(const std::filesystem::path& parent, const PluginTrust& trust) {
    const auto fail = [&parent](const std::string& problem) {
        return ConfigError("[plugins] shadow_dir: cannot keep private plugin copies in " + parent.string() + ": " +
                           problem);
    };
    std::error_code error;
    std::filesystem::create_directories(parent, error);
    if (error) throw fail(error.message());
    std::string pattern = (parent / "plugin-host-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) throw fail(std::strerror(errno));
    const std::filesystem::path folder = pattern;
    if (const std::string problem = trust.check_private_folder(folder); !problem.empty()) {
        std::filesystem::remove(folder, error);
        throw fail(problem);
    }
    path_ = folder;
}

std::filesystem::path ShadowFolder::next_image(const std::string& name) {
    return path_ / (name + "." + std::to_string(++images_made_) + ".so");
}

void ShadowFolder::discard() const {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
}

}  // namespace plugin_host
