#include "support/daemon_process.h"

#include "support/free_port.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <poll.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <stdexcept>

namespace fsev::test {

std::string built_binary(const std::string &name) {
    return std::string(FSEV_BUILD_DIR) + "/" + name;
}

DaemonProcess::DaemonProcess(const std::vector<std::string> &given_arguments) {
    std::vector<std::string> arguments = given_arguments;
    bool metrics_address_given = false;
    bool state_file_given = false;
    for (size_t i = 0; i < arguments.size(); ++i) {
        if (arguments[i] == "--run-dir" && i + 1 < arguments.size()) run_dir_ = arguments[i + 1];
        if (arguments[i].rfind("--run-dir=", 0) == 0) run_dir_ = arguments[i].substr(10);
        if (arguments[i].rfind("--metrics-address", 0) == 0) metrics_address_given = true;
        if (arguments[i].rfind("--state-file", 0) == 0) state_file_given = true;
    }
    // Never the machine's /var/lib/fsev: a state file of its own, gone with it.
    if (!state_file_given) {
        char pattern[] = "/tmp/fsev-state-XXXXXX";
        if (!::mkdtemp(pattern)) throw std::runtime_error("mkdtemp failed");
        own_state_dir_ = pattern;
        arguments.insert(arguments.begin(), {"--state-file", own_state_dir_ + "/config.state"});
    }
    // Tests run daemons side by side: each gets its own metrics port.
    if (!metrics_address_given) {
        metrics_port_ = free_loopback_port();
        arguments.insert(arguments.begin(),
                         {"--metrics-address", "127.0.0.1:" + std::to_string(metrics_port_)});
    }
    if (run_dir_.empty()) {
        char pattern[] = "/tmp/fsev-run-XXXXXX";
        if (!::mkdtemp(pattern)) throw std::runtime_error("mkdtemp failed");
        own_temp_dir_ = pattern;
        // Like /run: everyone may look in (unprivileged listeners read the netlink file).
        ::chmod(pattern, 0755);
        run_dir_ = own_temp_dir_ + "/run";
        arguments.insert(arguments.begin(), {"--run-dir", run_dir_});
    }
    int pipe_fds[2];
    if (::pipe2(pipe_fds, O_CLOEXEC) != 0) throw std::runtime_error("pipe2 failed");
    std::string binary = built_binary("fsev-bpf");
    pid_ = ::fork();
    if (pid_ < 0) throw std::runtime_error("fork failed");
    if (pid_ == 0) {
        ::dup2(pipe_fds[1], STDOUT_FILENO);
        ::dup2(pipe_fds[1], STDERR_FILENO);
        // The test runner may have SIGINT/SIGTERM blocked; the daemon must not inherit that.
        sigset_t none;
        sigemptyset(&none);
        ::sigprocmask(SIG_SETMASK, &none, nullptr);
        std::vector<char *> args{const_cast<char *>(binary.c_str())};
        for (const auto &arg : arguments) args.push_back(const_cast<char *>(arg.c_str()));
        args.push_back(nullptr);
        ::execv(args[0], args.data());
        ::_exit(127);
    }
    ::close(pipe_fds[1]);
    output_fd_ = pipe_fds[0];
}

DaemonProcess::~DaemonProcess() {
    if (pid_ > 0) {
        ::kill(pid_, SIGTERM);
        int status = 0;
        if (!wait_draining(status, std::chrono::seconds(5))) {
            ::kill(pid_, SIGKILL);
            ::waitpid(pid_, nullptr, 0);
        }
    }
    if (output_fd_ >= 0) ::close(output_fd_);
    if (!own_state_dir_.empty()) {
        std::error_code ignored;
        std::filesystem::remove_all(own_state_dir_, ignored);
    }
    if (!own_temp_dir_.empty()) {
        // A killed daemon leaves its FUSE mount behind; it is ours to clear.
        ::umount2(run_dir_.c_str(), MNT_DETACH);
        std::error_code ignored;
        std::filesystem::remove_all(own_temp_dir_, ignored);
    }
}

bool DaemonProcess::wait_draining(int &status, std::chrono::milliseconds timeout) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (true) {
        pid_t done = ::waitpid(pid_, &status, WNOHANG);
        if (done == pid_ || done < 0) return true;
        if (std::chrono::steady_clock::now() > deadline) return false;
        if (end_of_output_ || !read_some(std::chrono::milliseconds(50)))
            ::usleep(20000);  // output closed or quiet: just wait for the exit
    }
}

bool DaemonProcess::read_some(std::chrono::milliseconds timeout) {
    pollfd ready{output_fd_, POLLIN, 0};
    if (::poll(&ready, 1, static_cast<int>(timeout.count())) <= 0) return false;
    char buffer[8192];
    ssize_t got = ::read(output_fd_, buffer, sizeof buffer);
    if (got == 0) end_of_output_ = true;
    if (got <= 0) return false;
    output_.append(buffer, static_cast<size_t>(got));
    return true;
}

std::string DaemonProcess::wait_for_line(const std::regex &pattern,
                                         std::chrono::milliseconds timeout) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (true) {
        size_t end;
        while ((end = output_.find('\n', scanned_)) != std::string::npos) {
            std::string line = output_.substr(scanned_, end - scanned_);
            scanned_ = end + 1;
            if (std::regex_search(line, pattern)) return line;
        }
        if (end_of_output_) return "";
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0) return "";
        read_some(left);
    }
}

bool DaemonProcess::wait_until_ready(std::chrono::milliseconds timeout) {
    return !wait_for_line(std::regex("^fsev-bpf: ready"), timeout).empty();
}

CommandResult DaemonProcess::request(const std::string &text) const {
    return run_command({"bash", "-c", "echo '" + text + "' > " + run_dir_ + "/config"});
}

int DaemonProcess::stop(int signal_number) {
    if (pid_ <= 0) return -1;
    ::kill(pid_, signal_number);
    // Keep reading while it shuts down: a daemon blocked on a full stdout
    // pipe could not exit otherwise.
    int status = 0;
    if (!wait_draining(status, std::chrono::seconds(20))) {
        ::kill(pid_, SIGKILL);
        ::waitpid(pid_, &status, 0);
    }
    pid_ = -1;
    while (read_some(std::chrono::milliseconds(0))) {
    }
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

}  // namespace fsev::test
