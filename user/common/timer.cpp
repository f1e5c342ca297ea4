#include "common/timer.h"

#include <sys/timerfd.h>
#include <unistd.h>

#include <algorithm>

#include "common/system_error.h"

namespace fsev {
namespace {

timespec timespec_of(std::chrono::nanoseconds duration) {
    auto seconds = std::chrono::duration_cast<std::chrono::seconds>(duration);
    timespec time{};
    time.tv_sec = seconds.count();
    time.tv_nsec = (duration - seconds).count();
    return time;
}

}  // namespace

Timer::Timer(const std::string &purpose)
    : purpose_(purpose), fd_(::timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC)) {
    if (!fd_.valid()) throw last_system_error("timerfd_create for " + purpose_);
}

void Timer::start_every(std::chrono::nanoseconds period) {
    period = std::max(period, std::chrono::nanoseconds(1));
    set(period, period);
}

void Timer::start_once(std::chrono::nanoseconds delay) {
    set(std::max(delay, std::chrono::nanoseconds(1)), std::chrono::nanoseconds(0));
}

void Timer::stop() {
    set(std::chrono::nanoseconds(0), std::chrono::nanoseconds(0));
}

void Timer::set(std::chrono::nanoseconds first, std::chrono::nanoseconds interval) {
    itimerspec spec{};
    spec.it_value = timespec_of(first);
    spec.it_interval = timespec_of(interval);
    if (::timerfd_settime(fd_.get(), 0, &spec, nullptr) != 0)
        throw last_system_error("timerfd_settime for " + purpose_);
}

uint64_t Timer::expirations() {
    uint64_t count = 0;
    if (::read(fd_.get(), &count, sizeof count) != static_cast<ssize_t>(sizeof count)) return 0;
    return count;
}

}  // namespace fsev
