#include "support/host_command.hpp"

#include "test_paths.hpp"

#include <Poco/Pipe.h>
#include <Poco/PipeStream.h>
#include <Poco/Process.h>
#include <Poco/StreamCopier.h>

#include <fstream>
#include <future>

namespace test_support {

Finished run_host(const std::vector<std::string>& args) {
    Poco::Pipe out;
    Poco::Pipe err;
    Poco::ProcessHandle process = Poco::Process::launch(test_paths::kHostExecutable, args, nullptr, &out, &err);
    Finished finished;
    Poco::PipeInputStream out_stream(out);
    Poco::PipeInputStream err_stream(err);
    auto err_text = std::async(std::launch::async, [&err_stream] {
        std::string text;
        Poco::StreamCopier::copyToString(err_stream, text);
        return text;
    });
    Poco::StreamCopier::copyToString(out_stream, finished.out);
    finished.err = err_text.get();
    finished.exit_code = process.wait();
    return finished;
}

std::filesystem::path write_config(const TempDir& dir, const std::string& text) {
    std::ofstream(dir / "server.ini") << text;
    return dir / "server.ini";
}

}  // namespace test_support
