#include "support/listener_process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include <stdexcept>

#include "support/daemon_process.h"

namespace fsev::test {

namespace {

using Clock = std::chrono::steady_clock;

std::chrono::milliseconds left_until(Clock::time_point deadline) {
    return std::max(std::chrono::milliseconds(0),
                    std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()));
}

}  // namespace

ListenerProcess::ListenerProcess(const std::vector<std::string> &arguments, bool as_nobody) {
    int output_pipe[2], errors_pipe[2];
    if (::pipe2(output_pipe, O_CLOEXEC) != 0 || ::pipe2(errors_pipe, O_CLOEXEC) != 0)
        throw std::runtime_error("pipe2 failed");
    std::vector<std::string> argv;
    if (as_nobody) argv = {"setpriv", "--reuid", "nobody", "--regid", "nogroup", "--clear-groups"};
    argv.push_back(built_binary("fsev-listen"));
    argv.insert(argv.end(), arguments.begin(), arguments.end());
    pid_ = ::fork();
    if (pid_ < 0) throw std::runtime_error("fork failed");
    if (pid_ == 0) {
        ::dup2(output_pipe[1], STDOUT_FILENO);
        ::dup2(errors_pipe[1], STDERR_FILENO);
        sigset_t none;
        sigemptyset(&none);
        ::sigprocmask(SIG_SETMASK, &none, nullptr);
        std::vector<char *> args;
        for (auto &arg : argv) args.push_back(arg.data());
        args.push_back(nullptr);
        ::execvp(args[0], args.data());
        ::_exit(127);
    }
    ::close(output_pipe[1]);
    ::close(errors_pipe[1]);
    output_fd_ = output_pipe[0];
    errors_fd_ = errors_pipe[0];
}

ListenerProcess::~ListenerProcess() {
    if (pid_ > 0) {
        ::kill(pid_, SIGCONT);  // in case a test left it stopped
        ::kill(pid_, SIGTERM);
        for (int i = 0; i < 50 && reap(false) == -2; ++i) ::usleep(100000);
        if (pid_ > 0) {
            ::kill(pid_, SIGKILL);
            reap(true);
        }
    }
    if (output_fd_ >= 0) ::close(output_fd_);
    if (errors_fd_ >= 0) ::close(errors_fd_);
}

// -2 while still running; otherwise the exit code (or -1) and the pid is reaped.
int ListenerProcess::reap(bool wait) {
    if (pid_ <= 0) return exit_code_;
    int status = 0;
    pid_t done = ::waitpid(pid_, &status, wait ? 0 : WNOHANG);
    if (done == 0) return -2;
    pid_ = -1;
    exit_code_ = (done > 0 && WIFEXITED(status)) ? WEXITSTATUS(status) : -1;
    return exit_code_;
}

bool ListenerProcess::read_some(std::chrono::milliseconds timeout) {
    pollfd fds[2] = {{output_fd_, POLLIN, 0}, {errors_fd_, POLLIN, 0}};
    if (::poll(fds, 2, static_cast<int>(timeout.count())) <= 0) return false;
    bool got_any = false;
    std::string *sinks[2] = {&output_, &errors_};
    for (int i = 0; i < 2; ++i) {
        if (!(fds[i].revents & (POLLIN | POLLHUP))) continue;
        char buffer[8192];
        ssize_t got = ::read(fds[i].fd, buffer, sizeof buffer);
        if (got > 0) {
            sinks[i]->append(buffer, static_cast<size_t>(got));
            got_any = true;
        } else {
            fds[i].fd = -1;
        }
    }
    if (fds[0].fd < 0 && fds[1].fd < 0) return false;  // both closed: it exited
    return got_any;
}

bool ListenerProcess::wait_until_listening(std::chrono::milliseconds timeout) {
    auto deadline = Clock::now() + timeout;
    if (!wait_for_error_text("fsev-listen: listening", timeout)) return false;
    // The whole line, so a test can read the channel from it.
    size_t start = errors_.find("fsev-listen: listening");
    while (errors_.find('\n', start) == std::string::npos)
        if (left_until(deadline).count() == 0 || !read_some(left_until(deadline))) return false;
    return true;
}

bool ListenerProcess::wait_for_text(const std::string &captured, const std::string &text,
                                    std::chrono::milliseconds timeout) {
    auto deadline = Clock::now() + timeout;
    while (captured.find(text) == std::string::npos) {
        if (left_until(deadline).count() == 0) return false;
        if (!read_some(left_until(deadline)) && reap(false) != -2) {
            read_some(std::chrono::milliseconds(0));
            return captured.find(text) != std::string::npos;
        }
    }
    return true;
}

bool ListenerProcess::wait_for_error_text(const std::string &text,
                                          std::chrono::milliseconds timeout) {
    return wait_for_text(errors_, text, timeout);
}

bool ListenerProcess::wait_for_output_text(const std::string &text,
                                           std::chrono::milliseconds timeout) {
    return wait_for_text(output_, text, timeout);
}

std::vector<std::string> ListenerProcess::wait_for_lines(size_t count,
                                                         std::chrono::milliseconds timeout) {
    auto complete_lines = [this] {
        std::vector<std::string> lines;
        size_t start = 0, end;
        while ((end = output_.find('\n', start)) != std::string::npos) {
            lines.push_back(output_.substr(start, end - start));
            start = end + 1;
        }
        return lines;
    };
    auto deadline = Clock::now() + timeout;
    while (complete_lines().size() < count && left_until(deadline).count() > 0) {
        if (!read_some(left_until(deadline)) && reap(false) != -2) {
            while (read_some(std::chrono::milliseconds(0))) {
            }
            break;
        }
    }
    return complete_lines();
}

std::vector<nlohmann::json> ListenerProcess::wait_for_json(size_t count,
                                                           std::chrono::milliseconds timeout) {
    std::vector<nlohmann::json> objects;
    for (const auto &line : wait_for_lines(count, timeout))
        objects.push_back(nlohmann::json::parse(line));
    return objects;
}

std::vector<nlohmann::json> ListenerProcess::wait_for_json_about(
    dev_t device, size_t count, std::chrono::milliseconds timeout) {
    auto deadline = Clock::now() + timeout;
    std::vector<nlohmann::json> about;
    do {
        about.clear();
        for (const nlohmann::json &message : wait_for_json(SIZE_MAX, std::chrono::milliseconds(20)))
            if (message.value("dev_major", -1) == static_cast<int>(major(device)) &&
                message.value("dev_minor", -1) == static_cast<int>(minor(device)))
                about.push_back(message);
    } while (about.size() < count && Clock::now() < deadline);
    return about;
}

nlohmann::json ListenerProcess::wait_for_event_about(dev_t device, const std::string &event,
                                                     std::chrono::milliseconds timeout) {
    auto deadline = Clock::now() + timeout;
    do {
        for (const nlohmann::json &message :
             wait_for_json_about(device, SIZE_MAX, std::chrono::milliseconds(200)))
            if (message.value("event", "") == event) return message;
    } while (Clock::now() < deadline);
    return nullptr;
}

int ListenerProcess::wait_for_exit(std::chrono::milliseconds timeout) {
    auto deadline = Clock::now() + timeout;
    while (reap(false) == -2 && left_until(deadline).count() > 0)
        if (!read_some(std::min(left_until(deadline), std::chrono::milliseconds(100))))
            ::usleep(10000);
    while (read_some(std::chrono::milliseconds(0))) {
    }
    return pid_ > 0 ? -2 : exit_code_;
}

int ListenerProcess::stop(int signal_number) {
    if (pid_ > 0) ::kill(pid_, signal_number);
    return wait_for_exit(std::chrono::seconds(10));
}

}  // namespace fsev::test
