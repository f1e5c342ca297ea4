#include "support/daemon_process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <stdexcept>

namespace fsev::test {

std::string built_binary(const std::string &name) {
    return std::string(FSEV_BUILD_DIR) + "/" + name;
}

DaemonProcess::DaemonProcess(const std::vector<std::string> &arguments) {
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
        auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
        while (::waitpid(pid_, nullptr, WNOHANG) == 0) {
            if (std::chrono::steady_clock::now() > deadline) {
                ::kill(pid_, SIGKILL);
                ::waitpid(pid_, nullptr, 0);
                break;
            }
            wait_draining_output();
        }
    }
    if (output_fd_ >= 0) ::close(output_fd_);
}

// A daemon blocked writing to a full output pipe never reaches its signal
// handling; keep reading while we wait for it to exit.
void DaemonProcess::wait_draining_output() {
    if (end_of_output_ || !read_some(std::chrono::milliseconds(100))) ::usleep(10000);
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

int DaemonProcess::stop(int signal_number) {
    if (pid_ <= 0) return -1;
    ::kill(pid_, signal_number);
    int status = 0;
    while (::waitpid(pid_, &status, WNOHANG) == 0) wait_draining_output();
    pid_ = -1;
    while (read_some(std::chrono::milliseconds(0))) {
    }
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

}  // namespace fsev::test
