#pragma once

#include <gtest/gtest.h>
#include <sys/types.h>

#include <cstdint>

#include "attribution/writer_windows.h"

namespace fsev::test {

// A writer a test started: its cgroup, its pid and the bytes it wrote.
struct StartedWriter {
    uint64_t cgroup_id = 0;
    pid_t pid = 0;
    uint64_t bytes = 0;
};

// Expects `top` to rank `faster` first and `slower` second, each counted
// within 5 % of what it wrote.
inline void expect_ranked_first_and_second(const TopWriters &top, const StartedWriter &faster,
                                           const StartedWriter &slower) {
    ASSERT_GE(top.writers.size(), 2u);
    const WriterCount *ranked[] = {&top.writers[0], &top.writers[1]};
    const StartedWriter *expected[] = {&faster, &slower};
    for (int i = 0; i < 2; ++i) {
        EXPECT_EQ(ranked[i]->cgroup_id, expected[i]->cgroup_id) << "rank " << i + 1;
        EXPECT_EQ(static_cast<pid_t>(ranked[i]->tgid), expected[i]->pid) << "rank " << i + 1;
        EXPECT_NEAR(static_cast<double>(ranked[i]->bytes), static_cast<double>(expected[i]->bytes),
                    0.05 * static_cast<double>(expected[i]->bytes))
            << "rank " << i + 1;
    }
}

}  // namespace fsev::test
