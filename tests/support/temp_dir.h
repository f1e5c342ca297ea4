#pragma once

#include <string>

namespace fsev::test {

// A fresh directory `parent`/`prefix`-XXXXXX. The destructor lazily
// unmounts whatever a test left mounted inside it (a FUSE run dir, bind
// mounts, tmpfs; deepest first) and removes it, whatever state a failing
// test left behind.
class TempDir {
  public:
    explicit TempDir(const std::string &prefix = "fsev-test", const std::string &parent = "/tmp");
    ~TempDir();
    TempDir(const TempDir &) = delete;
    TempDir &operator=(const TempDir &) = delete;

    const std::string &path() const { return path_; }
    std::string path(const std::string &name) const { return path_ + "/" + name; }
    // Makes the directory `name` in it; returns its path.
    std::string make_directory(const std::string &name) const;

  private:
    std::string path_;
};

// True when `path` is a mount point in this process's mount table.
bool is_mounted(const std::string &path);

}  // namespace fsev::test
