// The option parser and the main both programs share: option forms, help
// and version, the error messages, and what each outcome prints and exits.
#include "common/command_line.h"

#include <gtest/gtest.h>

#include <stdexcept>

namespace fsev {
namespace {

struct Options {
    bool loud = false;
    uint64_t size = 0;
    std::string name;
};

ParsedArguments<Options> parse(const std::vector<std::string> &arguments) {
    ParsedArguments<Options> parsed;
    OptionTable table;
    table.flag({"-l", "--loud"}, [&] { parsed.options.loud = true; });
    table.number("--size", 1, 10, "a size 1-10",
                 [&](uint64_t size) { parsed.options.size = size; });
    table.value("--name", [&](const std::string &value) {
        if (value.empty()) return std::string("--name needs a name");
        parsed.options.name = value;
        return std::string();
    });
    parsed.parse(arguments, std::move(table));
    return parsed;
}

TEST(OptionTable, FlagsAndValuesInBothForms) {
    auto parsed = parse({"-l", "--size", "3", "--name=x"});
    ASSERT_EQ(parsed.action, CommandAction::run) << parsed.error;
    EXPECT_TRUE(parsed.options.loud);
    EXPECT_EQ(parsed.options.size, 3u);
    EXPECT_EQ(parsed.options.name, "x");
    EXPECT_TRUE(parse({"--loud"}).options.loud);
}

TEST(OptionTable, HelpAndVersionComeWithEveryTable) {
    EXPECT_EQ(parse({"-h"}).action, CommandAction::help);
    EXPECT_EQ(parse({"--help"}).action, CommandAction::help);
    EXPECT_EQ(parse({"-V"}).action, CommandAction::version);
    EXPECT_EQ(parse({"--version"}).action, CommandAction::version);
}

TEST(OptionTable, ErrorsSayWhatWasWrong) {
    EXPECT_EQ(parse({"--size", "11"}).error, "--size '11' is not a size 1-10");
    EXPECT_EQ(parse({"--size=-1"}).error, "--size '-1' is not a size 1-10");
    EXPECT_EQ(parse({"--size"}).error, "--size needs a value");
    EXPECT_EQ(parse({"--name="}).error, "--name needs a name");
    EXPECT_EQ(parse({"--loud=yes"}).error, "unknown option '--loud=yes'");
    auto parsed = parse({"--help", "--bogus"});
    EXPECT_EQ(parsed.action, CommandAction::error);
    EXPECT_EQ(parsed.error, "unknown option '--bogus'");
}

struct Outcome {
    int exit_code;
    std::string out, err;
};

Outcome run(const CommandRequest &request, const std::function<int()> &body) {
    testing::internal::CaptureStdout();
    testing::internal::CaptureStderr();
    int exit_code = run_command(request, "prog", "Usage: prog\n", body);
    std::string out = testing::internal::GetCapturedStdout();
    return {exit_code, out, testing::internal::GetCapturedStderr()};
}

TEST(RunCommand, EachOutcomePrintsAndExitsAsDocumented) {
    bool ran = false;
    auto body = [&] {
        ran = true;
        return 7;
    };
    Outcome help = run(parse({"--help"}), body);
    EXPECT_EQ(help.exit_code, 0);
    EXPECT_EQ(help.out, "Usage: prog\n");
    Outcome version = run(parse({"-V"}), body);
    EXPECT_EQ(version.exit_code, 0);
    EXPECT_EQ(version.out, std::string("prog ") + FSEV_VERSION + "\n");
    Outcome error = run(parse({"--bogus"}), body);
    EXPECT_EQ(error.exit_code, 2);
    EXPECT_EQ(error.err, "prog: unknown option '--bogus'\nUsage: prog\n");
    EXPECT_FALSE(ran);

    EXPECT_EQ(run(parse({}), body).exit_code, 7);
    EXPECT_TRUE(ran);
    Outcome failed = run(parse({}), []() -> int { throw std::runtime_error("no luck"); });
    EXPECT_EQ(failed.exit_code, 1);
    EXPECT_EQ(failed.err, "prog: no luck\n");
}

}  // namespace
}  // namespace fsev
