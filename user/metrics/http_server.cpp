#include "metrics/http_server.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <iostream>
#include <list>
#include <map>
#include <vector>

#include "common/system_error.h"

namespace fsev::metrics {

ListenAddress parse_listen_address(const std::string &address) {
    size_t colon = address.rfind(':');
    if (colon == std::string::npos)
        throw std::invalid_argument("metrics address '" + address + "' is not HOST:PORT");
    ListenAddress parsed;
    parsed.host = address.substr(0, colon);
    if (parsed.host.size() >= 2 && parsed.host.front() == '[' && parsed.host.back() == ']')
        parsed.host = parsed.host.substr(1, parsed.host.size() - 2);
    if (parsed.host.empty()) parsed.host = "0.0.0.0";
    try {
        size_t used = 0;
        parsed.port = std::stoi(address.substr(colon + 1), &used);
        if (used != address.size() - colon - 1) throw std::invalid_argument("trailing text");
    } catch (const std::exception &) {
        throw std::invalid_argument("metrics address '" + address + "' has no valid port");
    }
    if (parsed.port < 0 || parsed.port > 65535)
        throw std::invalid_argument("metrics address '" + address + "' has no valid port");
    return parsed;
}

namespace {

using Clock = std::chrono::steady_clock;

struct Connection {
    UniqueFd fd;
    std::string peer;  // the client's address, for the per-peer limit
    Clock::time_point deadline;
    std::string request;
    std::string response;  // non-empty once answered
    size_t sent = 0;
};

std::string peer_address(const sockaddr_storage &address) {
    char text[INET6_ADDRSTRLEN] = "?";
    if (address.ss_family == AF_INET)
        ::inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in &>(address).sin_addr, text,
                    sizeof text);
    else if (address.ss_family == AF_INET6)
        ::inet_ntop(AF_INET6, &reinterpret_cast<const sockaddr_in6 &>(address).sin6_addr, text,
                    sizeof text);
    return text;
}

std::string http_response(int status, const char *reason, const std::string &content_type,
                          const std::string &body, bool head_only) {
    std::string response =
        "HTTP/1.1 " + std::to_string(status) + " " + reason + "\r\nContent-Type: " + content_type +
        "\r\nContent-Length: " + std::to_string(body.size()) + "\r\nConnection: close\r\n";
    if (status == 405) response += "Allow: GET, HEAD\r\n";
    response += "\r\n";
    if (!head_only) response += body;
    return response;
}

}  // namespace

HttpServer::HttpServer(const std::string &address, std::function<std::string()> metrics_text,
                       const HttpLimits &limits)
    : metrics_text_(std::move(metrics_text)), limits_(limits) {
    ListenAddress listen = parse_listen_address(address);
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
    addrinfo *found = nullptr;
    std::string port_text = std::to_string(listen.port);
    if (int error = ::getaddrinfo(listen.host.c_str(), port_text.c_str(), &hints, &found))
        throw system_error(EADDRNOTAVAIL,
                           "serve metrics on " + address + ": " + ::gai_strerror(error));
    std::unique_ptr<addrinfo, decltype(&::freeaddrinfo)> owner(found, ::freeaddrinfo);
    listener_.reset(::socket(found->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
    if (!listener_.valid()) throw last_system_error("serve metrics on " + address);
    // SO_REUSEADDR allows a quick restart (TIME_WAIT); no SO_REUSEPORT, so a
    // live listener on the port makes start-up fail with EADDRINUSE.
    int yes = 1;
    ::setsockopt(listener_.get(), SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
    if (::bind(listener_.get(), found->ai_addr, found->ai_addrlen) != 0 ||
        ::listen(listener_.get(), 64) != 0)
        throw last_system_error("serve metrics on " + address);
    sockaddr_storage bound{};
    socklen_t length = sizeof bound;
    ::getsockname(listener_.get(), reinterpret_cast<sockaddr *>(&bound), &length);
    port_ = ntohs(bound.ss_family == AF_INET6 ? reinterpret_cast<sockaddr_in6 &>(bound).sin6_port
                                              : reinterpret_cast<sockaddr_in &>(bound).sin_port);
    stop_event_.reset(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
    if (!stop_event_.valid()) throw last_system_error("eventfd");
    thread_ = std::thread([this] { serve(); });
}

HttpServer::~HttpServer() {
    uint64_t one = 1;
    if (::write(stop_event_.get(), &one, sizeof one) < 0) std::perror("fsev-bpf: eventfd");
    if (thread_.joinable()) thread_.join();
}

std::string HttpServer::answer(const std::string &request) const {
    size_t line_end = request.find("\r\n");
    std::string line = request.substr(0, line_end);
    size_t first = line.find(' ');
    size_t second = first == std::string::npos ? first : line.find(' ', first + 1);
    if (second == std::string::npos)
        return http_response(400, "Bad Request", "text/plain", "bad request\n", false);
    std::string method = line.substr(0, first);
    std::string target = line.substr(first + 1, second - first - 1);
    target = target.substr(0, target.find('?'));
    bool head_only = method == "HEAD";
    if (method != "GET" && !head_only)
        return http_response(405, "Method Not Allowed", "text/plain", "GET or HEAD only\n", false);
    if (target == "/metrics") {
        try {
            return http_response(200, "OK", content_type, metrics_text_(), head_only);
        } catch (const std::exception &error) {
            return http_response(500, "Internal Server Error", "text/plain",
                                 std::string(error.what()) + "\n", head_only);
        }
    }
    if (target == "/")
        return http_response(200, "OK", "text/plain; charset=utf-8",
                             "fsev-bpf: metrics are at /metrics\n", head_only);
    return http_response(404, "Not Found", "text/plain", "not found\n", head_only);
}

// One thread, non-blocking sockets: a client that sends or reads slowly
// holds only its own connection, never a worker others need; each
// connection has a deadline, and each peer a connection limit.
void HttpServer::serve() {
    std::list<Connection> connections;
    std::map<std::string, int> per_peer;
    auto close = [&](std::list<Connection>::iterator it) {
        if (--per_peer[it->peer] == 0) per_peer.erase(it->peer);
        return connections.erase(it);
    };
    while (true) {
        std::vector<pollfd> watched = {{stop_event_.get(), POLLIN, 0},
                                       {listener_.get(), POLLIN, 0}};
        Clock::time_point next_deadline = Clock::now() + std::chrono::seconds(1);
        for (const Connection &connection : connections) {
            watched.push_back({connection.fd.get(),
                               static_cast<short>(connection.response.empty() ? POLLIN : POLLOUT),
                               0});
            next_deadline = std::min(next_deadline, connection.deadline);
        }
        auto wait =
            std::chrono::duration_cast<std::chrono::milliseconds>(next_deadline - Clock::now());
        int ready = ::poll(watched.data(), watched.size(),
                           static_cast<int>(std::max<int64_t>(0, wait.count()) + 1));
        if (ready < 0 && errno != EINTR) {
            std::perror("fsev-bpf: metrics: poll");
            return;
        }
        if (watched[0].revents) return;
        Clock::time_point now = Clock::now();

        size_t index = 2;
        for (auto it = connections.begin(); it != connections.end(); ++index) {
            short events = ready > 0 ? watched[index].revents : 0;
            Connection &connection = *it;
            bool done = false;
            if (events & (POLLERR | POLLHUP | POLLNVAL) && connection.response.empty()) {
                done = true;
            } else if (events & POLLIN) {
                char buffer[4096];
                ssize_t got = ::recv(connection.fd.get(), buffer, sizeof buffer, MSG_DONTWAIT);
                if (got == 0 || (got < 0 && errno != EAGAIN && errno != EINTR)) {
                    done = true;
                } else if (got > 0) {
                    connection.request.append(buffer, static_cast<size_t>(got));
                    if (connection.request.find("\r\n\r\n") != std::string::npos ||
                        connection.request.find("\n\n") != std::string::npos)
                        connection.response = answer(connection.request);
                    else if (connection.request.size() > limits_.max_request_bytes)
                        connection.response =
                            http_response(431, "Request Header Fields Too Large", "text/plain",
                                          "request too large\n", false);
                }
            } else if (events & POLLOUT) {
                ssize_t sent = ::send(
                    connection.fd.get(), connection.response.data() + connection.sent,
                    connection.response.size() - connection.sent, MSG_DONTWAIT | MSG_NOSIGNAL);
                if (sent < 0 && errno != EAGAIN && errno != EINTR) done = true;
                if (sent > 0) connection.sent += static_cast<size_t>(sent);
                if (connection.sent == connection.response.size()) done = true;
            }
            if (!done && now >= connection.deadline) done = true;  // too slow: dropped
            it = done ? close(it) : std::next(it);
        }

        if (watched[1].revents & POLLIN) {
            while (true) {
                sockaddr_storage address{};
                socklen_t length = sizeof address;
                UniqueFd client(::accept4(listener_.get(), reinterpret_cast<sockaddr *>(&address),
                                          &length, SOCK_NONBLOCK | SOCK_CLOEXEC));
                if (!client.valid()) break;
                std::string peer = peer_address(address);
                // At a limit, the oldest connection still sending its request
                // makes room (connections are in accept order): slow clients
                // cannot keep a scraper out, even from the same address.
                auto make_room = [&](bool same_peer) {
                    for (auto it = connections.begin(); it != connections.end(); ++it)
                        if (it->response.empty() && (!same_peer || it->peer == peer)) {
                            close(it);
                            return true;
                        }
                    return false;
                };
                if (per_peer.count(peer) && per_peer[peer] >= limits_.max_connections_per_peer &&
                    !make_room(true))
                    continue;  // refused: closed at once
                if (static_cast<int>(connections.size()) >= limits_.max_connections &&
                    !make_room(false))
                    continue;
                ++per_peer[peer];
                connections.push_back(Connection{
                    std::move(client), peer, Clock::now() + limits_.deadline, {}, {}, 0});
            }
        }
    }
}

}  // namespace fsev::metrics
