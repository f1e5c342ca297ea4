#include "support/prometheus_server.h"

#include <fcntl.h>
#include <httplib.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "support/file_text.h"
#include "support/network.h"
#include "support/served_process.h"

namespace fsev::test {

namespace {

using namespace std::chrono_literals;

std::string yaml_quoted(const std::string &text) {
    std::string quoted = "\"";
    for (char c : text) {
        if (c == '"' || c == '\\') quoted += '\\';
        quoted += c;
    }
    return quoted + "\"";
}

std::string config_text(const PrometheusOptions &options) {
    std::ostringstream yaml;
    yaml << "global:\n"
         << "  scrape_interval: " << options.scrape_interval << "\n"
         << "  scrape_timeout: " << options.scrape_interval << "\n"
         << "  evaluation_interval: " << options.evaluation_interval << "\n";
    if (!options.rule_files.empty()) {
        yaml << "rule_files:\n";
        for (const auto &file : options.rule_files) yaml << "  - " << yaml_quoted(file) << "\n";
    }
    if (!options.alertmanagers.empty()) {
        yaml << "alerting:\n"
             << "  alertmanagers:\n"
             << "    - static_configs:\n"
             << "        - targets: [";
        for (size_t i = 0; i < options.alertmanagers.size(); ++i)
            yaml << (i ? ", " : "") << yaml_quoted(options.alertmanagers[i]);
        yaml << "]\n";
    }
    yaml << "scrape_configs:\n"
         << "  - job_name: " << yaml_quoted(options.job_name) << "\n"
         << "    static_configs:\n"
         << "      - targets: [";
    for (size_t i = 0; i < options.targets.size(); ++i)
        yaml << (i ? ", " : "") << yaml_quoted(options.targets[i]);
    yaml << "]\n";
    return yaml.str();
}

}  // namespace

PrometheusServer::PrometheusServer(const PrometheusOptions &options) {
    char pattern[] = "/tmp/fsev-prometheus-XXXXXX";
    if (!::mkdtemp(pattern)) throw std::runtime_error("mkdtemp failed");
    directory_ = pattern;
    std::string config = directory_ + "/prometheus.yml";
    std::ofstream(config) << config_text(options);
    port_ = free_loopback_port();
    std::vector<std::string> arguments = {
        "prometheus",
        "--config.file=" + config,
        "--storage.tsdb.path=" + directory_ + "/data",
        "--web.listen-address=127.0.0.1:" + std::to_string(port_),
        "--log.level=warn",
    };
    std::string log_path = directory_ + "/prometheus.log";
    pid_ = start_logged_process(std::move(arguments), log_path);
    wait_until_served(pid_, port_, "prometheus", log_path, directory_);
}

PrometheusServer::~PrometheusServer() {
    stop();
    std::error_code ignored;
    std::filesystem::remove_all(directory_, ignored);
}

void PrometheusServer::stop() {
    stop_process(pid_);
}

std::string PrometheusServer::log() const {
    return file_text(directory_ + "/prometheus.log");
}

nlohmann::json PrometheusServer::get_api(const std::string &path_and_query) const {
    HttpResponse response = http_get(port_, path_and_query);
    if (response.status != 200)
        throw std::runtime_error("prometheus " + path_and_query + ": HTTP " +
                                 std::to_string(response.status) + " " + response.error + " " +
                                 response.body);
    nlohmann::json answer = nlohmann::json::parse(response.body);
    if (answer.value("status", "") != "success")
        throw std::runtime_error("prometheus " + path_and_query + ": " + response.body);
    return answer["data"];
}

nlohmann::json PrometheusServer::query(const std::string &expression) const {
    httplib::Params params{{"query", expression}};
    std::string encoded = httplib::detail::params_to_query_str(params);
    return get_api("/api/v1/query?" + encoded)["result"];
}

nlohmann::json PrometheusServer::alerts() const {
    return get_api("/api/v1/alerts")["alerts"];
}

nlohmann::json PrometheusServer::poll_until(
    const std::function<nlohmann::json()> &fetch,
    const std::function<bool(const nlohmann::json &)> &accept, std::chrono::milliseconds timeout) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (true) {
        nlohmann::json result = fetch();
        if (accept(result) || std::chrono::steady_clock::now() > deadline) return result;
        std::this_thread::sleep_for(500ms);
    }
}

std::vector<nlohmann::json> alerts_matching(
    const nlohmann::json &alerts, const std::string &alert_name, const std::string &state,
    const std::vector<std::pair<std::string, std::string>> &labels) {
    std::vector<nlohmann::json> found;
    for (const auto &alert : alerts) {
        const auto &alert_labels = alert["labels"];
        if (alert_labels.value("alertname", "") != alert_name) continue;
        if (alert.value("state", "") != state) continue;
        bool all = true;
        for (const auto &[name, value] : labels) all = all && alert_labels.value(name, "") == value;
        if (all) found.push_back(alert);
    }
    return found;
}

}  // namespace fsev::test
