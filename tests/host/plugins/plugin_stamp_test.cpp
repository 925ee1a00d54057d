#include "plugins/plugin_stamp.hpp"

#include <gtest/gtest.h>

#include "support/temp_dir.hpp"
#include "test_paths.hpp"

#include <plugin_api/endpoint_plugin.hpp>

#include <elf.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <fstream>
#include <random>
#include <vector>

namespace plugin_host {
namespace {

#if defined(__aarch64__)
constexpr std::uint32_t kRelative = R_AARCH64_RELATIVE;
constexpr std::uint32_t kAbsolute = R_AARCH64_ABS64;
#else
constexpr std::uint32_t kRelative = R_X86_64_RELATIVE;
constexpr std::uint32_t kAbsolute = R_X86_64_64;
#endif

void write_file(const std::filesystem::path& path, const std::vector<char>& bytes, std::size_t length) {
    std::ofstream(path, std::ios::binary | std::ios::trunc).write(bytes.data(), static_cast<std::streamsize>(length));
}

/// A shared object of a few hundred bytes, laid out by hand: one loadable segment over the
/// whole file; the four aliases PLUGIN_API_EXPORT exports, each a pointer filled in by a
/// RELATIVE relocation, and a fifth symbol a test may point one at instead. A test changes
/// a part, then writes it.
struct TinyPlugin {
    static constexpr std::uint64_t kNames = 0x80, kSymbols = 0x100, kRelocations = 0x200, kData = 0x280,
                                   kSections = 0x380, kSize = kSections + 5 * sizeof(Elf64_Shdr);
    // In kData: the four alias slots, then what they point to.
    static constexpr std::uint64_t kMajor = kData + 0x20, kMinor = kData + 0x24, kAbiVariable = kData + 0x28,
                                   kAbiText = kData + 0x30;
    static constexpr char kNameTable[] =
        "\0plugin_api_contract_version\0plugin_api_contract_minor\0plugin_api_abi_tag\0plugin_api_create\0"
        "tiny_contract_version";

    TinyPlugin() {
        Elf64_Ehdr own{};
        std::ifstream(test_paths::kFirstPlugin, std::ios::binary).read(reinterpret_cast<char*>(&own), sizeof own);
        std::memcpy(header.e_ident, own.e_ident, EI_NIDENT);
        header.e_type = ET_DYN;
        header.e_machine = own.e_machine;
        header.e_version = EV_CURRENT;
        header.e_phoff = sizeof(Elf64_Ehdr);
        header.e_shoff = kSections;
        header.e_ehsize = sizeof(Elf64_Ehdr);
        header.e_phentsize = sizeof(Elf64_Phdr);
        header.e_phnum = 1;
        header.e_shentsize = sizeof(Elf64_Shdr);
        header.e_shnum = 5;
        segment = {PT_LOAD, PF_R | PF_W, 0, 0, 0, kSize, kSize, 0x1000};

        const auto name = [](const char* text) {
            return static_cast<std::uint32_t>(
                std::search(std::begin(kNameTable), std::end(kNameTable), text, text + std::strlen(text) + 1) -
                std::begin(kNameTable));
        };
        const unsigned char object = ELF64_ST_INFO(STB_GLOBAL, STT_OBJECT);
        symbols[1] = {name("plugin_api_contract_version"), object, STV_DEFAULT, 4, kData, 8};
        symbols[2] = {name("plugin_api_contract_minor"), object, STV_DEFAULT, 4, kData + 8, 8};
        symbols[3] = {name("plugin_api_abi_tag"), object, STV_DEFAULT, 4, kData + 16, 8};
        symbols[4] = {name("plugin_api_create"), object, STV_DEFAULT, 4, kData + 24, 8};
        symbols[5] = {name("tiny_contract_version"), object, STV_DEFAULT, 4, kMajor, 4};
        relocations = {{{kData, ELF64_R_INFO(0, kRelative), kMajor},
                        {kData + 8, ELF64_R_INFO(0, kRelative), kMinor},
                        {kData + 16, ELF64_R_INFO(0, kRelative), kAbiVariable},
                        {kData + 24, ELF64_R_INFO(0, kRelative), kMajor},
                        {kAbiVariable, ELF64_R_INFO(0, kRelative), kAbiText}}};
        put(kMajor, std::uint32_t{2});
        put(kMinor, std::uint32_t{0});
        std::memcpy(data.data() + (kAbiText - kData), "tiny/abi", 9);

        sections[1] = {0, SHT_STRTAB, SHF_ALLOC, kNames, kNames, sizeof kNameTable, 0, 0, 1, 0};
        sections[2] = {0, SHT_DYNSYM, SHF_ALLOC, kSymbols, kSymbols, sizeof symbols, 1, 1, 8, sizeof(Elf64_Sym)};
        sections[3] = {0, SHT_RELA, SHF_ALLOC, kRelocations, kRelocations, sizeof relocations, 2, 0, 8,
                       sizeof(Elf64_Rela)};
        sections[4] = {0, SHT_PROGBITS, SHF_ALLOC | SHF_WRITE, kData, kData, data.size(), 0, 0, 8, 0};
    }

    /// Stores `value` at the address `address` in kData.
    template <class T>
    void put(std::uint64_t address, T value) {
        std::memcpy(data.data() + (address - kData), &value, sizeof value);
    }

    std::vector<char> bytes() const {
        std::vector<char> out(kSize);
        const auto place = [&out](std::uint64_t offset, const void* part, std::size_t size) {
            std::memcpy(out.data() + offset, part, size);
        };
        place(0, &header, sizeof header);
        place(sizeof header, &segment, sizeof segment);
        place(kNames, kNameTable, sizeof kNameTable);
        place(kSymbols, symbols.data(), sizeof symbols);
        place(kRelocations, relocations.data(), sizeof relocations);
        place(kData, data.data(), data.size());
        place(kSections, sections.data(), sizeof sections);
        return out;
    }

    std::filesystem::path write(const std::filesystem::path& path) const {
        const std::vector<char> out = bytes();
        write_file(path, out, out.size());
        return path;
    }

    static_assert(sizeof(Elf64_Ehdr) + sizeof(Elf64_Phdr) <= kNames && sizeof kNameTable <= kSymbols - kNames &&
                  6 * sizeof(Elf64_Sym) <= kRelocations - kSymbols &&
                  5 * sizeof(Elf64_Rela) <= kData - kRelocations && kAbiText + kMaxAbiTagBytes + 2 <= kSections);

    Elf64_Ehdr header{};
    Elf64_Phdr segment{};
    std::array<Elf64_Sym, 6> symbols{};
    std::array<Elf64_Rela, 5> relocations{};
    std::array<char, kSections - kData> data{};
    std::array<Elf64_Shdr, 5> sections{};
};

/// What read_plugin_stamp() throws for `file`, or "read" if it reads it.
std::string unreadable(const std::filesystem::path& file) {
    try {
        read_plugin_stamp(file);
    } catch (const UnreadableStamp& error) {
        return error.what();
    }
    return "read";
}

TEST(PluginStamp, TheSeedPluginSaysTheHostsContractAndAbi) {
    const PluginStamp stamp = read_plugin_stamp(test_paths::kFirstPlugin);
    EXPECT_EQ(stamp.contract_major, plugin_api::kContractMajor);
    EXPECT_EQ(stamp.contract_minor, plugin_api::kContractMinor);
    EXPECT_EQ(stamp.abi_tag, std::string(plugin_api::kAbiTag));
    EXPECT_TRUE(stamp.exports_factory);
}

TEST(PluginStamp, AContractOnePluginHasAMajorVersionAndNoMinor) {
    const PluginStamp stamp = read_plugin_stamp(test_paths::kContractV1Plugin);
    EXPECT_EQ(stamp.contract_major, 1u);
    EXPECT_EQ(stamp.contract_minor, std::nullopt);
    EXPECT_EQ(stamp.abi_tag, std::string(plugin_api::kAbiTag));
    EXPECT_TRUE(stamp.exports_factory);
}

TEST(PluginStamp, PluginsClaimingOtherContractsSayWhich) {
    const PluginStamp future = read_plugin_stamp(test_paths::kContractV99Plugin);
    EXPECT_EQ(future.contract_major, 99u);
    EXPECT_EQ(future.contract_minor, 0u);
    const PluginStamp newer = read_plugin_stamp(test_paths::kContractV2_9Plugin);
    EXPECT_EQ(newer.contract_major, 2u);
    EXPECT_EQ(newer.contract_minor, 9u);
}

TEST(PluginStamp, WhatAFileDoesNotExportIsEmpty) {
    const PluginStamp no_factory = read_plugin_stamp(test_paths::kNoFactoryPlugin);
    EXPECT_EQ(no_factory.contract_major, plugin_api::kContractMajor);
    EXPECT_FALSE(no_factory.exports_factory);

    const PluginStamp libm = read_plugin_stamp("/lib/x86_64-linux-gnu/libm.so.6");
    EXPECT_EQ(libm.contract_major, std::nullopt);
    EXPECT_EQ(libm.contract_minor, std::nullopt);
    EXPECT_EQ(libm.abi_tag, std::nullopt);
    EXPECT_FALSE(libm.exports_factory);
}

TEST(PluginStamp, GarbageIsNotAnElfFile) {
    test_support::TempDir dir;
    std::mt19937 random(7);
    std::vector<char> garbage(4096);
    for (char& byte : garbage) byte = static_cast<char>(random());
    write_file(dir / "garbage.so", garbage, garbage.size());
    EXPECT_EQ(unreadable(dir / "garbage.so"), "is not an ELF file");
    EXPECT_EQ(unreadable(dir / "none.so"), "cannot be read");
}

TEST(PluginStamp, EveryTruncationOfAPluginIsAClearError) {
    test_support::TempDir dir;
    std::ifstream in(test_paths::kFirstPlugin, std::ios::binary);
    const std::vector<char> full((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    const std::size_t stride = std::max<std::size_t>(61, full.size() / 500);  // a Debug build's is ten times larger
    for (std::size_t cut = 0; cut < full.size(); cut += cut < 256 ? 1 : stride) {
        write_file(dir / "cut.so", full, cut);
        EXPECT_NE(unreadable(dir / "cut.so"), "read") << "a " << cut << "-byte prefix was read";
    }
}

TEST(PluginStamp, TheHandMadeFileReads) {
    test_support::TempDir dir;
    const PluginStamp stamp = read_plugin_stamp(TinyPlugin().write(dir / "tiny.so"));
    EXPECT_EQ(stamp.contract_major, 2u);
    EXPECT_EQ(stamp.contract_minor, 0u);
    EXPECT_EQ(stamp.abi_tag, "tiny/abi");
    EXPECT_TRUE(stamp.exports_factory);
}

TEST(PluginStamp, ARelocationPointingOutsideTheFileIsAnError) {
    test_support::TempDir dir;
    TinyPlugin tiny;
    tiny.relocations[0].r_addend = 0x10000000;
    EXPECT_EQ(unreadable(tiny.write(dir / "tiny.so")),
              "is malformed: plugin_api_contract_version is at 0x10000000, outside the segments the file loads");

    TinyPlugin straddling;  // its last byte past the segment
    straddling.relocations[1].r_addend = TinyPlugin::kSize - 3;
    EXPECT_EQ(unreadable(straddling.write(dir / "tiny.so")),
              "is malformed: plugin_api_contract_minor is at 0x4bd, outside the segments the file loads");
}

TEST(PluginStamp, AnAbiTagWithoutItsEndIsAnError) {
    test_support::TempDir dir;
    TinyPlugin tiny;
    std::memset(tiny.data.data() + (TinyPlugin::kAbiText - TinyPlugin::kData), 'x', kMaxAbiTagBytes + 1);
    EXPECT_EQ(unreadable(tiny.write(dir / "tiny.so")),
              "is malformed: plugin_api_abi_tag is not a string of at most 64 bytes");

    TinyPlugin at_the_end;  // no end before the segment's
    at_the_end.segment.p_filesz = at_the_end.segment.p_memsz = TinyPlugin::kSections;
    std::memset(at_the_end.data.data() + at_the_end.data.size() - 10, 'x', 10);
    at_the_end.relocations[4].r_addend = TinyPlugin::kSections - 10;
    EXPECT_EQ(unreadable(at_the_end.write(dir / "tiny.so")),
              "is malformed: plugin_api_abi_tag is not a string of at most 64 bytes");
}

TEST(PluginStamp, SymbolTablesOutsideTheFileAreErrors) {
    test_support::TempDir dir;
    TinyPlugin long_table;
    long_table.sections[2].sh_size = 1'000'000 * sizeof(Elf64_Sym);
    EXPECT_EQ(unreadable(long_table.write(dir / "tiny.so")),
              "is truncated: its dynamic symbols end past the file's 1216 bytes");

    TinyPlugin far_name;
    far_name.symbols[1].st_name = 0xffff;
    EXPECT_EQ(unreadable(far_name.write(dir / "tiny.so")),
              "is malformed: a dynamic symbol's name lies outside its string table");

    TinyPlugin bad_link;
    bad_link.sections[2].sh_link = 9;
    EXPECT_EQ(unreadable(bad_link.write(dir / "tiny.so")),
              "is malformed: its dynamic symbol table has no usable names");
}

TEST(PluginStamp, APointerWithoutARelocationHoldsItsAddressInTheFile) {
    test_support::TempDir dir;
    TinyPlugin packed;  // as a packed (RELR) relative relocation leaves it
    packed.relocations[0] = {};
    packed.put(TinyPlugin::kData, TinyPlugin::kMajor);
    EXPECT_EQ(read_plugin_stamp(packed.write(dir / "tiny.so")).contract_major, 2u);
}

TEST(PluginStamp, AnAbsoluteRelocationAgainstADefinedSymbolIsFollowed) {
    test_support::TempDir dir;
    TinyPlugin tiny;
    tiny.relocations[0] = {TinyPlugin::kData, ELF64_R_INFO(5, kAbsolute), 0};
    tiny.put(TinyPlugin::kMajor, std::uint32_t{77});
    EXPECT_EQ(read_plugin_stamp(tiny.write(dir / "tiny.so")).contract_major, 77u);

    tiny.symbols[5].st_shndx = SHN_UNDEF;
    EXPECT_EQ(unreadable(tiny.write(dir / "tiny.so")),
              "is malformed: plugin_api_contract_version points to a symbol the file does not define");
}

TEST(PluginStamp, MemoryBeyondTheFilesPartOfASegmentReadsAsZero) {
    test_support::TempDir dir;
    TinyPlugin tiny;
    tiny.segment.p_memsz = TinyPlugin::kSize + 0x100;
    tiny.relocations[1].r_addend = TinyPlugin::kSize + 0x10;
    EXPECT_EQ(read_plugin_stamp(tiny.write(dir / "tiny.so")).contract_minor, 0u);
}

// Every byte of the hand-made file, cleared, set, or with its low bit flipped: the reader
// reads it or says why, and neither crashes nor reads outside what it read from the file
// (the sanitizer builds check that).
TEST(PluginStamp, AnyOneByteChangeIsReadOrRefused) {
    test_support::TempDir dir;
    const std::vector<char> good = TinyPlugin().bytes();
    for (std::size_t at = 0; at < good.size(); ++at) {
        for (const char value : std::array<char, 3>{'\0', '\xff', static_cast<char>(good[at] ^ 0x01)}) {
            std::vector<char> changed = good;
            changed[at] = value;
            write_file(dir / "tiny.so", changed, changed.size());
            EXPECT_NO_THROW(try { read_plugin_stamp(dir / "tiny.so"); } catch (const UnreadableStamp&) {})
                << "byte " << at << " set to " << int{static_cast<unsigned char>(value)};
        }
    }
}

}  // namespace
}  // namespace plugin_host
