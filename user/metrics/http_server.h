#pragma once

#include <chrono>
#include <functional>
#include <string>
#include <thread>

#include "common/unique_fd.h"

namespace fsev::metrics {

// HOST and PORT of a --metrics-address value; [IPv6] loses its brackets and
// an empty HOST means every address.
struct ListenAddress {
    std::string host;
    int port = 0;
};
ListenAddress parse_listen_address(const std::string &address);

// What one client may cost the metrics server.
struct HttpLimits {
    std::chrono::milliseconds deadline{5000};  // to send the request and read the answer
    int max_connections_per_peer = 8;
    int max_connections = 256;
    size_t max_request_bytes = 8192;
};

// Serves GET /metrics (text format 0.0.4) on its own thread. Binding happens
// in the constructor, so an address in use fails start-up with
// std::system_error (EADDRINUSE) before the daemon reports ready.
// Slow or hostile clients cannot stop scrapes: sockets are non-blocking and
// served by one poll loop, every connection must be done within a deadline,
// and each peer address may hold only a few connections at once.
class HttpServer {
  public:
    static constexpr const char *content_type = "text/plain; version=0.0.4; charset=utf-8";
    HttpServer(const std::string &address, std::function<std::string()> metrics_text,
               const HttpLimits &limits = HttpLimits{});
    ~HttpServer();
    HttpServer(const HttpServer &) = delete;
    HttpServer &operator=(const HttpServer &) = delete;

    int port() const { return port_; }

  private:
    void serve();
    std::string answer(const std::string &request) const;

    std::function<std::string()> metrics_text_;
    HttpLimits limits_;
    UniqueFd listener_;
    UniqueFd stop_event_;
    std::thread thread_;
    int port_ = 0;
};

}  // namespace fsev::metrics
