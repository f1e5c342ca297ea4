#include "daemon/options.h"

#include <gtest/gtest.h>

namespace fsev {
namespace {

using Action = ParsedCommandLine::Action;

TEST(CommandLine, NoArgumentsRunsTheDaemon) {
    ParsedCommandLine parsed = parse_command_line({});
    EXPECT_EQ(parsed.action, Action::run);
    EXPECT_FALSE(parsed.options.verbose);
}

TEST(CommandLine, HelpAndVersionInLongAndShortForm) {
    EXPECT_EQ(parse_command_line({"--help"}).action, Action::help);
    EXPECT_EQ(parse_command_line({"-h"}).action, Action::help);
    EXPECT_EQ(parse_command_line({"--version"}).action, Action::version);
    EXPECT_EQ(parse_command_line({"-V"}).action, Action::version);
}

TEST(CommandLine, VerboseIsAnOption) {
    EXPECT_TRUE(parse_command_line({"--verbose"}).options.verbose);
    EXPECT_TRUE(parse_command_line({"-v"}).options.verbose);
}

TEST(CommandLine, UnknownOptionIsAnErrorNamingIt) {
    ParsedCommandLine parsed = parse_command_line({"--frobnicate"});
    EXPECT_EQ(parsed.action, Action::error);
    EXPECT_NE(parsed.error.find("--frobnicate"), std::string::npos);
}

TEST(CommandLine, UsageAndVersionTexts) {
    EXPECT_NE(usage_text().find("--help"), std::string::npos);
    EXPECT_EQ(version_text(), std::string("fsev-bpf ") + FSEV_VERSION + "\n");
}

}  // namespace
}  // namespace fsev
