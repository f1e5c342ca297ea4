#pragma once

#include <functional>
#include <map>

#include "common/unique_fd.h"

namespace fsev {

// A single-threaded epoll loop: each registered fd has a callback that runs
// when the fd is readable. SIGINT and SIGTERM (blocked and read through a
// signalfd) stop the loop.
class EventLoop {
  public:
    using Callback = std::function<void()>;

    EventLoop();
    void watch(int fd, Callback on_readable, unsigned events = 0);
    void unwatch(int fd);
    // Runs until stop() or a termination signal; returns the signal number
    // that stopped it, or 0.
    int run();
    void stop() { stopping_ = true; }

  private:
    UniqueFd epoll_;
    UniqueFd signals_;
    std::map<int, Callback> callbacks_;
    bool stopping_ = false;
    int stop_signal_ = 0;
};

}  // namespace fsev
