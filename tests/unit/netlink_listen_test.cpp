// fsev-listen's pure parts: options, the human and JSON lines, sequence gaps.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "listen_options.h"
#include "message_text.h"

namespace fsev {
namespace {

using Action = ParsedListenCommandLine::Action;

TEST(NetlinkListenOptions, DefaultReadsTheDefaultDiscoveryFile) {
    auto parsed = parse_listen_command_line({});
    EXPECT_EQ(parsed.action, Action::run);
    EXPECT_EQ(parsed.options.discovery_file, "/run/fsev/netlink");
    EXPECT_FALSE(parsed.options.json);
    EXPECT_EQ(parsed.options.count, 0u);
}

TEST(NetlinkListenOptions, EveryOption) {
    auto parsed = parse_listen_command_line(
        {"--json", "--count", "3", "--timeout=9", "--rcvbuf", "4096", "--run-dir", "/tmp/r"});
    ASSERT_EQ(parsed.action, Action::run) << parsed.error;
    EXPECT_TRUE(parsed.options.json);
    EXPECT_EQ(parsed.options.count, 3u);
    EXPECT_EQ(parsed.options.timeout_seconds, 9u);
    EXPECT_EQ(parsed.options.receive_buffer, 4096);
    EXPECT_EQ(parsed.options.discovery_file, "/tmp/r/netlink");

    parsed = parse_listen_command_line({"--family-id", "40000", "--group=7"});
    ASSERT_EQ(parsed.action, Action::run) << parsed.error;
    EXPECT_EQ(parsed.options.family_id, 40000);
    EXPECT_EQ(parsed.options.group, 7u);

    EXPECT_EQ(parse_listen_command_line({"--file", "/x/y"}).options.discovery_file, "/x/y");
    EXPECT_EQ(parse_listen_command_line({"--help"}).action, Action::help);
    EXPECT_EQ(parse_listen_command_line({"-V"}).action, Action::version);
}

TEST(NetlinkListenOptions, BadOptionsAreErrors) {
    auto error_of = [](std::vector<std::string> arguments) {
        auto parsed = parse_listen_command_line(arguments);
        EXPECT_EQ(parsed.action, Action::error);
        return parsed.error;
    };
    EXPECT_EQ(error_of({"--group", "32", "--family-id", "40000"}),
              "--group '32' is not a group number 1-31");
    EXPECT_EQ(error_of({"--family-id", "40000"}), "--family-id and --group go together");
    EXPECT_EQ(error_of({"--family-id", "15", "--group", "3"}),
              "--family-id '15' is not a number 16-65535");
    EXPECT_EQ(error_of({"--count", "0"}), "--count '0' is not a positive number");
    EXPECT_EQ(error_of({"--count"}), "--count needs a value");
    EXPECT_EQ(error_of({"--loud"}), "unknown option '--loud'");
    EXPECT_EQ(error_of({"--family-id", "40000", "--group", "3", "--run-dir", "/r"}),
              "give either --family-id/--group or --run-dir/--file, not both");
}

FsEventMessage thresh_message() {
    FsEventMessage message;
    message.sequence = 7;
    message.type = FS_EVENT_THRESH;
    message.fs_id = 1;
    message.dev_major = 7;
    message.dev_minor = 0;
    message.event_id = FS_THRESH_LR_REACHED;
    message.caused_pid = 4242;
    message.data = 9000;
    message.direction = FS_EVENT_DIR_FILLING;
    message.block_size = 4096;
    return message;
}

TEST(NetlinkListenText, HowTheCountWasObtained) {
    FsEventMessage message = thresh_message();
    message.counted_by = FS_EVENT_COUNT_STATFS;
    EXPECT_EQ(human_line(message),
              "THRESH FS_THRESH_LR_REACHED seq=7 fs_id=1 dev=7:0 caused_pid=4242 "
              "available_blocks=9000 direction=filling block_size=4096 count=statfs");
    message.counted_by = FS_EVENT_COUNT_EXACT;
    EXPECT_NE(json_line(message).find(R"("count":"exact")"), std::string::npos)
        << json_line(message);
}

TEST(NetlinkListenText, HumanLines) {
    EXPECT_EQ(human_line(thresh_message()),
              "THRESH FS_THRESH_LR_REACHED seq=7 fs_id=1 dev=7:0 caused_pid=4242 "
              "available_blocks=9000 direction=filling block_size=4096");
    FsEventMessage trace;
    trace.sequence = 1;
    trace.type = FS_EVENT_NEW_TRACE;
    trace.fs_id = 2;
    trace.mount = "/mnt/my disk\\x";
    EXPECT_EQ(human_line(trace), "NEW_TRACE seq=1 fs_id=2 mount=/mnt/my\\040disk\\134x");
    FsEventMessage future;
    future.sequence = 3;
    future.type = 9;
    future.version = 2;
    future.event_id = 0x80000;
    EXPECT_EQ(human_line(future), "TYPE_9 0x80000 seq=3 version=2");
}

TEST(NetlinkListenText, JsonObjects) {
    EXPECT_EQ(json_line(thresh_message()),
              R"({"seq":7,"type":"THRESH","cmd":4,"version":1,"fs_id":1,"dev_major":7,)"
              R"("dev_minor":0,"event":"FS_THRESH_LR_REACHED","id":32,"caused_pid":4242,)"
              R"("available_blocks":9000,"direction":"filling","block_size":4096})");
    FsEventMessage trace;
    trace.sequence = 1;
    trace.type = FS_EVENT_NEW_TRACE;
    trace.fs_id = 2;
    trace.mount = "/mnt/\"quoted\"\n";
    auto parsed = nlohmann::json::parse(json_line(trace));
    EXPECT_EQ(parsed["mount"], "/mnt/\"quoted\"\n");
    EXPECT_EQ(parsed["type"], "NEW_TRACE");
    EXPECT_FALSE(parsed.contains("id"));
    trace.mount = std::string("/mnt/\xff");  // not UTF-8: still one valid JSON line
    EXPECT_NO_THROW(nlohmann::json::parse(json_line(trace)));
}

TEST(NetlinkListenSequence, ReportsGapsAndRestarts) {
    SequenceTracker tracker;
    EXPECT_FALSE(tracker.observe(5));  // joining late is no gap
    EXPECT_FALSE(tracker.observe(6));
    EXPECT_EQ(tracker.observe(9), "sequence gap: 2 message(s) missed (expected 7, got 9)");
    EXPECT_EQ(tracker.missed(), 2u);
    EXPECT_EQ(tracker.observe(1), "sequence went back from 9 to 1: the publisher restarted");
    EXPECT_FALSE(tracker.observe(2));
    EXPECT_EQ(tracker.missed(), 2u);
}

TEST(NetlinkListenSequence, WrapsAround) {
    SequenceTracker tracker;
    EXPECT_FALSE(tracker.observe(0xffffffffu));
    EXPECT_FALSE(tracker.observe(0));
    EXPECT_EQ(tracker.observe(2), "sequence gap: 1 message(s) missed (expected 1, got 2)");
}

}  // namespace
}  // namespace fsev
