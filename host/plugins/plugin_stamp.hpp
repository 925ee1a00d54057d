#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>

namespace plugin_host {

/// What a plugin file says it was built against, in the symbols PLUGIN_API_EXPORT exports.
/// A member is empty when the file does not export its symbol.
struct PluginStamp {
    std::optional<std::uint32_t> contract_major;  ///< plugin_api_contract_version
    std::optional<std::uint32_t> contract_minor;  ///< plugin_api_contract_minor (contract 1 had none)
    std::optional<std::string> abi_tag;           ///< plugin_api_abi_tag
    bool exports_factory = false;                 ///< plugin_api_create
};

/// The file is not a complete shared object for this machine, or its exported symbols
/// cannot be followed inside it. what() reads after the plugin's name: "is truncated: ...".
class UnreadableStamp : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

/// The longest ABI tag read; a longer one is unreadable.
inline constexpr std::size_t kMaxAbiTagBytes = 64;

/// Reads the stamp of the ELF shared object at `path` from the file alone, without mapping
/// it: mapping would run the plugin's static constructors. Each exported alias is a pointer
/// whose value the dynamic loader would fill in; it is followed through the file's dynamic
/// relocations (RELATIVE, or ABS64/GLOB_DAT against a symbol the file defines) and its
/// loadable segments. Checks first what check_shared_object() checks. Every read is checked
/// against the file's size; throws UnreadableStamp for any file that is not complete or
/// whose symbols point where the file has nothing.
/// Called by load_plugin(), on the loading thread, before the library is mapped.
PluginStamp read_plugin_stamp(const std::filesystem::path& path);

}  // namespace plugin_host
