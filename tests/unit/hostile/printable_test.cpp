// proto::printable: untrusted text reaches a log line or a terminal escaped.
#include "proto/printable.hpp"

#include <gtest/gtest.h>

#include <sstream>
#include <string>

#include "daemon/util/log.hpp"

namespace {

using proto::printable;

TEST(Printable, plainTextPassesUnchanged) {
    EXPECT_EQ(printable("member mgt2 (key SHA256:ab+/=) left"),
              "member mgt2 (key SHA256:ab+/=) left");
    EXPECT_EQ(printable("tab\tkept"), "tab\tkept");
    EXPECT_EQ(printable("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80"),
              "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80");
    EXPECT_EQ(printable(""), "");
}

TEST(Printable, controlCharactersBecomeHexEscapes) {
    EXPECT_EQ(printable("a\nb"), "a\\x0ab");
    EXPECT_EQ(printable("a\r\nINFO forged line"), "a\\x0d\\x0aINFO forged line");
    EXPECT_EQ(printable("\x1b[2J\x1b]0;owned\x07"), "\\x1b[2J\\x1b]0;owned\\x07");
    EXPECT_EQ(printable(std::string("nul\0here", 8)), "nul\\x00here");
    EXPECT_EQ(printable("del\x7f"), "del\\x7f");
}

TEST(Printable, backslashIsEscapedSoEscapesCannotBeForged) {
    EXPECT_EQ(printable("a\\x0ab"), "a\\\\x0ab");
}

TEST(Printable, invalidUtf8AndC1ControlsBecomeHexEscapes) {
    EXPECT_EQ(printable("\xc2\x9b"
                        "31m"),
              "\\xc2\\x9b31m");                                        // C1 CSI as UTF-8
    EXPECT_EQ(printable("\x9b"), "\\x9b");                             // bare C1 byte
    EXPECT_EQ(printable("\xc0\xaf"), "\\xc0\\xaf");                    // overlong '/'
    EXPECT_EQ(printable("\xed\xa0\x80"), "\\xed\\xa0\\x80");           // UTF-16 surrogate
    EXPECT_EQ(printable("\xe2\x82"), "\\xe2\\x82");                    // truncated sequence
    EXPECT_EQ(printable("\xf4\x90\x80\x80"), "\\xf4\\x90\\x80\\x80");  // above U+10FFFF
}

TEST(Printable, logLinesAreEscapedWhateverTheCallSite) {
    testing::internal::CaptureStderr();
    cc::log::warn("join refused: ", "bad\nERROR forged\x1b[0m");
    std::string out = testing::internal::GetCapturedStderr();
    ASSERT_FALSE(out.empty());
    EXPECT_EQ(out.find('\n'), out.size() - 1) << out;  // exactly one line
    EXPECT_NE(out.find("join refused: bad\\x0aERROR forged\\x1b[0m"), std::string::npos) << out;
}

}  // namespace
