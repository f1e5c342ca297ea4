#include "resolver/bounded_resolver.h"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <system_error>
#include <thread>

#include "common/interruption.h"
#include "config/request.h"
#include "resolver/path_resolver.h"

namespace fsev {

namespace {

// Helpers stuck on hung filesystems; past this many, writes fail at once
// rather than leave ever more threads behind.
constexpr int kMaxStuckHelpers = 8;
std::atomic<int> helpers_running{0};

}  // namespace

void BoundedResolver::resolve_all(const std::vector<std::string> &paths) {
    struct Shared {
        std::mutex mutex;
        std::condition_variable done_signal;
        bool done = false;
        std::map<std::string, Answer> answers;
    };
    if (helpers_running >= kMaxStuckHelpers)
        throw RequestError(ETIMEDOUT, std::to_string(kMaxStuckHelpers) +
                                          " earlier path resolutions are still stuck on hung "
                                          "filesystems; try again later");
    auto shared = std::make_shared<Shared>();
    ++helpers_running;
    std::thread([shared, paths, writer = writer_] {
        ProcessPathResolver resolver(writer);
        std::map<std::string, Answer> answers;
        for (const std::string &path : paths) {
            if (answers.count(path)) continue;
            Answer answer;
            try {
                answer.filesystem = resolver.resolve(path);
                try {
                    answer.size = resolver.size(answer.filesystem);
                } catch (const std::system_error &) {
                    answer.size_error = std::current_exception();
                }
            } catch (const std::system_error &) {
                answer.error = std::current_exception();
            }
            answers.emplace(path, std::move(answer));
        }
        {
            std::lock_guard lock(shared->mutex);
            shared->answers = std::move(answers);
            shared->done = true;
        }
        shared->done_signal.notify_all();
        --helpers_running;
    }).detach();

    // Waits in short slices so that a writer who is killed or interrupted
    // meanwhile is answered at once (EINTR) rather than when the bound ends:
    // until it is answered, the kernel holds it unkillable.
    constexpr auto kSlice = std::chrono::milliseconds(20);
    auto deadline = std::chrono::steady_clock::now() + bound_;
    std::unique_lock lock(shared->mutex);
    while (!shared->done) {
        if (interrupted_now())
            throw RequestError(EINTR,
                               "the writer was interrupted while its paths were being "
                               "resolved; nothing changed");
        auto now = std::chrono::steady_clock::now();
        if (now >= deadline)
            throw RequestError(ETIMEDOUT,
                               "resolving the write's paths took over " +
                                   std::to_string(bound_.count()) +
                                   " ms (a path on a hung filesystem?); nothing changed");
        shared->done_signal.wait_for(lock,
                                     std::min<std::chrono::nanoseconds>(kSlice, deadline - now));
    }
    answers_ = std::move(shared->answers);
}

ResolvedFilesystem BoundedResolver::resolve(const std::string &path) {
    auto found = answers_.find(path);
    if (found == answers_.end())
        throw std::system_error(EINVAL, std::generic_category(),
                                path + ": not resolved in advance");
    if (found->second.error) std::rethrow_exception(found->second.error);
    return found->second.filesystem;
}

FilesystemSize BoundedResolver::size(const ResolvedFilesystem &filesystem) {
    for (const auto &[path, answer] : answers_) {
        if (answer.error || answer.filesystem.device != filesystem.device) continue;
        if (answer.size_error) std::rethrow_exception(answer.size_error);
        return answer.size;
    }
    return PathResolver::size(filesystem);
}

}  // namespace fsev
