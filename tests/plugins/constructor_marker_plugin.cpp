// A plugin that claims contract 99 and whose static constructor leaves a mark: it creates
// the file named by PLUGIN_HOST_TEST_CONSTRUCTOR_MARKER. Mapping a shared object runs its
// static constructors, so the host must refuse this plugin from what the file says, before
// mapping it; the mark shows whether any of its code ran.
#include <plugin_api/endpoint_plugin.hpp>

#include <cstdio>
#include <cstdlib>

namespace {

/// Runs when the library is mapped, before anything the host calls.
struct ConstructorMarker {
    ConstructorMarker() {
        if (const char* path = std::getenv("PLUGIN_HOST_TEST_CONSTRUCTOR_MARKER")) {
            if (std::FILE* mark = std::fopen(path, "w")) {
                std::fputs("the static constructor ran\n", mark);
                std::fclose(mark);
            }
        }
    }
};
const ConstructorMarker marker;

class MarkerPlugin final : public plugin_api::EndpointPlugin {
public:
    void register_endpoints(plugin_api::Registrar& registrar) override {
        registrar.add_route("POST", "/marker", [](const plugin_api::Request&, plugin_api::Response&) {});
    }
};

std::unique_ptr<plugin_api::EndpointPlugin> create() { return std::make_unique<MarkerPlugin>(); }
const std::uint32_t contract_version = 99;
const std::uint32_t contract_minor = 0;
const char* const abi_tag = plugin_api::kAbiTag;

}  // namespace

BOOST_DLL_ALIAS(create, plugin_api_create)
BOOST_DLL_ALIAS(contract_version, plugin_api_contract_version)
BOOST_DLL_ALIAS(contract_minor, plugin_api_contract_minor)
BOOST_DLL_ALIAS(abi_tag, plugin_api_abi_tag)
