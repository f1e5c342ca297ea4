#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <thread>

namespace httplib {
class Server;
}

namespace fsev::metrics {

// HOST and PORT of a --metrics-address value; [IPv6] loses its brackets and
// an empty HOST means every address.
struct ListenAddress {
    std::string host;
    int port = 0;
};
ListenAddress parse_listen_address(const std::string &address);

// Serves GET /metrics (text format 0.0.4) on its own thread. Binding happens
// in the constructor, so an address in use fails start-up with
// std::system_error (EADDRINUSE) before the daemon reports ready.
class HttpServer {
  public:
    static constexpr const char *content_type = "text/plain; version=0.0.4; charset=utf-8";

    HttpServer(const std::string &address, std::function<std::string()> metrics_text);
    ~HttpServer();
    HttpServer(const HttpServer &) = delete;
    HttpServer &operator=(const HttpServer &) = delete;

    int port() const { return port_; }

  private:
    std::unique_ptr<httplib::Server> server_;
    std::thread thread_;
    std::atomic<bool> listen_returned_ = false;
    int port_ = 0;
};

}  // namespace fsev::metrics
