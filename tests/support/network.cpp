#include "support/network.h"

#include <arpa/inet.h>
#include <httplib.h>
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

HttpResponse http_get(int port, const std::string &path) {
    httplib::Client client("127.0.0.1", port);
    client.set_connection_timeout(2);
    client.set_read_timeout(10);
    HttpResponse response;
    auto result = client.Get(path);
    if (!result) {
        response.error = httplib::to_string(result.error());
        return response;
    }
    response.status = result->status;
    response.content_type = result->get_header_value("Content-Type");
    response.body = result->body;
    return response;
}

}  // namespace fsev::test
