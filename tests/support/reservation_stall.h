#pragma once

// tests/bpf/reservation_stall.bpf.c, loaded and attached: holds a chosen
// thread inside ext4_da_update_reserve_space() after fsev's hook and
// before ext4 moves its counter, as a hypervisor that stops a virtual CPU
// there would. Load it after fsev's programs so it runs after their hook.
#include <sys/types.h>

#include <chrono>
#include <memory>

struct fsev_test_reservation_stall;

namespace fsev::test {

class ReservationStall {
  public:
    ReservationStall();  // throws std::system_error
    ~ReservationStall();
    ReservationStall(const ReservationStall &) = delete;
    ReservationStall &operator=(const ReservationStall &) = delete;

    // The next `count` reservation updates of thread `tid` are each held
    // for `duration`.
    void hold(pid_t tid, std::chrono::milliseconds duration, unsigned count = 1);
    // True while a thread is held.
    bool stalling() const;
    unsigned stalls_done() const;

  private:
    fsev_test_reservation_stall *skeleton_ = nullptr;
};

}  // namespace fsev::test
