#include "support/served_process.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <stdexcept>
#include <thread>

#include "support/file_text.h"
#include "support/network.h"

namespace fsev::test {

using namespace std::chrono_literals;

pid_t start_logged_process(std::vector<std::string> arguments, const std::string &log_path) {
    pid_t pid = ::fork();
    if (pid < 0) throw std::runtime_error("fork failed");
    if (pid == 0) {
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
    return pid;
}

void wait_until_served(pid_t &pid, int port, const std::string &name, const std::string &log_path,
                       const std::string &directory) {
    auto deadline = std::chrono::steady_clock::now() + 60s;
    while (true) {
        if (http_get(port, "/-/ready").status == 200) return;
        if (::waitpid(pid, nullptr, WNOHANG) == pid) {
            pid = -1;
            std::string message = name + " exited during start-up:\n" + file_text(log_path);
            std::filesystem::remove_all(directory);
            throw std::runtime_error(message);
        }
        if (std::chrono::steady_clock::now() > deadline) {
            std::string message = name + " not ready after 60 s:\n" + file_text(log_path);
            stop_process(pid);
            std::filesystem::remove_all(directory);
            throw std::runtime_error(message);
        }
        std::this_thread::sleep_for(200ms);
    }
}

void stop_process(pid_t &pid) {
    if (pid <= 0) return;
    ::kill(pid, SIGTERM);
    for (int i = 0; i < 100 && ::waitpid(pid, nullptr, WNOHANG) == 0; ++i)
        std::this_thread::sleep_for(100ms);
    if (::waitpid(pid, nullptr, WNOHANG) == 0) {
        ::kill(pid, SIGKILL);
        ::waitpid(pid, nullptr, 0);
    }
    pid = -1;
}

}  // namespace fsev::test
