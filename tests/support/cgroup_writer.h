#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <string>

namespace fsev::test {

// A cgroup v2 directory `root`/`name` of its own, removed when done.
class TestCgroup {
  public:
    TestCgroup(const std::string &root, const std::string &name);
    ~TestCgroup();
    TestCgroup(const TestCgroup &) = delete;
    TestCgroup &operator=(const TestCgroup &) = delete;

    const std::string &path() const { return path_; }
    uint64_t id() const { return id_; }  // the cgroup id BPF sees: the directory's inode

  private:
    std::string path_;
    uint64_t id_ = 0;
};

// Starts a child that joins `cgroup`, writes `chunks` chunks of
// `chunk_bytes` to `file` (pausing `pause` after each), fsyncs and exits 0;
// 2, 3 or 4 when joining, opening or a write failed.
pid_t start_writer(const TestCgroup &cgroup, const std::string &file, size_t chunk_bytes,
                   int chunks, std::chrono::milliseconds pause = std::chrono::milliseconds(0));

// Waits for the child; its exit code, or -1 when it did not exit normally.
int wait_for_exit(pid_t pid);

}  // namespace fsev::test
