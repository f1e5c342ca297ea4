#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>

namespace fsev::test {

inline bool running_in_ci() {
    const char *ci = std::getenv("CI");
    return ci && std::strcmp(ci, "true") == 0;
}

}  // namespace fsev::test

// Tests that need root and the kernel's BPF: under CI=true a missing
// privilege is a failure; on a developer's laptop the test skips, loudly.
#define FSEV_REQUIRE_ROOT()                                                                    \
    do {                                                                                       \
        if (::geteuid() != 0) {                                                                \
            if (::fsev::test::running_in_ci()) FAIL() << "CI=true but not running as root";    \
            GTEST_SKIP() << "SKIPPED: needs root (loop mounts and BPF); run as root or in CI"; \
        }                                                                                      \
    } while (0)
