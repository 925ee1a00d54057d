// The yardstick for the host's own overhead: a bare Poco HTTPServer configured like the
// host (own thread pool, keep-alive) that reads each request's body and answers a fixed
// JSON body — no routing, no JSON parsing, no plugin, no logging, no metrics.
//
//   minimal-poco-server PORT [THREADS]
//
// Runs until SIGINT or SIGTERM. Used by the benchmark's raw-overhead mode.
#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPRequestHandlerFactory.h>
#include <Poco/Net/HTTPServer.h>
#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/NullStream.h>
#include <Poco/StreamCopier.h>
#include <Poco/ThreadPool.h>

#include <csignal>
#include <iostream>
#include <string>

namespace {

class FixedAnswer final : public Poco::Net::HTTPRequestHandler {
public:
    void handleRequest(Poco::Net::HTTPServerRequest& request, Poco::Net::HTTPServerResponse& response) override {
        Poco::NullOutputStream discard;
        Poco::StreamCopier::copyStream(request.stream(), discard);
        static const std::string body = R"({"result":"ok"})";
        response.setContentType("application/json");
        response.setContentLength(static_cast<std::streamsize>(body.size()));
        response.send() << body;
    }
};

class FixedAnswerFactory final : public Poco::Net::HTTPRequestHandlerFactory {
public:
    Poco::Net::HTTPRequestHandler* createRequestHandler(const Poco::Net::HTTPServerRequest&) override {
        return new FixedAnswer;
    }
};

}  // namespace

int main(int argc, char** argv) {
    if (argc < 2) {
        std::cerr << "usage: minimal-poco-server PORT [THREADS]\n";
        return 64;
    }
    sigset_t stop_signals;
    sigemptyset(&stop_signals);
    sigaddset(&stop_signals, SIGINT);
    sigaddset(&stop_signals, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

    const auto port = static_cast<Poco::UInt16>(std::stoi(argv[1]));
    const int threads = argc > 2 ? std::stoi(argv[2]) : 256;
    Poco::ThreadPool pool(threads, threads, 60, 256 * 1024);
    Poco::AutoPtr<Poco::Net::HTTPServerParams> params(new Poco::Net::HTTPServerParams);
    params->setMaxThreads(threads);
    params->setKeepAlive(true);
    Poco::Net::ServerSocket socket(Poco::Net::SocketAddress("127.0.0.1", port), 4096);
    Poco::Net::HTTPServer server(new FixedAnswerFactory, pool, socket, params);
    server.start();

    int signal = 0;
    sigwait(&stop_signals, &signal);
    server.stopAll(true);
    return 0;
}
