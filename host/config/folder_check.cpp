#include "config/folder_check.hpp"

#include <linux/magic.h>
#include <sys/vfs.h>

namespace plugin_host {

std::string why_no_folder_in(const std::filesystem::path& folder) {
    std::error_code error;
    std::filesystem::path existing = folder;
    while (!std::filesystem::exists(existing, error)) {
        if (existing == existing.parent_path()) return {};
        existing = existing.parent_path();
    }
    if (!std::filesystem::is_directory(existing, error)) {
        return existing == folder ? "\"" + folder.string() + "\" is a file, not a folder"
                                  : "\"" + folder.string() + "\": " + existing.string() + " is a file, not a folder";
    }
    struct statfs file_system {};
    if (::statfs(existing.c_str(), &file_system) != 0) return {};
    if (file_system.f_type == PROC_SUPER_MAGIC) {
        return "\"" + folder.string() + "\" is on /proc, the kernel's view of its processes, where no folder can be made";
    }
    if (file_system.f_type == SYSFS_MAGIC) {
        return "\"" + folder.string() + "\" is on /sys, the kernel's view of its devices, where no folder can be made";
    }
    return {};
}

}  // namespace plugin_host
