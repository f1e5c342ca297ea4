#include "support/reservation_stall.h"

#include <cerrno>
#include <system_error>

#include "fsev_test_reservation_stall.skel.h"

namespace fsev::test {

ReservationStall::ReservationStall() {
    skeleton_ = fsev_test_reservation_stall__open_and_load();
    if (!skeleton_)
        throw std::system_error(errno, std::generic_category(), "loading reservation_stall.bpf.o");
    if (int error = fsev_test_reservation_stall__attach(skeleton_); error != 0) {
        fsev_test_reservation_stall__destroy(skeleton_);
        throw std::system_error(-error, std::generic_category(),
                                "attaching reservation_stall.bpf.o");
    }
}

ReservationStall::~ReservationStall() {
    fsev_test_reservation_stall__destroy(skeleton_);
}

void ReservationStall::hold(pid_t tid, std::chrono::milliseconds duration, unsigned count) {
    auto *bss = skeleton_->bss;
    bss->stall_ns = static_cast<__u64>(std::chrono::nanoseconds(duration).count());
    bss->stalls_left = count;
    __atomic_store_n(&bss->stall_tid, static_cast<__u32>(tid), __ATOMIC_SEQ_CST);
}

bool ReservationStall::stalling() const {
    return __atomic_load_n(&skeleton_->bss->stalling, __ATOMIC_SEQ_CST) != 0;
}

unsigned ReservationStall::stalls_done() const {
    return __atomic_load_n(&skeleton_->bss->stalls_done, __ATOMIC_SEQ_CST);
}

}  // namespace fsev::test
