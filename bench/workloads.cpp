#include "workloads.h"

#include <fcntl.h>
#include <unistd.h>

#include <deque>
#include <vector>

#include "common/system_error.h"
#include "common/unique_fd.h"

namespace fsev::bench {

namespace {

using Clock = std::chrono::steady_clock;

void write_all(int fd, const char *data, size_t size, const std::string &what) {
    while (size > 0) {
        ssize_t written = ::write(fd, data, size);
        if (written < 0) {
            if (errno == EINTR) continue;
            throw last_system_error("write " + what);
        }
        data += written;
        size -= static_cast<size_t>(written);
    }
}

}  // namespace

double small_file_fsync_rate(const std::string &directory, std::chrono::duration<double> time) {
    constexpr size_t kAlive = 32;
    std::vector<char> block(4096, 'f');
    std::deque<std::string> alive;
    uint64_t files = 0;
    auto start = Clock::now();
    auto deadline = start + std::chrono::duration_cast<Clock::duration>(time);
    while (Clock::now() < deadline) {
        std::string path = directory + "/small-" + std::to_string(files++);
        UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
        if (!fd.valid()) throw last_system_error("open " + path);
        write_all(fd.get(), block.data(), block.size(), path);
        if (::fsync(fd.get()) != 0) throw last_system_error("fsync " + path);
        alive.push_back(path);
        if (alive.size() > kAlive) {
            ::unlink(alive.front().c_str());
            alive.pop_front();
        }
    }
    std::chrono::duration<double> elapsed = Clock::now() - start;
    for (const auto &path : alive) ::unlink(path.c_str());
    return static_cast<double>(files) / elapsed.count();
}

double buffered_stream_rate(const std::string &path, std::chrono::duration<double> time,
                            uint64_t cycle_bytes) {
    std::vector<char> block(4096, 's');
    UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
    if (!fd.valid()) throw last_system_error("open " + path);
    uint64_t bytes = 0, in_cycle = 0;
    auto start = Clock::now();
    auto deadline = start + std::chrono::duration_cast<Clock::duration>(time);
    while (true) {
        if ((bytes & ((64u << 12) - 1)) == 0 && Clock::now() >= deadline) break;  // every 64 writes
        write_all(fd.get(), block.data(), block.size(), path);
        bytes += block.size();
        in_cycle += block.size();
        if (in_cycle >= cycle_bytes) {
            if (::ftruncate(fd.get(), 0) != 0 || ::lseek(fd.get(), 0, SEEK_SET) != 0)
                throw last_system_error("truncate " + path);
            in_cycle = 0;
        }
    }
    std::chrono::duration<double> elapsed = Clock::now() - start;
    if (::ftruncate(fd.get(), 0) != 0) throw last_system_error("truncate " + path);
    ::unlink(path.c_str());
    return static_cast<double>(bytes) / (1024.0 * 1024.0) / elapsed.count();
}

}  // namespace fsev::bench
