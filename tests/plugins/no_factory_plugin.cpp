// A plugin that exports the contract version and ABI tag but no factory: the host must
// refuse it for its missing entry point.
#include <plugin_api/endpoint_plugin.hpp>

namespace {

const std::uint32_t contract_version = plugin_api::kContractMajor;
const std::uint32_t contract_minor = plugin_api::kContractMinor;
const char* const abi_tag = plugin_api::kAbiTag;

}  // namespace

BOOST_DLL_ALIAS(contract_version, plugin_api_contract_version)
BOOST_DLL_ALIAS(contract_minor, plugin_api_contract_minor)
BOOST_DLL_ALIAS(abi_tag, plugin_api_abi_tag)
