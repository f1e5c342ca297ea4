#pragma once

#include <sys/types.h>

#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

namespace httplib {
class Server;
}

namespace fsev::test {

// A webhook receiver: an HTTP listener on a free loopback port that keeps
// every JSON body POSTed to /fsev (Alertmanager's webhook notifications).
class WebhookReceiver {
  public:
    WebhookReceiver();
    ~WebhookReceiver();
    WebhookReceiver(const WebhookReceiver &) = delete;
    WebhookReceiver &operator=(const WebhookReceiver &) = delete;

    std::string url() const;
    // Waits until a received notification holds an alert `accept` takes;
    // returns that alert, or null on timeout.
    nlohmann::json wait_for_alert(const std::function<bool(const nlohmann::json &)> &accept,
                                  std::chrono::milliseconds timeout);
    std::vector<nlohmann::json> notifications() const;

  private:
    std::unique_ptr<httplib::Server> server_;
    std::thread thread_;
    int port_ = 0;
    mutable std::mutex mutex_;
    std::condition_variable received_;
    std::vector<nlohmann::json> notifications_;
};

// A real Alertmanager (Debian's `prometheus-alertmanager`) of our own on a
// free loopback port, clustering off, data in a temporary directory. Its
// configuration is the shipped deploy/alertmanager.yml with the receiver's
// URL replaced by `webhook_url` and the waits shortened for a test. The
// constructor returns once /-/ready answers.
class AlertmanagerServer {
  public:
    explicit AlertmanagerServer(const std::string &webhook_url);
    ~AlertmanagerServer();
    AlertmanagerServer(const AlertmanagerServer &) = delete;
    AlertmanagerServer &operator=(const AlertmanagerServer &) = delete;

    int port() const { return port_; }
    std::string log() const;

  private:
    void stop();

    std::string directory_;
    int port_ = 0;
    pid_t pid_ = -1;
};

}  // namespace fsev::test
