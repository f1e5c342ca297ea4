#include "support/command.h"

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <stdexcept>

namespace fsev::test {

namespace {

// stdin_fd < 0: the child keeps ours.
CommandResult run_with_stdin(const std::vector<std::string> &argv, int stdin_fd) {
    int pipe_fds[2];
    if (::pipe2(pipe_fds, O_CLOEXEC) != 0) throw std::runtime_error("pipe2 failed");
    pid_t child = ::fork();
    if (child < 0) throw std::runtime_error("fork failed");
    if (child == 0) {
        ::dup2(pipe_fds[1], STDOUT_FILENO);
        ::dup2(pipe_fds[1], STDERR_FILENO);
        if (stdin_fd >= 0) ::dup2(stdin_fd, STDIN_FILENO);
        std::vector<char *> args;
        for (const auto &arg : argv) args.push_back(const_cast<char *>(arg.c_str()));
        args.push_back(nullptr);
        ::execvp(args[0], args.data());
        ::_exit(127);
    }
    ::close(pipe_fds[1]);
    CommandResult result;
    char buffer[4096];
    ssize_t got;
    while ((got = ::read(pipe_fds[0], buffer, sizeof buffer)) > 0)
        result.output.append(buffer, static_cast<size_t>(got));
    ::close(pipe_fds[0]);
    int status = 0;
    ::waitpid(child, &status, 0);
    if (WIFEXITED(status)) result.exit_code = WEXITSTATUS(status);
    return result;
}

}  // namespace

CommandResult run_command(const std::vector<std::string> &argv) {
    return run_with_stdin(argv, -1);
}

CommandResult run_command_with_input(const std::vector<std::string> &argv,
                                     const std::string &input) {
    // The input goes through a temporary file so a child that answers
    // before reading everything cannot deadlock us on a full pipe.
    char path[] = "/tmp/fsev-test-input-XXXXXX";
    int input_fd = ::mkstemp(path);
    if (input_fd < 0) throw std::runtime_error("mkstemp failed");
    ::unlink(path);
    for (size_t done = 0; done < input.size();) {
        ssize_t wrote = ::write(input_fd, input.data() + done, input.size() - done);
        if (wrote <= 0) {
            ::close(input_fd);
            throw std::runtime_error("writing command input failed");
        }
        done += static_cast<size_t>(wrote);
    }
    ::lseek(input_fd, 0, SEEK_SET);
    CommandResult result = run_with_stdin(argv, input_fd);
    ::close(input_fd);
    return result;
}

std::string run_checked(const std::vector<std::string> &argv) {
    CommandResult result = run_command(argv);
    if (result.exit_code != 0) {
        std::string joined;
        for (const auto &arg : argv) joined += arg + " ";
        throw std::runtime_error("command failed (exit " + std::to_string(result.exit_code) +
                                 "): " + joined + "\n" + result.output);
    }
    return result.output;
}

}  // namespace fsev::test
