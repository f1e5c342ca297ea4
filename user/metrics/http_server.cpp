#include "metrics/http_server.h"

#include <chrono>

#include <httplib.h>

#include <sys/socket.h>

#include <cerrno>

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

HttpServer::HttpServer(const std::string &address, std::function<std::string()> metrics_text)
    : server_(std::make_unique<httplib::Server>()) {
    ListenAddress listen = parse_listen_address(address);
    // Scrapes are rare and short; two workers are plenty for a daemon.
    // httplib's default sets SO_REUSEPORT, which lets a second daemon share
    // the port silently. SO_REUSEADDR alone still allows a quick restart
    // (TIME_WAIT) but makes a live listener on the port an EADDRINUSE.
    server_->set_socket_options([](socket_t sock) {
        int yes = 1;
        ::setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
    });
    server_->new_task_queue = [] { return new httplib::ThreadPool(2); };
    server_->Get("/metrics", [metrics_text](const httplib::Request &, httplib::Response &response) {
        response.set_content(metrics_text(), content_type);
    });
    server_->Get("/", [](const httplib::Request &, httplib::Response &response) {
        response.set_content("fsev-bpf: metrics are at /metrics\n", "text/plain; charset=utf-8");
    });

    errno = 0;
    if (listen.port == 0) {
        port_ = server_->bind_to_any_port(listen.host);
        if (port_ < 0) port_ = 0;
    } else if (server_->bind_to_port(listen.host, listen.port)) {
        port_ = listen.port;
    }
    if (port_ == 0) {
        int err = errno ? errno : EADDRNOTAVAIL;
        throw system_error(err, "serve metrics on " + address);
    }
    thread_ = std::thread([this] {
        server_->listen_after_bind();
        listen_returned_ = true;
    });
}

HttpServer::~HttpServer() {
    // httplib's stop() does nothing until listening has begun, and the
    // thread would then listen for ever: a daemon failing right after start
    // (a bad startup file) hung here. Wait for it to begin (or to give up).
    while (!server_->is_running() && !listen_returned_)
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    server_->stop();
    if (thread_.joinable()) thread_.join();
}

}  // namespace fsev::metrics
