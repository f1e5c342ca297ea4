#include "support/cgroup_writer.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <stdexcept>
#include <thread>
#include <vector>

namespace fsev::test {

TestCgroup::TestCgroup(const std::string &root, const std::string &name)
    : path_(root + "/" + name) {
    if (::mkdir(path_.c_str(), 0755) != 0)
        throw std::runtime_error("mkdir " + path_ + ": " + std::strerror(errno));
    struct stat status {};
    ::stat(path_.c_str(), &status);
    id_ = status.st_ino;
}

TestCgroup::~TestCgroup() {
    ::rmdir(path_.c_str());
}

pid_t start_writer(const TestCgroup &cgroup, const std::string &file, size_t chunk_bytes,
                   int chunks, std::chrono::milliseconds pause) {
    pid_t pid = ::fork();
    if (pid != 0) return pid;
    {
        std::ofstream procs(cgroup.path() + "/cgroup.procs");
        procs << ::getpid() << std::flush;
        if (!procs) ::_exit(2);
    }
    int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) ::_exit(3);
    std::vector<char> chunk(chunk_bytes, 'w');
    for (int i = 0; i < chunks; i++) {
        if (::write(fd, chunk.data(), chunk.size()) != static_cast<ssize_t>(chunk.size()))
            ::_exit(4);
        if (pause.count() > 0) std::this_thread::sleep_for(pause);
    }
    ::fsync(fd);
    ::close(fd);
    ::_exit(0);
}

int wait_for_exit(pid_t pid) {
    int status = 0;
    if (::waitpid(pid, &status, 0) != pid) return -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

}  // namespace fsev::test
