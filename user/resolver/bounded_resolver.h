#pragma once

#include <sys/types.h>

#include <chrono>
#include <exception>
#include <map>
#include <string>
#include <vector>

#include "model/filesystem.h"

namespace fsev {

// Resolves a write's paths away from the thread that answers the writer,
// within a time bound: a path on a hung filesystem (a stopped FUSE daemon, a
// dead NFS server) leaves a helper thread stuck, never the config file.
// resolve_all() returns when every path is resolved, or throws RequestError
// with ETIMEDOUT when `bound` passes first; the stuck helper's late answer is
// thrown away. Afterwards resolve() answers from what was resolved, without
// blocking, so the table is changed only with answers given in time.
class BoundedResolver : public PathResolver {
  public:
    BoundedResolver(pid_t writer, std::chrono::milliseconds bound)
        : writer_(writer), bound_(bound) {}
    void resolve_all(const std::vector<std::string> &paths);
    ResolvedFilesystem resolve(const std::string &path) override;
    FilesystemSize size(const ResolvedFilesystem &filesystem) override;

  private:
    struct Answer {
        ResolvedFilesystem filesystem;
        std::exception_ptr error;  // the resolver's std::system_error, if it failed
        FilesystemSize size;       // for levels in % or bytes, read by the helper too
        std::exception_ptr size_error;
    };
    pid_t writer_;
    std::chrono::milliseconds bound_;
    std::map<std::string, Answer> answers_;
};

}  // namespace fsev
