#include "seed/sequence_finder.hpp"

#include <Poco/JSON/Handler.h>
#include <Poco/JSON/Parser.h>

#include <memory>

namespace seed {
namespace {

/// Follows the parser's tokens and remembers the value at info.sequence.
class SequenceHandler final : public Poco::JSON::Handler {
public:
    const std::optional<std::string>& sequence() const { return sequence_; }

    void reset() override {
        depth_ = 0;
        in_info_ = false;
        key_at_root_.clear();
        key_in_info_.clear();
        sequence_.reset();
    }

    void startObject() override {
        if (depth_ == 1 && key_at_root_ == "info") {
            assigned();  // a new info object replaces an earlier one
            in_info_ = true;
            key_in_info_.clear();
        } else {
            assigned();
        }
        ++depth_;
    }

    void endObject() override {
        --depth_;
        if (depth_ == 1) in_info_ = false;
    }

    void startArray() override {
        assigned();
        ++depth_;
    }

    void endArray() override { --depth_; }

    void key(const std::string& key) override {
        if (depth_ == 1) key_at_root_ = key;
        if (depth_ == 2 && in_info_) key_in_info_ = key;
    }

    void value(const std::string& value) override {
        if (at_sequence()) {
            sequence_ = value;
        } else {
            assigned();
        }
    }

    void null() override { assigned(); }
    void value(int) override { assigned(); }
    void value(unsigned) override { assigned(); }
    void value(Poco::Int64) override { assigned(); }
    void value(Poco::UInt64) override { assigned(); }
    void value(double) override { assigned(); }
    void value(bool) override { assigned(); }

private:
    bool at_sequence() const { return depth_ == 2 && in_info_ && key_in_info_ == "sequence"; }

    /// Something other than a string is written at the current position: if that is
    /// info.sequence or info itself, the sequence an earlier key gave is overwritten.
    void assigned() {
        if (at_sequence() || (depth_ == 1 && key_at_root_ == "info")) sequence_.reset();
    }

    int depth_ = 0;
    bool in_info_ = false;
    std::string key_at_root_;
    std::string key_in_info_;
    std::optional<std::string> sequence_;
};

}  // namespace

std::optional<std::string> find_sequence(std::string_view json, int max_depth) {
    Poco::SharedPtr<SequenceHandler> handler(new SequenceHandler);
    {
        // On the heap: this is the deepest point of a request (see ExecutionService on the stack budget).
        const auto parser = std::make_unique<Poco::JSON::Parser>(handler);
        parser->setDepth(static_cast<std::size_t>(max_depth));
        parser->parse(std::string(json));
    }
    return handler->sequence();
}

}  // namespace seed
