#include "support/free_port.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <stdexcept>

namespace fsev::test {

int free_loopback_port() {
    int sock = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (sock < 0) throw std::runtime_error("socket failed");
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof address;
    if (::bind(sock, reinterpret_cast<sockaddr *>(&address), sizeof address) != 0 ||
        ::getsockname(sock, reinterpret_cast<sockaddr *>(&address), &length) != 0) {
        ::close(sock);
        throw std::runtime_error("bind to a free port failed");
    }
    ::close(sock);
    return ntohs(address.sin_port);
}

}  // namespace fsev::test
