#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace plugin_host {

/// Decides which plugin files the host agrees to load. Loading a shared object runs its
/// code with the server's privileges, so a file must come from a plugin folder and nobody
/// but root or the server's own user may have been able to write it, or to swap it for
/// another one:
/// - the file, after resolving symbolic links, lies inside one of the plugin folders (after
///   resolving theirs): the configured `folders`, or by default the folder each configured
///   `library` path names — so a link in a plugin folder cannot lead out of it;
/// - the file and every folder above it, up to `/`, are owned by root or by the server's
///   effective user, and are not writable by group or others; a folder writable by others
///   is accepted if it is sticky (like /tmp: only an entry's owner may rename or remove it).
/// `allow_untrusted_files` turns the second rule off, never the first.
///
/// Immutable; called by the PluginManager on whichever thread loads a plugin.
class PluginTrust {
public:
    struct Settings {
        std::vector<std::filesystem::path> folders;  ///< empty: each library's own folder
        bool allow_untrusted_files = false;
    };

    /// What check() decided.
    struct Decision {
        std::filesystem::path file;  ///< the resolved file to load, if trusted
        std::string refusal;         ///< why not; empty if trusted
    };

    PluginTrust() = default;
    explicit PluginTrust(Settings settings);

    /// Checks the plugin file `library` (as configured). Never throws.
    Decision check(const std::filesystem::path& library) const;

    /// Checks a folder the host writes private plugin copies to: the folder and every
    /// folder above it as above. Returns why it cannot be trusted, or an empty string.
    std::string check_private_folder(const std::filesystem::path& folder) const;

    const Settings& settings() const { return settings_; }

private:
    Settings settings_;
};

}  // namespace plugin_host
