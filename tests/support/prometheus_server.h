#pragma once

#include <sys/types.h>

#include <chrono>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace fsev::test {

struct PrometheusOptions {
    std::string job_name = "fsev-bpf";            // the shipped alert rules match on it
    std::vector<std::string> targets;             // HOST:PORT to scrape
    std::vector<std::string> rule_files;          // absolute paths
    std::vector<std::string> alertmanagers = {};  // HOST:PORT of Alertmanagers to send alerts to
    std::string scrape_interval = "1s";
    std::string evaluation_interval = "1s";
};

// A real Prometheus server (Debian's `prometheus`) of our own on a free
// loopback port, with its data in a temporary directory. It never touches a
// system Prometheus that may be running. The constructor returns once
// /-/ready answers; the destructor stops it and removes everything.
class PrometheusServer {
  public:
    explicit PrometheusServer(const PrometheusOptions &options);
    ~PrometheusServer();
    PrometheusServer(const PrometheusServer &) = delete;
    PrometheusServer &operator=(const PrometheusServer &) = delete;

    int port() const { return port_; }
    // GET /api/v1/query?query=EXPR: the `data.result` array (instant vector).
    // Throws std::runtime_error when the API answers with an error.
    nlohmann::json query(const std::string &expression) const;
    // GET /api/v1/alerts: the `data.alerts` array.
    nlohmann::json alerts() const;
    // Re-runs `fetch` every 500 ms until `accept` is true; returns the last
    // result (check it with `accept` again: false means the timeout passed).
    static nlohmann::json poll_until(const std::function<nlohmann::json()> &fetch,
                                     const std::function<bool(const nlohmann::json &)> &accept,
                                     std::chrono::milliseconds timeout);
    // The server's own log, for failure messages.
    std::string log() const;

  private:
    nlohmann::json get_api(const std::string &path_and_query) const;
    void stop();

    std::string directory_;
    int port_ = 0;
    pid_t pid_ = -1;
};

// The alerts named `alert_name` in `state` ("pending" or "firing") whose
// labels include every given name/value pair.
std::vector<nlohmann::json> alerts_matching(
    const nlohmann::json &alerts, const std::string &alert_name, const std::string &state,
    const std::vector<std::pair<std::string, std::string>> &labels = {});

}  // namespace fsev::test
