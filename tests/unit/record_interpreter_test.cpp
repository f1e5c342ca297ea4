#include "events/record_interpreter.h"

#include <gtest/gtest.h>
#include <sys/sysmacros.h>

#include <cstring>

#include "model/device.h"

namespace fsev {
namespace {

TraceEntry entry_seven() {
    TraceEntry entry;
    entry.id = 7;
    entry.device = makedev(7, 3);
    entry.types = TRACE_ALL;
    entry.mount_point = "/srv/data";
    return entry;
}

RecordInterpreter interpreter() {
    return RecordInterpreter(
        [](uint32_t trace_id) -> std::optional<TraceEntry> {
            if (trace_id == 7) return entry_seven();
            return std::nullopt;
        },
        [](dev_t) -> std::optional<TraceEntry> { return std::nullopt; });
}

fsev_record thresh_record(uint32_t trace_id) {
    fsev_record record{};
    record.dev = make_kernel_dev(7, 3);
    record.source = FSEV_SRC_DA_RESERVE;
    record.trace_id = trace_id;
    record.event_type = FS_EVENT_THRESH;
    record.event_id = FS_THRESH_UR_REACHED;
    record.direction = FS_EVENT_DIR_FILLING;
    record.available_blocks = 499;
    record.block_size = 4096;
    record.pid = 4242;
    return record;
}

TEST(RecordInterpreter, ACrossingBecomesOneEventWithEveryField) {
    RecordInterpreter events = interpreter();
    auto out = events.interpret(thresh_record(7));
    ASSERT_EQ(out.size(), 1u);
    const Event &event = out[0].event;
    EXPECT_EQ(event.type, FS_EVENT_THRESH);
    EXPECT_EQ(event.id, FS_THRESH_UR_REACHED);
    EXPECT_EQ(event.direction, FS_EVENT_DIR_FILLING);
    EXPECT_EQ(event.trace_id, 7u);
    EXPECT_TRUE(event.has_device);
    EXPECT_EQ(event.dev_major, 7u);
    EXPECT_EQ(event.dev_minor, 3u);
    EXPECT_EQ(event.caused_pid, 4242u);
    EXPECT_EQ(event.available_blocks, 499u);
    EXPECT_EQ(event.block_size, 4096u);
    EXPECT_EQ(event.mount_point, "/srv/data");
    EXPECT_EQ(out[0].suppressed_before, 0u);
}

TEST(RecordInterpreter, RawRecordsAndGoneEntriesBecomeNothing) {
    RecordInterpreter events = interpreter();
    fsev_record raw = thresh_record(0);
    raw.event_type = FS_EVENT_NONE;
    EXPECT_TRUE(events.interpret(raw).empty());
    EXPECT_TRUE(events.interpret(thresh_record(8)).empty()) << "entry 8 was removed meanwhile";
}

TEST(RecordInterpreter, ShutdownKeepsItsIdAndIsRateLimitedLikeErrors) {
    RecordInterpreter events = interpreter();
    fsev_record shutdown = thresh_record(7);
    shutdown.source = FSEV_SRC_SHUTDOWN;
    shutdown.event_type = FS_EVENT_ERR;
    shutdown.event_id = FS_ERR_SHUTDOWN;
    shutdown.direction = FS_EVENT_DIR_NONE;
    size_t let_through = 0;
    for (int i = 0; i < 30; ++i) {
        auto out = events.interpret(shutdown);
        for (const auto &interpreted : out) EXPECT_EQ(interpreted.event.id, FS_ERR_SHUTDOWN);
        let_through += out.size();
    }
    EXPECT_EQ(let_through, 10u) << "a burst of 10, then held back";
    EXPECT_EQ(events.suppressed_errors(), 20u);
}

TEST(RecordInterpreter, ThresholdEventsAreNeverRateLimited) {
    RecordInterpreter events = interpreter();
    size_t let_through = 0;
    for (int i = 0; i < 100; ++i) let_through += events.interpret(thresh_record(7)).size();
    EXPECT_EQ(let_through, 100u);
}

TEST(RecordInterpreter, NameEnospcOfAnUntracedDirectoryBecomesNothing) {
    RecordInterpreter events = interpreter();
    fsev_record record{};
    record.source = FSEV_SRC_SYSCALL_ENOSPC_PATH;
    record.pid = 0;
    record.dirfd = -100;
    std::strcpy(record.path, "/tmp/x");
    EXPECT_TRUE(events.interpret(record).empty());
}

}  // namespace
}  // namespace fsev
