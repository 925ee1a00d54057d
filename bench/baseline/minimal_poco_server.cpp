// The benchmark's yardsticks: a bare Poco HTTPServer configured like the host (own thread
// pool, keep-alive), no routing, no plugin, no logging, no metrics.
//
//   minimal-poco-server PORT [THREADS [SLEEP_MS]]
//
// Without SLEEP_MS (or with 0) it reads each request's body and answers a fixed JSON body:
// the raw scenario's yardstick for the host's own overhead. With SLEEP_MS > 0 it parses
// each request's body as JSON, sleeps SLEEP_MS on the handling thread like the seed's
// repository, then answers: the seed scenario's yardstick for CPU per request. Each
// keep-alive connection holds one of the THREADS (default 256) while it is open.
//
// Runs until SIGINT or SIGTERM.
#include <Poco/Exception.h>
#include <Poco/JSON/Parser.h>
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

#include <chrono>
#include <csignal>
#include <iostream>
#include <string>
#include <thread>

namespace {

void answer(Poco::Net::HTTPServerResponse& response, const std::string& body) {
    response.setContentType("application/json");
    response.setContentLength(static_cast<std::streamsize>(body.size()));
    response.send() << body;
}

class FixedAnswer final : public Poco::Net::HTTPRequestHandler {
public:
    void handleRequest(Poco::Net::HTTPServerRequest& request, Poco::Net::HTTPServerResponse& response) override {
        Poco::NullOutputStream discard;
        Poco::StreamCopier::copyStream(request.stream(), discard);
        answer(response, R"({"result":"ok"})");
    }
};

class SleepingAnswer final : public Poco::Net::HTTPRequestHandler {
public:
    explicit SleepingAnswer(std::chrono::milliseconds sleep) : sleep_(sleep) {}

    void handleRequest(Poco::Net::HTTPServerRequest& request, Poco::Net::HTTPServerResponse& response) override {
        std::string body;
        Poco::StreamCopier::copyToString(request.stream(), body);
        try {
            Poco::JSON::Parser().parse(body);
        } catch (const Poco::Exception&) {
            response.setStatus(Poco::Net::HTTPResponse::HTTP_BAD_REQUEST);
            answer(response, R"({"error":"the body is not JSON"})");
            return;
        }
        std::this_thread::sleep_for(sleep_);
        answer(response, R"({"result":"ok"})");
    }

private:
    std::chrono::milliseconds sleep_;
};

class AnswerFactory final : public Poco::Net::HTTPRequestHandlerFactory {
public:
    explicit AnswerFactory(int sleep_ms) : sleep_(sleep_ms) {}

    Poco::Net::HTTPRequestHandler* createRequestHandler(const Poco::Net::HTTPServerRequest&) override {
        if (sleep_.count() > 0) {
            return new SleepingAnswer(sleep_);
        }
        return new FixedAnswer;
    }

private:
    std::chrono::milliseconds sleep_;
};

}  // namespace

int main(int argc, char** argv) {
    if (argc < 2) {
        std::cerr << "usage: minimal-poco-server PORT [THREADS [SLEEP_MS]]\n";
        return 64;
    }
    sigset_t stop_signals;
    sigemptyset(&stop_signals);
    sigaddset(&stop_signals, SIGINT);
    sigaddset(&stop_signals, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

    const auto port = static_cast<Poco::UInt16>(std::stoi(argv[1]));
    const int threads = argc > 2 ? std::stoi(argv[2]) : 256;
    const int sleep_ms = argc > 3 ? std::stoi(argv[3]) : 0;
    Poco::ThreadPool pool(threads, threads, 60, 256 * 1024);
    Poco::AutoPtr<Poco::Net::HTTPServerParams> params(new Poco::Net::HTTPServerParams);
    params->setMaxThreads(threads);
    params->setKeepAlive(true);
    Poco::Net::ServerSocket socket(Poco::Net::SocketAddress("127.0.0.1", port), 4096);
    Poco::Net::HTTPServer server(new AnswerFactory(sleep_ms), pool, socket, params);
    server.start();

    int signal = 0;
    sigwait(&stop_signals, &signal);
    server.stopAll(true);
    return 0;
}
