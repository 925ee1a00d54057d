#pragma once

#include <filesystem>
#include <string>

namespace plugin_host {

/// Why no folder can be made at or inside `folder`, when the file system says so already:
/// a file stands there or on the way to it, or it lies on a file system of the kernel's
/// (/proc, /sys) where no folder can be made. An empty string otherwise (a folder that does
/// not exist yet is made when needed; a permission problem shows then). For the configuration
/// reader, so that [plugins] shadow_dir is named with its line. Any thread.
std::string why_no_folder_in(const std::filesystem::path& folder);

}  // namespace plugin_host
