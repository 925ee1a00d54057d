#include "plugins/plugin_trust.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>

namespace plugin_host {
namespace {

std::string octal_mode(mode_t mode) {
    char text[8];
    std::snprintf(text, sizeof text, "%04o", static_cast<unsigned>(mode & 07777));
    return text;
}

/// Why nobody but root and the server's user may be trusted with `path` (a file, or a folder
/// above a plugin file), or an empty string.
std::string writable_by_others(const std::filesystem::path& path, bool is_folder) {
    struct stat status {};
    if (::lstat(path.c_str(), &status) != 0) return "cannot examine " + path.string() + ": " + std::strerror(errno);
    const uid_t self = ::geteuid();
    const std::string what = is_folder ? "its folder " + path.string() : "the file";
    if (status.st_uid != 0 && status.st_uid != self) {
        return what + " is owned by uid " + std::to_string(status.st_uid) + ", neither root nor the server's user (uid " +
               std::to_string(self) + ")";
    }
    const bool by_group = (status.st_mode & S_IWGRP) != 0;
    const bool by_others = (status.st_mode & S_IWOTH) != 0;
    if ((!by_group && !by_others) || (is_folder && (status.st_mode & S_ISVTX) != 0)) return {};
    return what + " is writable by " + (by_group && by_others ? "its group and others" : by_group ? "its group" : "others") +
           " (mode " + octal_mode(status.st_mode) + ")";
}

/// The same for every folder from `folder` up to the root.
std::string folders_writable_by_others(std::filesystem::path folder) {
    for (;;) {
        if (std::string problem = writable_by_others(folder, true); !problem.empty()) return problem;
        if (folder == folder.root_path() || !folder.has_parent_path()) return {};
        folder = folder.parent_path();
    }
}

bool lies_inside(const std::filesystem::path& file, const std::filesystem::path& folder) {
    const auto [folder_end, file_at] = std::mismatch(folder.begin(), folder.end(), file.begin(), file.end());
    return folder_end == folder.end() && file_at != file.end();
}

std::string list(const std::vector<std::filesystem::path>& folders) {
    std::string text;
    for (const auto& folder : folders) text += (text.empty() ? "" : ", ") + folder.string();
    return text;
}

}  // namespace

PluginTrust::PluginTrust(Settings settings) : settings_(std::move(settings)) {}

PluginTrust::Decision PluginTrust::check(const std::filesystem::path& library) const {
    std::error_code error;
    const std::filesystem::path file = std::filesystem::canonical(library, error);
    if (error) return {{}, "cannot resolve the path: " + error.message()};

    std::vector<std::filesystem::path> folders;
    for (const auto& folder : settings_.folders.empty() ? std::vector{library.parent_path()} : settings_.folders) {
        std::filesystem::path resolved = std::filesystem::canonical(folder, error);
        folders.push_back(error ? folder : std::move(resolved));
    }
    bool inside = false;
    for (const auto& folder : folders) inside = inside || lies_inside(file, folder);
    if (!inside) {
        const std::string where = file == library ? "it" : "it resolves to " + file.string() + ", which";
        return {{}, where + " is outside the plugin folders (" + list(folders) + ")"};
    }

    if (!settings_.allow_untrusted_files) {
        std::string problem = writable_by_others(file, false);
        if (problem.empty()) problem = folders_writable_by_others(file.parent_path());
        if (!problem.empty()) {
            return {{}, "not trusted: " + problem + " ([plugins] allow_untrusted_files = true would accept it)"};
        }
    }
    return {file, {}};
}

std::string PluginTrust::check_private_folder(const std::filesystem::path& folder) const {
    if (settings_.allow_untrusted_files) return {};
    std::error_code error;
    const std::filesystem::path resolved = std::filesystem::canonical(folder, error);
    if (error) return "cannot resolve " + folder.string() + ": " + error.message();
    return folders_writable_by_others(resolved);
}

}  // namespace plugin_host
