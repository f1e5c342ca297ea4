#pragma once

#include <chrono>
#include <cstdint>
#include <string>

#include "common/unique_fd.h"

namespace fsev {

// A CLOCK_MONOTONIC timerfd for the event loop: its fd is readable once the
// timer has fired. Created stopped; `purpose` names it in errors
// ("timerfd_create for writer snapshots").
class Timer {
  public:
    explicit Timer(const std::string &purpose);

    int fd() const { return fd_.get(); }
    // Fires every `period`, the first time one period from now.
    void start_every(std::chrono::nanoseconds period);
    // Fires once, `delay` from now (at least 1 ns: a zero time would stop it).
    void start_once(std::chrono::nanoseconds delay);
    void stop();
    // Reads how often it fired since the last call: 0 when it has not (the
    // fd is non-blocking), so a caller woken for another reason goes on.
    uint64_t expirations();

  private:
    void set(std::chrono::nanoseconds first, std::chrono::nanoseconds interval);

    std::string purpose_;
    UniqueFd fd_;
};

}  // namespace fsev
