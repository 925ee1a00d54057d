#include "plugins/plugin_file.hpp"

#include "http/owned_descriptor.hpp"

#include <elf.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <vector>

namespace plugin_host {
namespace {

FileSignature signature_from(const struct stat& status) {
    return FileSignature{static_cast<std::uint64_t>(status.st_dev), static_cast<std::uint64_t>(status.st_ino),
                         static_cast<std::uint64_t>(status.st_size),
                         status.st_mtim.tv_sec * 1'000'000'000LL + status.st_mtim.tv_nsec,
                         status.st_ctim.tv_sec * 1'000'000'000LL + status.st_ctim.tv_nsec};
}

std::uint64_t fnv1a(const std::vector<char>& bytes) {
    std::uint64_t hash = 14695981039346656037ULL;
    for (const char byte : bytes) {
        hash ^= static_cast<unsigned char>(byte);
        hash *= 1099511628211ULL;
    }
    return hash;
}


std::string system_error_text(const std::string& what, const std::filesystem::path& path) {
    return what + " " + path.string() + ": " + std::strerror(errno);
}

/// This process's own ELF identification (class, byte order) and machine.
const Elf64_Ehdr& own_header() {
    static const Elf64_Ehdr header = [] {
        Elf64_Ehdr own{};
        std::ifstream("/proc/self/exe", std::ios::binary).read(reinterpret_cast<char*>(&own), sizeof own);
        return own;
    }();
    return header;
}

}  // namespace

std::chrono::system_clock::time_point FileSignature::changed_at() const {
    return std::chrono::system_clock::time_point(
        std::chrono::duration_cast<std::chrono::system_clock::duration>(std::chrono::nanoseconds(ctime_ns)));
}

std::optional<FileSignature> signature_of(const std::filesystem::path& path) {
    struct stat status {};
    if (::stat(path.c_str(), &status) != 0 || !S_ISREG(status.st_mode)) return std::nullopt;
    return signature_from(status);
}

PluginImage copy_plugin_image(const std::filesystem::path& published, const std::filesystem::path& copy) {
    const OwnedDescriptor in(::open(published.c_str(), O_RDONLY | O_CLOEXEC));
    if (in.get() < 0) throw std::runtime_error(system_error_text("cannot open", published));
    struct stat before {};
    if (::fstat(in.get(), &before) != 0) throw std::runtime_error(system_error_text("cannot stat", published));
    if (!S_ISREG(before.st_mode)) throw std::runtime_error(published.string() + " is not a regular file");

    std::vector<char> bytes(static_cast<std::size_t>(before.st_size));
    std::size_t done = 0;
    while (done < bytes.size()) {
        const ssize_t got = ::read(in.get(), bytes.data() + done, bytes.size() - done);
        if (got < 0 && errno == EINTR) continue;
        if (got < 0) throw std::runtime_error(system_error_text("cannot read", published));
        if (got == 0) break;
        done += static_cast<std::size_t>(got);
    }
    struct stat after {};
    if (::fstat(in.get(), &after) != 0) throw std::runtime_error(system_error_text("cannot stat", published));
    const auto still_published = signature_of(published);
    if (done != bytes.size() || !(signature_from(before) == signature_from(after)) ||
        !still_published || !(*still_published == signature_from(after))) {
        throw FileInMotion(published.string() + " changed while it was being read");
    }

    const OwnedDescriptor out(::open(copy.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600));
    if (out.get() < 0) throw std::runtime_error(system_error_text("cannot create", copy));
    done = 0;
    while (done < bytes.size()) {
        const ssize_t written = ::write(out.get(), bytes.data() + done, bytes.size() - done);
        if (written < 0 && errno == EINTR) continue;
        if (written < 0) throw std::runtime_error(system_error_text("cannot write", copy));
        done += static_cast<std::size_t>(written);
    }
    return PluginImage{copy, signature_from(before), fnv1a(bytes)};
}

std::string check_shared_object(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return "cannot be read";
    in.seekg(0, std::ios::end);
    const auto size = static_cast<std::uint64_t>(in.tellg());
    in.seekg(0);

    Elf64_Ehdr header{};
    if (size < EI_NIDENT || !in.read(reinterpret_cast<char*>(&header), std::min<std::uint64_t>(size, sizeof header))) {
        return "is not an ELF file (" + std::to_string(size) + " bytes)";
    }
    if (std::memcmp(header.e_ident, ELFMAG, SELFMAG) != 0) return "is not an ELF file";
    const Elf64_Ehdr& own = own_header();
    if (header.e_ident[EI_CLASS] != own.e_ident[EI_CLASS] || header.e_ident[EI_DATA] != own.e_ident[EI_DATA] ||
        header.e_machine != own.e_machine) {
        return "is an ELF file for another kind of machine";
    }
    if (size < sizeof header) return "is truncated inside its ELF header";
    if (header.e_type != ET_DYN) return "is an ELF file but not a shared object";

    const auto past_end = [size](std::uint64_t offset, std::uint64_t length) {
        return offset > size || length > size - offset;
    };
    const auto truncated = [size](const std::string& part, std::uint64_t end) {
        return "is truncated: its " + part + " end at byte " + std::to_string(end) + " but the file has " +
               std::to_string(size) + " bytes";
    };
    if (header.e_phentsize != sizeof(Elf64_Phdr) || header.e_phnum == 0) return "has no usable program headers";
    const std::uint64_t program_headers = std::uint64_t{header.e_phnum} * sizeof(Elf64_Phdr);
    if (past_end(header.e_phoff, program_headers)) {
        return truncated("program headers", header.e_phoff + program_headers);
    }
    std::vector<Elf64_Phdr> segments(header.e_phnum);
    in.seekg(static_cast<std::streamoff>(header.e_phoff));
    in.read(reinterpret_cast<char*>(segments.data()), static_cast<std::streamsize>(program_headers));
    for (const Elf64_Phdr& segment : segments) {
        if (past_end(segment.p_offset, segment.p_filesz)) {
            return truncated("segments", segment.p_offset + segment.p_filesz);
        }
    }
    if (header.e_shnum > 0) {
        const std::uint64_t section_headers = std::uint64_t{header.e_shnum} * header.e_shentsize;
        if (past_end(header.e_shoff, section_headers)) {
            return truncated("section headers", header.e_shoff + section_headers);
        }
    }
    return {};
}

}  // namespace plugin_host
