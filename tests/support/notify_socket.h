#pragma once

#include <chrono>
#include <string>
#include <vector>

namespace fsev::test {

// What systemd listens on for Type=notify services: a unix datagram socket
// in a temporary directory. While it lives, $NOTIFY_SOCKET points at it, so
// a daemon started meanwhile reports to it. Removes socket and directory.
class NotifySocket {
  public:
    NotifySocket();
    ~NotifySocket();
    NotifySocket(const NotifySocket &) = delete;
    NotifySocket &operator=(const NotifySocket &) = delete;

    // Waits until a datagram holding the line `assignment` (e.g. "READY=1")
    // arrives; false on timeout. Every datagram seen is kept in received().
    bool wait_for(const std::string &assignment, std::chrono::milliseconds timeout);
    const std::vector<std::string> &received() const { return received_; }

  private:
    std::string directory_;
    std::string path_;
    int fd_ = -1;
    std::vector<std::string> received_;
    size_t checked_ = 0;
};

}  // namespace fsev::test
