#pragma once

#include <string>

namespace fsev {

// Replaces `path` with `text` so that after a crash or power loss the file
// holds either the old text or the new one, never a mix: the text goes to
// `path.tmp`, is fsync'd, renamed over `path`, and the directory is fsync'd
// so the rename itself is on disk. Throws std::system_error with the errno.
void replace_file_durably(const std::string &path, const std::string &text);

// Creates `directory` and its missing parents (mode 0755). Throws on failure.
void make_directories(const std::string &directory);

}  // namespace fsev
