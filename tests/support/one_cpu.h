#pragma once

// Pins the calling thread (and the processes it forks) to one CPU while it
// lives, then puts its affinity back.
#include <sched.h>

namespace fsev::test {

class OneCpu {
  public:
    // The CPU it runs on now.
    OneCpu() : OneCpu(::sched_getcpu()) {}
    explicit OneCpu(int cpu) {
        ::sched_getaffinity(0, sizeof(saved_), &saved_);
        cpu_set_t one;
        CPU_ZERO(&one);
        CPU_SET(cpu, &one);
        pinned_ = ::sched_setaffinity(0, sizeof(one), &one) == 0;
    }
    ~OneCpu() { ::sched_setaffinity(0, sizeof(saved_), &saved_); }
    OneCpu(const OneCpu &) = delete;
    OneCpu &operator=(const OneCpu &) = delete;
    bool pinned() const { return pinned_; }

  private:
    cpu_set_t saved_{};
    bool pinned_ = false;
};

}  // namespace fsev::test
