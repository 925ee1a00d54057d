// A plugin built against a future contract version: the host must refuse it before
// calling any of its code.
#include <plugin_api/endpoint_plugin.hpp>

namespace {

class FuturePlugin final : public plugin_api::EndpointPlugin {
public:
    void register_endpoints(plugin_api::Registrar& registrar) override {
        registrar.add_post_endpoint("/future", [](const plugin_api::Payload&) {
            return plugin_api::Reply{200, "{}"};
        });
    }
};

std::unique_ptr<plugin_api::EndpointPlugin> create() { return std::make_unique<FuturePlugin>(); }
const std::uint32_t contract_version = 99;
const char* const abi_tag = plugin_api::kAbiTag;

}  // namespace

BOOST_DLL_ALIAS(create, plugin_api_create)
BOOST_DLL_ALIAS(contract_version, plugin_api_contract_version)
BOOST_DLL_ALIAS(abi_tag, plugin_api_abi_tag)
