#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>

namespace plugin_host {

/// What identifies one version of a file on disk: replacing it by rename changes the
/// inode, writing it in place changes size or times. ctime cannot be set back by `cp -p`.
struct FileSignature {
    std::uint64_t device = 0;
    std::uint64_t inode = 0;
    std::uint64_t size = 0;
    std::int64_t mtime_ns = 0;
    std::int64_t ctime_ns = 0;

    bool operator==(const FileSignature&) const = default;

    /// When the file last changed (its ctime).
    std::chrono::system_clock::time_point changed_at() const;
};

/// The signature of the regular file at `path`, or nothing if there is none.
std::optional<FileSignature> signature_of(const std::filesystem::path& path);

/// The published file changed while it was being copied; try again once it is quiet.
class FileInMotion : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

/// A private copy of a published plugin file: the host maps only such copies, never the
/// published file, so that a copy written over the published file in place cannot change
/// code the process is running.
struct PluginImage {
    std::filesystem::path path;    ///< the private copy
    FileSignature source;          ///< the published file the copy was taken from
    std::uint64_t fingerprint = 0; ///< of the content, to recognise an unchanged file
};

/// Copies `published` to `copy` (which must not exist) and checks that the published file
/// did not change during the copy. Throws FileInMotion if it did, std::runtime_error if it
/// cannot be read or written.
PluginImage copy_plugin_image(const std::filesystem::path& published, const std::filesystem::path& copy);

/// Checks that `path` is a complete ELF shared object for this process's machine: header,
/// program headers, every segment and the section headers lie inside the file. dlopen() of
/// a truncated file can kill the process with SIGBUS; this catches it first.
/// Returns an empty string if it is fine, else the reason it is not.
std::string check_shared_object(const std::filesystem::path& path);

}  // namespace plugin_host
