# plugin_host_add_plugin(<name> <source>...)
#
# Builds an endpoint plugin as a CMake MODULE named <name>.so, against the plugin contract
# (the target PluginHost::plugin_api), compiled so that the host can unload it again:
# hidden visibility, and with GCC no STB_GNU_UNIQUE symbols (-fno-gnu-unique), which would
# make dlclose() a no-op; Boost.DLL on std::filesystem comes with PluginHost::plugin_api.
# Used by this project's own build and by the installed CMake package alike.
function(plugin_host_add_plugin name)
    add_library(${name} MODULE ${ARGN})
    target_link_libraries(${name} PRIVATE PluginHost::plugin_api)
    target_compile_options(${name} PRIVATE $<$<CXX_COMPILER_ID:GNU>:-fno-gnu-unique>)
    set_target_properties(${name} PROPERTIES
        PREFIX ""
        CXX_VISIBILITY_PRESET hidden
        VISIBILITY_INLINES_HIDDEN ON)
endfunction()
