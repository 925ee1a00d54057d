#include "plugins/plugin_stamp.hpp"

#include "plugins/plugin_file.hpp"

#include <elf.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <limits>
#include <string_view>
#include <vector>

namespace plugin_host {
namespace {

std::string hex(std::uint64_t value) {
    char text[24];
    std::snprintf(text, sizeof text, "0x%llx", static_cast<unsigned long long>(value));
    return text;
}

/// One file, read with pread(): every read is checked against the size the file had when
/// it was opened, and a read that comes up short (the file shrank) is an error too.
class FileReader {
public:
    explicit FileReader(const std::filesystem::path& path) : fd_(::open(path.c_str(), O_RDONLY | O_CLOEXEC)) {
        struct stat status {};
        if (fd_ < 0 || ::fstat(fd_, &status) != 0) {
            const std::string reason = std::strerror(errno);
            if (fd_ >= 0) ::close(fd_);
            throw UnreadableStamp("cannot be read: " + reason);
        }
        size_ = static_cast<std::uint64_t>(status.st_size);
    }
    ~FileReader() { ::close(fd_); }
    FileReader(const FileReader&) = delete;
    FileReader& operator=(const FileReader&) = delete;

    /// Copies the `length` bytes at `offset` to `out`; `what` names them in the error.
    void read(std::uint64_t offset, void* out, std::uint64_t length, const std::string& what) const {
        check_inside(offset, length, what);
        auto* to = static_cast<char*>(out);
        while (length > 0) {
            const ssize_t got = ::pread(fd_, to, length, static_cast<off_t>(offset));
            if (got < 0 && errno == EINTR) continue;
            if (got <= 0) throw UnreadableStamp("cannot be read: it shrank while its " + what + " were read");
            to += got;
            offset += static_cast<std::uint64_t>(got);
            length -= static_cast<std::uint64_t>(got);
        }
    }

    /// The table of `bytes` bytes at `offset`, as entries of T; checked before allocating.
    template <class T>
    std::vector<T> table(std::uint64_t offset, std::uint64_t bytes, const std::string& what) const {
        if (bytes % sizeof(T) != 0) throw UnreadableStamp("is malformed: its " + what + " are not whole entries");
        check_inside(offset, bytes, what);
        std::vector<T> entries(bytes / sizeof(T));
        read(offset, entries.data(), bytes, what);
        return entries;
    }

private:
    void check_inside(std::uint64_t offset, std::uint64_t length, const std::string& what) const {
        if (offset > size_ || length > size_ - offset) {
            throw UnreadableStamp("is truncated: its " + what + " end past the file's " + std::to_string(size_) +
                                  " bytes");
        }
    }

    int fd_;
    std::uint64_t size_ = 0;
};

/// What the dynamic loader would use to fill in an exported pointer, read from the file:
/// the dynamic symbols (.dynsym, found through the section headers), their relocations
/// (the RELA sections that refer to them) and the loadable segments that give addresses
/// their place in the file. Addresses are the file's own, as if loaded at 0.
class DynamicImage {
public:
    explicit DynamicImage(const FileReader& file) : file_(file) {
        Elf64_Ehdr header{};
        file_.read(0, &header, sizeof header, "ELF header");
        if (header.e_ident[EI_CLASS] != ELFCLASS64 || header.e_ident[EI_DATA] != ELFDATA2LSB ||
            (header.e_machine != EM_X86_64 && header.e_machine != EM_AARCH64)) {
            throw UnreadableStamp("is not a 64-bit little-endian x86-64 or AArch64 shared object");
        }
        machine_ = header.e_machine;
        if (header.e_phentsize != sizeof(Elf64_Phdr) || header.e_shentsize != sizeof(Elf64_Shdr)) {
            throw UnreadableStamp("is malformed: its program or section headers are not of ELF64's size");
        }
        segments_ = file_.table<Elf64_Phdr>(header.e_phoff, std::uint64_t{header.e_phnum} * sizeof(Elf64_Phdr),
                                            "program headers");
        const auto sections = file_.table<Elf64_Shdr>(
            header.e_shoff, std::uint64_t{header.e_shnum} * sizeof(Elf64_Shdr), "section headers");
        const auto symbol_table = std::find_if(sections.begin(), sections.end(),
                                               [](const Elf64_Shdr& section) { return section.sh_type == SHT_DYNSYM; });
        if (symbol_table == sections.end()) return;  // it exports nothing
        if (symbol_table->sh_entsize != sizeof(Elf64_Sym) || symbol_table->sh_link >= sections.size() ||
            sections[symbol_table->sh_link].sh_type != SHT_STRTAB) {
            throw UnreadableStamp("is malformed: its dynamic symbol table has no usable names");
        }
        symbols_ = file_.table<Elf64_Sym>(symbol_table->sh_offset, symbol_table->sh_size, "dynamic symbols");
        const Elf64_Shdr& strings = sections[symbol_table->sh_link];
        names_ = file_.table<char>(strings.sh_offset, strings.sh_size, "dynamic symbol names");
        // x86-64 and AArch64 use RELA only: no REL section to read.
        const auto symbol_index = static_cast<std::uint32_t>(symbol_table - sections.begin());
        for (const Elf64_Shdr& section : sections) {
            if (section.sh_type != SHT_RELA || section.sh_link != symbol_index) continue;
            if (section.sh_entsize != sizeof(Elf64_Rela)) throw UnreadableStamp("is malformed: its relocations");
            const auto more = file_.table<Elf64_Rela>(section.sh_offset, section.sh_size, "relocations");
            relocations_.insert(relocations_.end(), more.begin(), more.end());
        }
    }

    /// The dynamic symbol `name` the file defines and dlsym() would find, or nothing.
    const Elf64_Sym* defined_symbol(std::string_view name) const {
        for (std::size_t index = 1; index < symbols_.size(); ++index) {
            const Elf64_Sym& symbol = symbols_[index];
            const unsigned binding = ELF64_ST_BIND(symbol.st_info);
            const unsigned visibility = ELF64_ST_VISIBILITY(symbol.st_other);
            if (symbol.st_shndx == SHN_UNDEF || (binding != STB_GLOBAL && binding != STB_WEAK) ||
                visibility == STV_HIDDEN || visibility == STV_INTERNAL) {
                continue;
            }
            if (name_of(symbol) == name) return &symbol;
        }
        return nullptr;
    }

    /// The address the dynamic loader stores in the pointer at `address`; `what` names it.
    std::uint64_t pointer_at(std::uint64_t address, const std::string& what) const {
        const bool x86 = machine_ == EM_X86_64;
        const std::uint32_t relative = x86 ? R_X86_64_RELATIVE : R_AARCH64_RELATIVE;
        const std::uint32_t absolute = x86 ? R_X86_64_64 : R_AARCH64_ABS64;
        const std::uint32_t global_data = x86 ? R_X86_64_GLOB_DAT : R_AARCH64_GLOB_DAT;
        for (const Elf64_Rela& relocation : relocations_) {
            if (relocation.r_offset != address) continue;
            const std::uint32_t type = ELF64_R_TYPE(relocation.r_info);
            const auto addend = static_cast<std::uint64_t>(relocation.r_addend);
            if (type == relative) return addend;
            if (type != absolute && type != global_data) {
                throw UnreadableStamp("is malformed: " + what + " is filled in by a relocation of type " +
                                      std::to_string(type) + ", which cannot be followed in the file");
            }
            const std::uint64_t index = ELF64_R_SYM(relocation.r_info);
            if (index == 0 || index >= symbols_.size() || symbols_[index].st_shndx == SHN_UNDEF) {
                throw UnreadableStamp("is malformed: " + what + " points to a symbol the file does not define");
            }
            return symbols_[index].st_value + addend;
        }
        // No RELA entry (a packed RELR one adds only the load address, 0 here): the value
        // stored in the file is the address.
        std::uint64_t value = 0;
        read_memory(address, &value, sizeof value, what);
        return value;
    }

    /// Copies the `length` bytes at `address` to `out`: from the file, and zeros where a
    /// segment holds more memory than file (.bss).
    void read_memory(std::uint64_t address, void* out, std::uint64_t length, const std::string& what) const {
        const Elf64_Phdr* segment = segment_holding(address, length);
        if (segment == nullptr) {
            throw UnreadableStamp("is malformed: " + what + " is at " + hex(address) +
                                  ", outside the segments the file loads");
        }
        const std::uint64_t within = address - segment->p_vaddr;
        const std::uint64_t in_file = std::min(segment->p_filesz, segment->p_memsz);
        std::memset(out, 0, length);
        if (within >= in_file) return;
        if (segment->p_offset > std::numeric_limits<std::uint64_t>::max() - within) {
            throw UnreadableStamp("is malformed: " + what + " lies past the end of the file");
        }
        file_.read(segment->p_offset + within, out, std::min(length, in_file - within), what);
    }

    /// The NUL-terminated string at `address`, of at most `limit` bytes.
    std::string string_at(std::uint64_t address, std::size_t limit, const std::string& what) const {
        const Elf64_Phdr* segment = segment_holding(address, 1);
        const std::uint64_t readable = segment ? segment->p_memsz - (address - segment->p_vaddr) : 1;
        std::vector<char> text(static_cast<std::size_t>(std::min<std::uint64_t>(limit + 1, readable)));
        read_memory(address, text.data(), text.size(), what);
        const auto end = std::find(text.begin(), text.end(), '\0');
        if (end == text.end()) {
            throw UnreadableStamp("is malformed: " + what + " is not a string of at most " + std::to_string(limit) +
                                  " bytes");
        }
        return std::string(text.begin(), end);
    }

private:
    /// The loadable segment whose memory holds [address, address + length), or nullptr.
    const Elf64_Phdr* segment_holding(std::uint64_t address, std::uint64_t length) const {
        for (const Elf64_Phdr& segment : segments_) {
            if (segment.p_type != PT_LOAD || address < segment.p_vaddr) continue;
            const std::uint64_t within = address - segment.p_vaddr;
            if (within < segment.p_memsz && length <= segment.p_memsz - within) return &segment;
        }
        return nullptr;
    }

    std::string_view name_of(const Elf64_Sym& symbol) const {
        if (symbol.st_name >= names_.size()) {
            throw UnreadableStamp("is malformed: a dynamic symbol's name lies outside its string table");
        }
        const char* begin = names_.data() + symbol.st_name;
        const void* end = std::memchr(begin, '\0', names_.size() - symbol.st_name);
        if (end == nullptr) throw UnreadableStamp("is malformed: a dynamic symbol's name does not end");
        return {begin, static_cast<std::size_t>(static_cast<const char*>(end) - begin)};
    }

    const FileReader& file_;
    Elf64_Half machine_ = EM_NONE;
    std::vector<Elf64_Phdr> segments_;
    std::vector<Elf64_Sym> symbols_;
    std::vector<char> names_;
    std::vector<Elf64_Rela> relocations_;
};

}  // namespace

PluginStamp read_plugin_stamp(const std::filesystem::path& path) {
    if (const std::string problem = check_shared_object(path); !problem.empty()) throw UnreadableStamp(problem);
    const FileReader file(path);
    const DynamicImage image(file);

    // Each alias is a pointer to the variable PLUGIN_API_EXPORT defines.
    const auto target_of = [&image](const std::string& alias) -> std::optional<std::uint64_t> {
        const Elf64_Sym* symbol = image.defined_symbol(alias);
        if (symbol == nullptr) return std::nullopt;
        return image.pointer_at(symbol->st_value, alias);
    };
    const auto number = [&](const std::string& alias) -> std::optional<std::uint32_t> {
        const std::optional<std::uint64_t> target = target_of(alias);
        if (!target) return std::nullopt;
        std::uint32_t value = 0;
        image.read_memory(*target, &value, sizeof value, alias);
        return value;
    };

    PluginStamp stamp;
    stamp.contract_major = number("plugin_api_contract_version");
    stamp.contract_minor = number("plugin_api_contract_minor");
    if (const std::optional<std::uint64_t> tag = target_of("plugin_api_abi_tag")) {
        // abi_tag is itself a pointer, to the string.
        stamp.abi_tag = image.string_at(image.pointer_at(*tag, "plugin_api_abi_tag"), kMaxAbiTagBytes,
                                        "plugin_api_abi_tag");
    }
    stamp.exports_factory = image.defined_symbol("plugin_api_create") != nullptr;
    return stamp;
}

}  // namespace plugin_host
