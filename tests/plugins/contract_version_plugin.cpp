// A plugin that says it was built against the contract CONTRACT_MAJOR.CONTRACT_MINOR (a
// future major, or a newer minor of this one): the host must refuse it, naming both
// versions, before calling any of its code.
#include <plugin_api/endpoint_plugin.hpp>

#if !defined(CONTRACT_MAJOR) || !defined(CONTRACT_MINOR)
#error "CONTRACT_MAJOR and CONTRACT_MINOR must say which contract the plugin claims"
#endif

namespace {

class FuturePlugin final : public plugin_api::EndpointPlugin {
public:
    void register_endpoints(plugin_api::Registrar& registrar) override {
        registrar.add_route("POST", "/future", [](const plugin_api::Request&, plugin_api::Response&) {});
    }
};

std::unique_ptr<plugin_api::EndpointPlugin> create() { return std::make_unique<FuturePlugin>(); }
const std::uint32_t contract_version = CONTRACT_MAJOR;
const std::uint32_t contract_minor = CONTRACT_MINOR;
const char* const abi_tag = plugin_api::kAbiTag;

}  // namespace

BOOST_DLL_ALIAS(create, plugin_api_create)
BOOST_DLL_ALIAS(contract_version, plugin_api_contract_version)
BOOST_DLL_ALIAS(contract_minor, plugin_api_contract_minor)
BOOST_DLL_ALIAS(abi_tag, plugin_api_abi_tag)
