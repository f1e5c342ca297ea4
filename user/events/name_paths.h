#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace fsev {

// The directory a task wanted to create a name in (mkdir, open O_CREAT, ...),
// as a path the daemon can stat, seen the way that task sees it: through
// /proc/PID/root, /proc/PID/cwd or /proc/PID/fd/DIRFD. When the task has
// already exited (a short `mkdir` does), an absolute path is taken in the
// daemon's own view; a relative one cannot be resolved (nullopt).
std::optional<std::string> directory_of_new_name(uint32_t pid, int32_t dirfd,
                                                 const std::string &path,
                                                 const std::string &proc = "/proc");

// "a/b/c" -> "a/b", "/x" -> "/", "x" -> ".", "a/b/" -> "a".
std::string parent_of(const std::string &path);

}  // namespace fsev
