#include "support/alertmanager_server.h"

#include <fcntl.h>
#include <httplib.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <stdexcept>

#include "support/file_text.h"
#include "support/network.h"
#include "support/served_process.h"

namespace fsev::test {

using namespace std::chrono_literals;

WebhookReceiver::WebhookReceiver() : server_(std::make_unique<httplib::Server>()) {
    server_->Post("/fsev", [this](const httplib::Request &request, httplib::Response &response) {
        nlohmann::json body = nlohmann::json::parse(request.body, nullptr, false);
        {
            std::lock_guard lock(mutex_);
            notifications_.push_back(body);
        }
        received_.notify_all();
        response.status = 200;
    });
    port_ = server_->bind_to_any_port("127.0.0.1");
    if (port_ <= 0) throw std::runtime_error("webhook receiver: cannot bind");
    // Bound already: a connection before the accept loop runs waits in the backlog.
    thread_ = std::thread([this] { server_->listen_after_bind(); });
}

WebhookReceiver::~WebhookReceiver() {
    server_->stop();
    if (thread_.joinable()) thread_.join();
}

std::string WebhookReceiver::url() const {
    return "http://127.0.0.1:" + std::to_string(port_) + "/fsev";
}

std::vector<nlohmann::json> WebhookReceiver::notifications() const {
    std::lock_guard lock(mutex_);
    return notifications_;
}

nlohmann::json WebhookReceiver::wait_for_alert(
    const std::function<bool(const nlohmann::json &)> &accept, std::chrono::milliseconds timeout) {
    std::unique_lock lock(mutex_);
    nlohmann::json found;
    auto seen = [&] {
        for (const auto &notification : notifications_) {
            if (!notification.is_object() || !notification.contains("alerts")) continue;
            for (const auto &alert : notification["alerts"])
                if (accept(alert)) {
                    found = alert;
                    return true;
                }
        }
        return false;
    };
    received_.wait_for(lock, timeout, seen);
    return found;
}

AlertmanagerServer::AlertmanagerServer(const std::string &webhook_url) {
    char pattern[] = "/tmp/fsev-alertmanager-XXXXXX";
    if (!::mkdtemp(pattern)) throw std::runtime_error("mkdtemp failed");
    directory_ = pattern;
    std::ifstream shipped(std::string(FSEV_SOURCE_DIR) + "/deploy/alertmanager.yml");
    std::ostringstream text;
    text << shipped.rdbuf();
    std::string config = text.str();
    config = std::regex_replace(config, std::regex("url: .*"), "url: " + webhook_url);
    // A test cannot wait the production group_wait; the route is the same.
    config = std::regex_replace(config, std::regex("group_wait: .*"), "group_wait: 0s");
    config = std::regex_replace(config, std::regex("group_interval: .*"), "group_interval: 1s");
    std::string config_path = directory_ + "/alertmanager.yml";
    std::ofstream(config_path) << config;

    port_ = free_loopback_port();
    std::vector<std::string> arguments = {
        "prometheus-alertmanager",
        "--config.file=" + config_path,
        "--storage.path=" + directory_ + "/data",
        "--web.listen-address=127.0.0.1:" + std::to_string(port_),
        "--cluster.listen-address=",  // no gossip port: several tests may run at once
        "--log.level=warn",
    };
    std::string log_path = directory_ + "/alertmanager.log";
    pid_ = start_logged_process(std::move(arguments), log_path);
    wait_until_served(pid_, port_, "alertmanager", log_path, directory_);
}

AlertmanagerServer::~AlertmanagerServer() {
    stop();
    std::error_code ignored;
    std::filesystem::remove_all(directory_, ignored);
}

void AlertmanagerServer::stop() {
    stop_process(pid_);
}

std::string AlertmanagerServer::log() const {
    return file_text(directory_ + "/alertmanager.log");
}

}  // namespace fsev::test
