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
    EXPECT_EQ(version_line("fsev-bpf"), std::string("fsev-bpf ") + FSEV_VERSION + "\n");
}

}  // namespace
}  // namespace fsev

namespace fsev {
namespace {

TEST(CommandLine, DefaultsAreTheDocumentedOnes) {
    DaemonOptions options = parse_command_line({}).options;
    EXPECT_EQ(options.run_dir, "/run/fsev");
    EXPECT_FALSE(options.config_file.has_value());
    EXPECT_EQ(options.metrics_address, "127.0.0.1:9435");
    EXPECT_EQ(options.genl_group, 0u);
    EXPECT_EQ(options.genl_family_id, 0u);
}

TEST(CommandLine, ValuesInSeparateAndInlineForm) {
    ParsedCommandLine parsed = parse_command_line(
        {"--run-dir", "/tmp/fsev", "--config-file=/etc/fsev.conf", "--metrics-address",
         "[::1]:9999", "--genl-group=25", "--genl-family-id", "4242"});
    ASSERT_EQ(parsed.action, ParsedCommandLine::Action::run) << parsed.error;
    EXPECT_EQ(parsed.options.run_dir, "/tmp/fsev");
    EXPECT_EQ(parsed.options.config_file, "/etc/fsev.conf");
    EXPECT_EQ(parsed.options.metrics_address, "[::1]:9999");
    EXPECT_EQ(parsed.options.genl_group, 25u);
    EXPECT_EQ(parsed.options.genl_family_id, 4242u);
}

TEST(CommandLine, BadValuesAreErrorsThatSayWhy) {
    struct Case {
        std::vector<std::string> arguments;
        std::string message;
    };
    for (const Case &bad : std::vector<Case>{
             {{"--run-dir", "relative"}, "absolute path"},
             {{"--run-dir"}, "needs a value"},
             {{"--genl-group", "0"}, "1-31"},
             {{"--genl-group", "32"}, "1-31"},
             {{"--genl-group", "7x"}, "1-31"},
             {{"--genl-family-id", "15"}, "16-65535"},
             {{"--metrics-address", "9100"}, "HOST:PORT"},
             {{"--metrics-address", "host:0"}, "HOST:PORT"},
             {{"--metrics-address", "::1:80"}, "HOST:PORT"},
         }) {
        ParsedCommandLine parsed = parse_command_line(bad.arguments);
        EXPECT_EQ(parsed.action, ParsedCommandLine::Action::error) << bad.arguments[0];
        EXPECT_NE(parsed.error.find(bad.message), std::string::npos) << parsed.error;
    }
}

}  // namespace
}  // namespace fsev
