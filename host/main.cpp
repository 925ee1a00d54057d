#include "app/host_application.hpp"

int main(int argc, char** argv) {
    plugin_host::block_host_signals();  // before any thread exists, so every thread inherits it
    plugin_host::HostApplication application;
    return application.run(argc, argv);
}
