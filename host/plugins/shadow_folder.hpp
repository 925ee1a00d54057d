#pragma once

#include "plugins/plugin_trust.hpp"

#include <cstdint>
#include <filesystem>
#include <string>

namespace plugin_host {

/// The server's private folder for plugin images: the copies it maps instead of the
/// published files (see PluginManager). Made on construction, removed with everything in it
/// by discard() or the destructor. Used by the PluginManager under its operation mutex;
/// path() and discard() may be called from any thread.
class ShadowFolder {
public:
    /// Makes a new folder (mode 0700) inside `parent`: mkdtemp() picks an unpredictable name
    /// and fails rather than reuse a folder someone else made. Throws ConfigError naming
    /// [plugins] shadow_dir if it cannot be made or is not private
    /// (PluginTrust::check_private_folder).
    ShadowFolder(const std::filesystem::path& parent, const PluginTrust& trust);
    ~ShadowFolder() { discard(); }

    ShadowFolder(const ShadowFolder&) = delete;
    ShadowFolder& operator=(const ShadowFolder&) = delete;

    const std::filesystem::path& path() const { return path_; }

    /// A path no image has had yet, for a copy of plugin `name`.
    std::filesystem::path next_image(const std::string& name);

    /// Removes the folder and what is in it; mapped images stay mapped.
    void discard() const;

private:
    std::filesystem::path path_;
    std::uint64_t images_made_ = 0;
};

}  // namespace plugin_host
