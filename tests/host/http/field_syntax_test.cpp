// The field syntax the head, the chunked trailers and a plugin's response headers share
// (http/field_syntax.hpp), in-process: what a list in repeated fields holds.
#include "http/field_syntax.hpp"

#include <gtest/gtest.h>

#include <Poco/Net/HTTPRequest.h>

namespace plugin_host {
namespace {

TEST(FieldSyntax, ListElementsSpanRepeatedFieldsInOrderWithoutEmptiesOrWhitespace) {
    Poco::Net::HTTPRequest head;
    head.add("Transfer-Encoding", " gzip ,, ");
    head.add("Other", "x");
    head.add("transfer-encoding", ",\tChunked;q=1");
    EXPECT_EQ(field_values(head, "Transfer-Encoding"),
              (std::vector<std::string_view>{" gzip ,, ", ",\tChunked;q=1"}));
    EXPECT_EQ(list_elements(field_values(head, "Transfer-Encoding")),
              (std::vector<std::string_view>{"gzip", "Chunked;q=1"}));
    EXPECT_TRUE(list_elements(field_values(head, "Absent")).empty());
}

TEST(FieldSyntax, ListsHoldAnElementInAnyCaseAndTellOthersApart) {
    Poco::Net::HTTPRequest head;
    head.add("Connection", "Keep-Alive, ");
    head.add("Connection", "Upgrade");
    EXPECT_TRUE(lists_hold(head, "Connection", "keep-alive"));
    EXPECT_TRUE(lists_hold(head, "connection", "upgrade"));
    EXPECT_FALSE(lists_hold(head, "Connection", "close"));
    EXPECT_FALSE(lists_hold(head, "Connection", "keep"));  // an element, not a prefix of one
    EXPECT_TRUE(lists_hold_other_than(head, "Connection", "keep-alive"));

    Poco::Net::HTTPRequest expects;
    expects.add("Expect", " 100-CONTINUE ,");
    EXPECT_FALSE(lists_hold_other_than(expects, "Expect", "100-continue"));
    EXPECT_FALSE(lists_hold_other_than(expects, "Absent", "100-continue"));
}

}  // namespace
}  // namespace plugin_host
