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

#include "support/network.h"

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
    pid_ = ::fork();
    if (pid_ < 0) throw std::runtime_error("fork failed");
    if (pid_ == 0) {
        int log = ::open(log_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
        ::dup2(log, STDOUT_FILENO);
        ::dup2(log, STDERR_FILENO);
        sigset_t none;
        sigemptyset(&none);
        ::sigprocmask(SIG_SETMASK, &none, nullptr);
        std::vector<char *> args;
        for (auto &argument : arguments) args.push_back(argument.data());
        args.push_back(nullptr);
        ::execvp(args[0], args.data());
        ::_exit(127);
    }
    auto deadline = std::chrono::steady_clock::now() + 60s;
    while (true) {
        if (http_get(port_, "/-/ready").status == 200) return;
        if (::waitpid(pid_, nullptr, WNOHANG) == pid_) {
            pid_ = -1;
            std::string message = "alertmanager exited during start-up:\n" + log();
            std::filesystem::remove_all(directory_);
            throw std::runtime_error(message);
        }
        if (std::chrono::steady_clock::now() > deadline) {
            std::string message = "alertmanager not ready after 60 s:\n" + log();
            stop();
            std::filesystem::remove_all(directory_);
            throw std::runtime_error(message);
        }
        std::this_thread::sleep_for(200ms);
    }
}

AlertmanagerServer::~AlertmanagerServer() {
    stop();
    std::error_code ignored;
    std::filesystem::remove_all(directory_, ignored);
}

void AlertmanagerServer::stop() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGTERM);
    for (int i = 0; i < 100 && ::waitpid(pid_, nullptr, WNOHANG) == 0; ++i)
        std::this_thread::sleep_for(100ms);
    if (::waitpid(pid_, nullptr, WNOHANG) == 0) {
        ::kill(pid_, SIGKILL);
        ::waitpid(pid_, nullptr, 0);
    }
    pid_ = -1;
}

std::string AlertmanagerServer::log() const {
    std::ifstream file(directory_ + "/alertmanager.log");
    std::ostringstream text;
    text << file.rdbuf();
    return text.str();
}

}  // namespace fsev::test
