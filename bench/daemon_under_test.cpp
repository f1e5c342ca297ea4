#include "daemon_under_test.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "common/system_error.h"
#include "netlink/discovery.h"
#include "netlink/kernel_families.h"
#include "support/free_port.h"
#include "support/network.h"

extern char **environ;

namespace fsev::bench {

namespace {

using namespace std::chrono_literals;
constexpr size_t kTailBytes = 16 * 1024;

std::string read_file(const std::string &path) {
    std::ifstream file(path);
    std::ostringstream text;
    text << file.rdbuf();
    return text.str();
}

}  // namespace

NetlinkChannel bench_channel() {
    std::vector<KernelFamily> families = dump_kernel_families();
    std::vector<uint32_t> free_groups;
    for (uint32_t group = kMaxSendableGroup; group >= 1; --group)
        if (!group_owner(families, group)) free_groups.push_back(group);
    if (free_groups.empty()) throw std::runtime_error("no free generic-netlink multicast group");
    NetlinkChannel channel;
    channel.group = free_groups.size() > 1 ? free_groups[1] : free_groups[0];
    channel.family_id = static_cast<uint16_t>(40000 + ::getpid() % 20000);
    return channel;
}

DaemonUnderTest::DaemonUnderTest(const std::string &daemon_path) {
    char pattern[] = "/tmp/fsev-bench-XXXXXX";
    if (!::mkdtemp(pattern)) throw last_system_error("mkdtemp");
    temp_dir_ = pattern;
    ::chmod(pattern, 0755);
    run_dir_ = temp_dir_ + "/run";
    metrics_port_ = test::free_loopback_port();
    NetlinkChannel channel = bench_channel();

    int pipe_fds[2];
    if (::pipe2(pipe_fds, O_CLOEXEC) != 0) throw last_system_error("pipe2");
    output_.reset(pipe_fds[0]);
    UniqueFd write_end(pipe_fds[1]);
    // Its own state file: the machine's (/var/lib/fsev) is the administrator's.
    std::vector<std::string> words = {daemon_path,
                                      "--run-dir",
                                      run_dir_,
                                      "--state-file",
                                      temp_dir_ + "/config.state",
                                      "--metrics-address",
                                      "127.0.0.1:" + std::to_string(metrics_port_),
                                      "--genl-family-id",
                                      std::to_string(channel.family_id),
                                      "--genl-group",
                                      std::to_string(channel.group)};
    std::vector<char *> argv;
    for (auto &word : words) argv.push_back(word.data());
    argv.push_back(nullptr);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, write_end.get(), STDOUT_FILENO);
    posix_spawn_file_actions_adddup2(&actions, write_end.get(), STDERR_FILENO);
    posix_spawnattr_t attributes;
    posix_spawnattr_init(&attributes);
    sigset_t none;
    sigemptyset(&none);
    posix_spawnattr_setsigmask(&attributes, &none);
    posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETSIGMASK);
    int err =
        ::posix_spawn(&pid_, daemon_path.c_str(), &actions, &attributes, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attributes);
    if (err) {
        pid_ = -1;
        std::filesystem::remove_all(temp_dir_);
        throw system_error(err, "start " + daemon_path);
    }
    write_end.reset();
    reader_ = std::thread([this] { read_output(); });

    std::unique_lock lock(mutex_);
    if (!changed_.wait_for(lock, 30s, [this] { return ready_ || exited_; }) || !ready_) {
        std::string tail = tail_;
        lock.unlock();
        shut_down();  // the constructor throws: the destructor will not run
        throw std::runtime_error(daemon_path + " did not get ready:\n" + tail);
    }
}

DaemonUnderTest::~DaemonUnderTest() {
    shut_down();
}

void DaemonUnderTest::shut_down() {
    if (pid_ > 0) {
        ::kill(pid_, SIGTERM);
        int status = 0;
        auto deadline = std::chrono::steady_clock::now() + 10s;
        while (::waitpid(pid_, &status, WNOHANG) == 0) {
            if (std::chrono::steady_clock::now() > deadline) {
                ::kill(pid_, SIGKILL);
                ::waitpid(pid_, &status, 0);
                break;
            }
            std::this_thread::sleep_for(10ms);
        }
        pid_ = -1;
    }
    if (reader_.joinable()) reader_.join();  // the pipe closed with the daemon
    if (!temp_dir_.empty()) {
        // A killed daemon leaves its FUSE mount behind; it is ours to clear.
        ::umount2(run_dir_.c_str(), MNT_DETACH);
        std::error_code ignored;
        std::filesystem::remove_all(temp_dir_, ignored);
        temp_dir_.clear();
    }
}

void DaemonUnderTest::read_output() {
    char buffer[64 * 1024];
    ssize_t got;
    while ((got = ::read(output_.get(), buffer, sizeof buffer)) > 0 ||
           (got < 0 && errno == EINTR)) {
        if (got <= 0) continue;
        std::lock_guard lock(mutex_);
        tail_.append(buffer, static_cast<size_t>(got));
        if (!ready_ && tail_.find("fsev-bpf: ready") != std::string::npos) {
            ready_ = true;
            changed_.notify_all();
        }
        if (tail_.size() > 2 * kTailBytes) tail_.erase(0, tail_.size() - kTailBytes);
    }
    std::lock_guard lock(mutex_);
    exited_ = true;
    changed_.notify_all();
}

std::string DaemonUnderTest::output_tail() const {
    std::lock_guard lock(mutex_);
    return tail_.size() > 4096 ? tail_.substr(tail_.size() - 4096) : tail_;
}

NetlinkChannel DaemonUnderTest::channel() const {
    return parse_discovery_text(read_file(run_dir_ + "/netlink"));
}

std::chrono::duration<double> DaemonUnderTest::configure(const std::string &requests) {
    std::string path = run_dir_ + "/config";
    UniqueFd config(::open(path.c_str(), O_WRONLY | O_CLOEXEC));
    if (!config.valid()) throw last_system_error("open " + path);
    auto start = std::chrono::steady_clock::now();
    ssize_t written = ::write(config.get(), requests.data(), requests.size());
    auto took = std::chrono::steady_clock::now() - start;
    if (written < 0) throw last_system_error("write " + path + ":\n" + output_tail());
    if (static_cast<size_t>(written) != requests.size())
        throw std::runtime_error("short write to " + path);
    return took;
}

std::string DaemonUnderTest::metrics() const {
    test::HttpResponse response = test::http_get(metrics_port_, "/metrics");
    if (response.status != 200)
        throw std::runtime_error("GET /metrics on port " + std::to_string(metrics_port_) +
                                 " failed: " + std::to_string(response.status) + " " +
                                 response.error);
    return response.body;
}

uint64_t DaemonUnderTest::rss_kib() const {
    std::ifstream status("/proc/" + std::to_string(pid_) + "/status");
    std::string key;
    uint64_t kib = 0;
    while (status >> key)
        if (key == "VmRSS:") {
            status >> kib;
            break;
        }
    return kib;
}

double metric_sum(const std::string &text, const std::string &name, const std::string &label) {
    double sum = 0;
    std::istringstream lines(text);
    std::string line;
    while (std::getline(lines, line)) {
        if (line.rfind(name, 0) != 0 || line.size() <= name.size()) continue;
        char next = line[name.size()];
        if (next != ' ' && next != '{') continue;  // another family sharing the prefix
        size_t value_at = line.rfind(' ');
        if (!label.empty() && line.substr(0, value_at).find(label) == std::string::npos) continue;
        sum += std::stod(line.substr(value_at + 1));
    }
    return sum;
}

}  // namespace fsev::bench
