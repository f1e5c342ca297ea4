#pragma once

#include <sys/types.h>

#include <atomic>
#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <string_view>
#include <thread>

#include "common/interruption.h"
#include "common/unique_fd.h"

struct fuse_session;
struct fuse_req;

namespace fsev {

// Who wrote, as FUSE reports it.
struct Writer {
    pid_t pid = 0;
    uid_t uid = 0;
    gid_t gid = 0;
};

// The daemon's run directory (/run/fsev): a small FUSE filesystem whose files
// are computed on read and, for writable ones, handled on write. Owned by
// root; mounted allow_other + default_permissions, so everyone may read and
// only root may write.
//
// Threads: one serves FUSE requests; writes go to a second thread, so a write
// handler that walks a path through this same directory (its lookups are FUSE
// requests) cannot deadlock. Callbacks run on those threads.
class RunDirectory {
  public:
    using Content = std::function<std::string()>;
    // Returns 0 (the write succeeded, whole) or the errno to fail it with.
    using WriteHandler = std::function<int(std::string_view data, const Writer &writer)>;

    explicit RunDirectory(std::string path);
    ~RunDirectory();  // stop()
    RunDirectory(const RunDirectory &) = delete;
    RunDirectory &operator=(const RunDirectory &) = delete;

    // Mode 0444: every read gets `content()` as it is at open time.
    void add_read_only_file(const std::string &name, Content content);
    // Mode 0644: each write() call is passed to `on_write` whole.
    void add_writable_file(const std::string &name, Content content, WriteHandler on_write);

    // Creates the directory if missing, clears a stale FUSE mount left by a
    // crashed daemon, mounts and starts serving. Throws on failure, EBUSY
    // when a live daemon serves the directory (it holds an abstract socket
    // named after the directory, so a crash frees it).
    void start();
    // Stops serving and unmounts; nothing stays mounted. Idempotent.
    void stop();
    // Readable (an eventfd) once the directory was lost while serving: lazily
    // unmounted, or its FUSE connection aborted. lost_reason() says which.
    int lost_fd() const { return lost_event_.get(); }
    std::string lost_reason() const;
    const std::string &path() const { return path_; }

    // Operations the FUSE callbacks reach (public for the C callbacks only).
    //
    // The content as one open file sees it. `serial` tells contents apart: a
    // new one whenever the content changed.
    struct Snapshot {
        std::shared_ptr<const std::string> text;
        uint64_t serial = 0;
    };
    // What an open file (its FUSE file handle) holds. A read-only open
    // reads its own snapshot, taken at open, straight from us. A read-write
    // open reads through the kernel's page cache, which is one per file, not
    // per open: it reads the file's shared snapshot (File::open_cached_reader).
    struct OpenFile {
        Snapshot snapshot;  // read-only opens
        bool through_page_cache = false;
    };
    struct File {
        uint64_t inode = 0;
        std::string name;
        Content content;
        WriteHandler on_write;  // empty: read-only
        // The content as last read, shared by every open file that saw the
        // same text: readers cost one copy per distinct content, not one
        // per open (any user may open the config file thousands of times).
        mutable std::mutex snapshot_mutex;
        mutable Snapshot snapshot;
        mutable uint64_t last_serial = 0;
        Snapshot current_snapshot() const;
        // Write requests received so far: every one may have left its text
        // in the page cache, so it changes the tag the kernel is given.
        mutable std::atomic<uint64_t> writes_received{0};
        // The one content every read-write open now held reads: pages one
        // of them had the kernel cache are read by all of them, so they
        // must all read the same. Each read-write open makes the content at
        // its open the shared one; it is dropped when none is held.
        mutable std::mutex cached_readers_mutex;
        mutable Snapshot cached_readers_snapshot;
        mutable size_t cached_readers = 0;
        void open_cached_reader() const;
        void close_cached_reader() const;
        Snapshot cached_reader_snapshot() const;  // empty text when none is held
    };
    std::shared_ptr<const File> file_by_inode(uint64_t inode) const;
    std::shared_ptr<const File> file_by_name(const std::string &name) const;
    std::map<uint64_t, std::shared_ptr<const File>> files() const;
    // Queues a write for the writer thread; false once stopping.
    bool queue_write(fuse_req *request, std::shared_ptr<const File> file, std::string data,
                     const Writer &writer, std::shared_ptr<Interruption> interruption);
    // Answers a write that is still queued with `error`, taking it off the
    // queue; does nothing to a write being handled or already answered.
    void answer_if_queued(fuse_req *request, int error);
    // Asks the kernel, from a thread of its own, to drop the file's cached
    // pages (a write left its text there while read-write opens read).
    void drop_cached_pages(uint64_t inode);

  private:
    struct WriteJob {
        fuse_req *request = nullptr;
        std::shared_ptr<const File> file;
        std::string data;
        Writer writer;
        std::shared_ptr<Interruption> interruption;  // set when the writer was interrupted
    };
    void add_file(const std::string &name, Content content, WriteHandler on_write);
    void prepare_mount_point();
    void serve_requests();
    void serve_writes();
    void serve_cache_drops();

    std::string path_;
    mutable std::mutex files_mutex_;
    std::map<uint64_t, std::shared_ptr<const File>> files_;
    uint64_t next_inode_ = 2;  // 1 is the directory itself

    UniqueFd run_dir_lock_;  // held while serving: one daemon per run directory
    fuse_session *session_ = nullptr;
    UniqueFd stop_event_;  // wakes the request thread to stop
    UniqueFd lost_event_;  // the request thread says the mount is gone
    mutable std::mutex lost_mutex_;
    std::string lost_reason_;
    std::thread request_thread_;

    std::mutex writes_mutex_;
    std::condition_variable writes_ready_;
    std::deque<WriteJob> writes_;
    bool accepting_writes_ = false;
    std::thread write_thread_;

    // The kernel drops cached pages only once it can lock each of them, and
    // a writer keeps the last page of its write locked until the write is
    // answered: so the drops run on a thread that no write waits for.
    std::mutex drops_mutex_;
    std::condition_variable drops_ready_;
    std::set<uint64_t> drops_;
    bool dropping_ = false;
    std::thread drop_thread_;
};

}  // namespace fsev
