#include "support/notify_socket.h"

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <sstream>
#include <stdexcept>

namespace fsev::test {

NotifySocket::NotifySocket() {
    char pattern[] = "/tmp/fsev-notify-XXXXXX";
    if (!::mkdtemp(pattern)) throw std::runtime_error("mkdtemp failed");
    directory_ = pattern;
    path_ = directory_ + "/notify.sock";
    fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    std::strncpy(address.sun_path, path_.c_str(), sizeof address.sun_path - 1);
    if (fd_ < 0 || ::bind(fd_, reinterpret_cast<sockaddr *>(&address), sizeof address) != 0) {
        if (fd_ >= 0) ::close(fd_);
        ::rmdir(directory_.c_str());
        throw std::runtime_error("cannot bind notify socket " + path_);
    }
    ::setenv("NOTIFY_SOCKET", path_.c_str(), 1);
}

NotifySocket::~NotifySocket() {
    ::unsetenv("NOTIFY_SOCKET");
    ::close(fd_);
    ::unlink(path_.c_str());
    ::rmdir(directory_.c_str());
}

bool NotifySocket::wait_for(const std::string &assignment, std::chrono::milliseconds timeout) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (true) {
        for (; checked_ < received_.size(); ++checked_) {
            std::istringstream lines(received_[checked_]);
            std::string line;
            while (std::getline(lines, line))
                if (line == assignment) {
                    ++checked_;
                    return true;
                }
        }
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0) return false;
        pollfd ready{fd_, POLLIN, 0};
        if (::poll(&ready, 1, static_cast<int>(left.count())) <= 0) continue;
        char buffer[4096];
        ssize_t got = ::recv(fd_, buffer, sizeof buffer, 0);
        if (got > 0) received_.emplace_back(buffer, static_cast<size_t>(got));
    }
}

}  // namespace fsev::test
