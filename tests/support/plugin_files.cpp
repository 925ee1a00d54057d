#include "support/plugin_files.hpp"

#include <fstream>
#include <set>
#include <sstream>
#include <string>

namespace test_support {

void publish_by_rename(const std::filesystem::path& source, const std::filesystem::path& target) {
    std::filesystem::path temporary = target;
    temporary += ".tmp";
    std::filesystem::copy_file(source, temporary, std::filesystem::copy_options::overwrite_existing);
    std::filesystem::rename(temporary, target);
}

void publish_in_place(const std::filesystem::path& source, const std::filesystem::path& target) {
    std::ifstream in(source, std::ios::binary);
    std::ostringstream bytes;
    bytes << in.rdbuf();
    std::ofstream out(target, std::ios::binary | std::ios::trunc);  // same inode, rewritten
    out << bytes.str();
}

std::size_t mapped_files_under(const std::filesystem::path& folder) {
    std::ifstream maps("/proc/self/maps");
    std::set<std::string> files;
    const std::string prefix = folder.string();
    for (std::string line; std::getline(maps, line);) {
        const auto path_at = line.find('/');
        if (path_at == std::string::npos) continue;
        const std::string path = line.substr(path_at);
        if (path.starts_with(prefix)) files.insert(path);
    }
    return files.size();
}

}  // namespace test_support
