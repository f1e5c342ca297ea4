#include "common/event_loop.h"

#include <signal.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>

#include "common/system_error.h"

namespace fsev {

EventLoop::EventLoop() : epoll_(::epoll_create1(EPOLL_CLOEXEC)) {
    if (!epoll_.valid()) throw last_system_error("epoll_create1");
    sigset_t termination;
    sigemptyset(&termination);
    sigaddset(&termination, SIGINT);
    sigaddset(&termination, SIGTERM);
    // Blocked in every thread started after this, so only the signalfd sees them.
    if (int err = ::pthread_sigmask(SIG_BLOCK, &termination, nullptr); err)
        throw system_error(err, "block SIGINT/SIGTERM");
    signals_.reset(::signalfd(-1, &termination, SFD_CLOEXEC | SFD_NONBLOCK));
    if (!signals_.valid()) throw last_system_error("signalfd");
    watch(signals_.get(), [this] {
        signalfd_siginfo info{};
        while (::read(signals_.get(), &info, sizeof info) == sizeof info) {
            stop_signal_ = static_cast<int>(info.ssi_signo);
            stopping_ = true;
        }
    });
}

void EventLoop::watch(int fd, Callback on_readable, unsigned events) {
    epoll_event event{};
    event.events = events ? events : EPOLLIN;
    event.data.fd = fd;
    if (::epoll_ctl(epoll_.get(), EPOLL_CTL_ADD, fd, &event) != 0)
        throw last_system_error("epoll_ctl add");
    callbacks_[fd] = std::move(on_readable);
}

void EventLoop::unwatch(int fd) {
    ::epoll_ctl(epoll_.get(), EPOLL_CTL_DEL, fd, nullptr);
    callbacks_.erase(fd);
}

int EventLoop::run() {
    epoll_event ready[16];
    while (!stopping_) {
        int count = ::epoll_wait(epoll_.get(), ready, 16, -1);
        if (count < 0) {
            if (errno == EINTR) continue;
            throw last_system_error("epoll_wait");
        }
        for (int i = 0; i < count && !stopping_; ++i) {
            auto found = callbacks_.find(ready[i].data.fd);
            if (found != callbacks_.end()) found->second();
        }
    }
    return stop_signal_;
}

}  // namespace fsev
