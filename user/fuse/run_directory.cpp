#define FUSE_USE_VERSION 35
#include "fuse/run_directory.h"

#include <fuse_lowlevel.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <iostream>
#include <vector>

#include "common/abstract_lock.h"
#include "common/system_error.h"
#include "mounts/mountinfo.h"

namespace fsev {

namespace {

constexpr fuse_ino_t kDirectoryInode = FUSE_ROOT_ID;
constexpr double kCacheSeconds = 1.0;  // names and modes never change while mounted
// A file's attributes are asked for afresh each time the kernel needs them:
// its size and modification time tell the page cache of read-write opens
// what it may keep (see on_getattr).
constexpr double kFileAttributeSeconds = 0.0;
constexpr const char *kFilesystemType = "fuse.fsev";
const time_t kMountTime = std::time(nullptr);

RunDirectory &owner(fuse_req_t request) {
    return *static_cast<RunDirectory *>(fuse_req_userdata(request));
}

// `shared`: what read-write opens read now (file->cached_reader_snapshot()).
struct stat attributes_with(fuse_ino_t inode, const RunDirectory::File *file,
                            const RunDirectory::Snapshot &shared) {
    struct stat attributes {};
    attributes.st_ino = inode;
    attributes.st_uid = 0;
    attributes.st_gid = 0;
    attributes.st_atime = attributes.st_mtime = attributes.st_ctime = kMountTime;
    if (!file) {
        attributes.st_mode = S_IFDIR | 0755;
        attributes.st_nlink = 2;
    } else {
        // Content is made on open. Read-only opens use direct I/O, whose
        // reads ignore the size; read-write opens read through the page
        // cache up to the size, so while one is held the size is that of
        // the content they read (else 0). Exactly that size: the kernel
        // reads a cached file up to its size, and where it is asked for
        // more it pads the last page with zeros.
        attributes.st_mode = S_IFREG | (file->on_write ? 0644 : 0444);
        attributes.st_nlink = 1;
        attributes.st_size = shared.text ? static_cast<off_t>(shared.text->size()) : 0;
    }
    return attributes;
}

struct stat attributes_of(fuse_ino_t inode, const RunDirectory::File *file) {
    return attributes_with(inode, file,
                           file ? file->cached_reader_snapshot() : RunDirectory::Snapshot{});
}

RunDirectory::OpenFile *open_file_of(const fuse_file_info *info) {
    return info ? reinterpret_cast<RunDirectory::OpenFile *>(info->fh) : nullptr;
}

// The attributes a read-write open is told when the kernel asks on its
// behalf (before each read): the size of the content read-write opens read
// (see attributes_of), and as modification time a tag of what the page
// cache may then hold, namely that content and every write received so far.
// With auto_inval_data the kernel drops the file's cached pages whenever the
// size or the time differs from what it was last told, so pages an older
// content filled, and pages a write left behind, are read from us again.
struct stat attributes_for_cached_reader(fuse_ino_t inode, const RunDirectory::File &file) {
    // One snapshot for the size and the tag: it can change between two reads.
    RunDirectory::Snapshot shared = file.cached_reader_snapshot();
    struct stat attributes = attributes_with(inode, &file, shared);
    uint64_t tag = shared.serial * 1000003u + file.writes_received.load();
    attributes.st_mtim.tv_nsec = static_cast<long>(tag % 1000000000u);
    return attributes;
}

void on_init(void *, fuse_conn_info *connection) {
    // Large enough that a write over the config's size limit reaches us
    // whole, as one request, and is refused instead of split. libfuse asks
    // the kernel for as many pages per request as this needs (max_pages).
    connection->max_write = 1024 * 1024;
    // No writeback cache: a write must reach us, and fail, before it returns.
    connection->want &= ~FUSE_CAP_WRITEBACK_CACHE;
    // A changed modification time drops a file's cached pages (see
    // attributes_for_cached_reader); libfuse asks for it by default.
    if (connection->capable & FUSE_CAP_AUTO_INVAL_DATA)
        connection->want |= FUSE_CAP_AUTO_INVAL_DATA;
}

void on_lookup(fuse_req_t request, fuse_ino_t parent, const char *name) {
    auto file = parent == kDirectoryInode ? owner(request).file_by_name(name) : nullptr;
    if (!file) {
        fuse_reply_err(request, ENOENT);
        return;
    }
    fuse_entry_param entry{};
    entry.ino = file->inode;
    entry.attr = attributes_of(file->inode, file.get());
    entry.entry_timeout = kCacheSeconds;
    entry.attr_timeout = kFileAttributeSeconds;
    fuse_reply_entry(request, &entry);
}

// `info` is set when the kernel asks on behalf of an open file: before each
// read through the page cache, on a read-write open.
void on_getattr(fuse_req_t request, fuse_ino_t inode, fuse_file_info *info) {
    if (inode == kDirectoryInode) {
        auto attributes = attributes_of(inode, nullptr);
        fuse_reply_attr(request, &attributes, kCacheSeconds);
        return;
    }
    auto file = owner(request).file_by_inode(inode);
    if (!file) {
        fuse_reply_err(request, ENOENT);
        return;
    }
    const RunDirectory::OpenFile *open_file = open_file_of(info);
    auto attributes = open_file && open_file->through_page_cache
                          ? attributes_for_cached_reader(inode, *file)
                          : attributes_of(inode, file.get());
    fuse_reply_attr(request, &attributes, kFileAttributeSeconds);
}

// `echo ... > config` opens with O_TRUNC, which arrives here as a size
// change: accepted and ignored (the file has no stored content to cut).
void on_setattr(fuse_req_t request, fuse_ino_t inode, struct stat *, int to_set, fuse_file_info *) {
    auto file = owner(request).file_by_inode(inode);
    constexpr int allowed = FUSE_SET_ATTR_SIZE | FUSE_SET_ATTR_ATIME | FUSE_SET_ATTR_MTIME |
                            FUSE_SET_ATTR_ATIME_NOW | FUSE_SET_ATTR_MTIME_NOW | FUSE_SET_ATTR_CTIME;
    if (!file || (to_set & ~allowed) || ((to_set & FUSE_SET_ATTR_SIZE) && !file->on_write)) {
        fuse_reply_err(request, file ? EPERM : ENOENT);
        return;
    }
    auto attributes = attributes_of(inode, file.get());
    fuse_reply_attr(request, &attributes, kFileAttributeSeconds);
}

void release_open_file(const RunDirectory::File &file, uint64_t handle) {
    auto *open_file = reinterpret_cast<RunDirectory::OpenFile *>(handle);
    if (!open_file) return;
    if (open_file->through_page_cache) file.close_cached_reader();
    delete open_file;
}

void on_open(fuse_req_t request, fuse_ino_t inode, fuse_file_info *info) {
    auto file = owner(request).file_by_inode(inode);
    if (!file) {
        fuse_reply_err(request, ENOENT);
        return;
    }
    int access = info->flags & O_ACCMODE;
    // Root passes the kernel's mode check; a read-only file refuses it here.
    if (access != O_RDONLY && !file->on_write) {
        fuse_reply_err(request, EACCES);
        return;
    }
    // Opens that may write go through the page cache. A direct write hands
    // FUSE the caller's pages as they are, at least one per iovec, and
    // splits a writev() whose iovecs touch over 256 pages into several write
    // requests. Through the page cache the kernel copies the data into
    // contiguous pages first and sends up to max_write bytes as one request
    // (write-through: nothing stays dirty), so one write() or writev()
    // within the size limit arrives whole, whatever its iovecs.
    // Read-only opens bypass the page cache: each reads its own snapshot.
    bool may_write = access != O_RDONLY;
    info->direct_io = !may_write;
    info->keep_cache = 0;  // the kernel empties the file's page cache at open
    info->fh = 0;
    // A snapshot per open: a reader sees one consistent listing however it
    // splits its reads. Opens that see the same content share one copy.
    // Read-write opens read through the page cache, shared by all of them:
    // they read one content, the one at the latest such open (see
    // attributes_for_cached_reader for how the cache is kept to it).
    if (access == O_RDONLY) {
        info->fh =
            reinterpret_cast<uint64_t>(new RunDirectory::OpenFile{file->current_snapshot(), false});
    } else if (access == O_RDWR) {
        file->open_cached_reader();
        info->fh = reinterpret_cast<uint64_t>(new RunDirectory::OpenFile{{}, true});
    }
    if (fuse_reply_open(request, info) == -ENOENT)
        release_open_file(*file, info->fh);  // the opener was interrupted
}

void on_read(fuse_req_t request, fuse_ino_t inode, size_t size, off_t offset,
             fuse_file_info *info) {
    const RunDirectory::OpenFile *open_file = open_file_of(info);
    std::shared_ptr<const std::string> held;
    if (open_file && open_file->through_page_cache) {
        if (auto file = owner(request).file_by_inode(inode))
            held = file->cached_reader_snapshot().text;
    } else if (open_file) {
        held = open_file->snapshot.text;
    }
    const std::string *snapshot = held.get();
    if (!snapshot) {
        fuse_reply_err(request, EBADF);
        return;
    }
    if (offset < 0 || static_cast<size_t>(offset) >= snapshot->size()) {
        fuse_reply_buf(request, nullptr, 0);
        return;
    }
    size_t from = static_cast<size_t>(offset);
    fuse_reply_buf(request, snapshot->data() + from, std::min(size, snapshot->size() - from));
}

// Runs on the request thread when the kernel says the writer was interrupted
// (a signal, SIGKILL included); `data` is the write's Interruption.
void on_write_interrupted(fuse_req_t request, void *data) {
    static_cast<Interruption *>(data)->interrupt();
    owner(request).answer_if_queued(request, EINTR);
}

void on_write(fuse_req_t request, fuse_ino_t inode, const char *data, size_t size, off_t offset,
              fuse_file_info *info) {
    RunDirectory &directory = owner(request);
    auto file = directory.file_by_inode(inode);
    if (!file || !file->on_write) {
        fuse_reply_err(request, file ? EBADF : ENOENT);
        return;
    }
    // Every request may have left its text in the page cache. A read-write
    // open reading meanwhile could read it: the kernel ignores the size and
    // time it is told while a write that grows the file is under way, so
    // the pages are dropped outright.
    file->writes_received.fetch_add(1);
    if (file->cached_reader_snapshot().text) directory.drop_cached_pages(inode);
    // Writes reach us through the page cache, where the kernel may end a
    // request at the end of a cached page (or larger folio) that the write
    // did not start at the start of: a write that starts past position 0 of
    // its open file (a second write, a pwrite, a write after reading) may
    // arrive cut at a page boundary, and the rest would follow as a second
    // batch. Such a request is refused, so the call fails whole. A write at
    // position 0 enters every page at its start and arrives whole.
    static const off_t page = ::sysconf(_SC_PAGESIZE);
    bool may_be_cut = offset != 0 && (offset + static_cast<off_t>(size)) % page == 0;
    // Pages written back from a shared mapping of the file arrive as
    // writes too, cut at pages, whenever the kernel chooses.
    if (may_be_cut || info->writepage) {
        std::string reason = info->writepage
                                 ? "it comes from a shared mapping (mmap) of the file"
                                 : "it starts at byte " + std::to_string(offset) +
                                       " of the open file and ends at a page boundary (open the "
                                       "file again for each batch)";
        std::string line = "fsev-bpf: config: write by pid " +
                           std::to_string(fuse_req_ctx(request)->pid) + " refused: " + reason +
                           "\n";
        if (::write(STDERR_FILENO, line.data(), line.size()) < 0) {
        }
        fuse_reply_err(request, EINVAL);
        return;
    }
    const fuse_ctx *context = fuse_req_ctx(request);
    Writer writer{context->pid, context->uid, context->gid};
    // Until it is answered, the kernel keeps a writer in an uninterruptible
    // wait, even after SIGKILL (it only tells us, with an interrupt). So an
    // interrupt answers a write still queued at once, and makes the one being
    // handled stop waiting (see BoundedResolver): the writer goes promptly.
    // Registered before queueing: an interrupt that came first is seen now.
    auto interruption = std::make_shared<Interruption>();
    fuse_req_interrupt_func(request, on_write_interrupted, interruption.get());
    if (!directory.queue_write(request, file, std::string(data, size), writer, interruption)) {
        fuse_req_interrupt_func(request, nullptr, nullptr);
        fuse_reply_err(request, ESHUTDOWN);
    }
}

void on_release(fuse_req_t request, fuse_ino_t inode, fuse_file_info *info) {
    if (auto file = owner(request).file_by_inode(inode))
        release_open_file(*file, info->fh);
    else
        delete open_file_of(info);
    fuse_reply_err(request, 0);
}

void on_readdir(fuse_req_t request, fuse_ino_t inode, size_t size, off_t offset, fuse_file_info *) {
    if (inode != kDirectoryInode) {
        fuse_reply_err(request, ENOTDIR);
        return;
    }
    std::vector<std::pair<std::string, struct stat>> names;
    names.emplace_back(".", attributes_of(kDirectoryInode, nullptr));
    names.emplace_back("..", attributes_of(kDirectoryInode, nullptr));
    for (const auto &[file_inode, file] : owner(request).files())
        names.emplace_back(file->name, attributes_of(file_inode, file.get()));
    std::vector<char> buffer(size);
    size_t used = 0;
    for (size_t i = offset < 0 ? names.size() : static_cast<size_t>(offset); i < names.size();
         ++i) {
        size_t needed =
            fuse_add_direntry(request, buffer.data() + used, size - used, names[i].first.c_str(),
                              &names[i].second, static_cast<off_t>(i + 1));
        if (needed > size - used) break;
        used += needed;
    }
    fuse_reply_buf(request, buffer.data(), used);
}

const fuse_lowlevel_ops kOperations = [] {
    fuse_lowlevel_ops operations{};
    operations.init = on_init;
    operations.lookup = on_lookup;
    operations.getattr = on_getattr;
    operations.setattr = on_setattr;
    operations.open = on_open;
    operations.read = on_read;
    operations.write = on_write;
    operations.release = on_release;
    operations.readdir = on_readdir;
    return operations;
}();

bool served_by_fsev(const std::string &path) {
    for (const auto &mount : read_mountinfo("self"))
        if (mount.mount_point == path && mount.fstype == kFilesystemType) return true;
    return false;
}

}  // namespace

RunDirectory::RunDirectory(std::string path) : path_(std::move(path)) {}

RunDirectory::~RunDirectory() {
    stop();
}

void RunDirectory::add_read_only_file(const std::string &name, Content content) {
    add_file(name, std::move(content), nullptr);
}

void RunDirectory::add_writable_file(const std::string &name, Content content,
                                     WriteHandler on_write) {
    add_file(name, std::move(content), std::move(on_write));
}

void RunDirectory::add_file(const std::string &name, Content content, WriteHandler on_write) {
    if (name.empty() || name == "." || name == ".." || name.find('/') != std::string::npos)
        throw system_error(EINVAL, "run directory file name '" + name + "'");
    std::lock_guard lock(files_mutex_);
    for (const auto &[inode, file] : files_)
        if (file->name == name) throw system_error(EEXIST, "run directory file " + name);
    auto file = std::make_shared<File>();
    file->inode = next_inode_++;
    file->name = name;
    file->content = std::move(content);
    file->on_write = std::move(on_write);
    files_.emplace(file->inode, std::move(file));
}

RunDirectory::Snapshot RunDirectory::File::current_snapshot() const {
    std::string text = content();
    std::lock_guard lock(snapshot_mutex);
    if (!snapshot.text || *snapshot.text != text)
        snapshot = Snapshot{std::make_shared<const std::string>(std::move(text)), ++last_serial};
    return snapshot;
}

void RunDirectory::File::open_cached_reader() const {
    Snapshot now = current_snapshot();
    std::lock_guard lock(cached_readers_mutex);
    cached_readers_snapshot = std::move(now);
    ++cached_readers;
}

void RunDirectory::File::close_cached_reader() const {
    std::lock_guard lock(cached_readers_mutex);
    if (cached_readers > 0 && --cached_readers == 0) cached_readers_snapshot = Snapshot{};
}

RunDirectory::Snapshot RunDirectory::File::cached_reader_snapshot() const {
    std::lock_guard lock(cached_readers_mutex);
    return cached_readers_snapshot;
}

std::shared_ptr<const RunDirectory::File> RunDirectory::file_by_inode(uint64_t inode) const {
    std::lock_guard lock(files_mutex_);
    auto found = files_.find(inode);
    return found == files_.end() ? nullptr : found->second;
}

std::shared_ptr<const RunDirectory::File> RunDirectory::file_by_name(
    const std::string &name) const {
    std::lock_guard lock(files_mutex_);
    for (const auto &[inode, file] : files_)
        if (file->name == name) return file;
    return nullptr;
}

std::map<uint64_t, std::shared_ptr<const RunDirectory::File>> RunDirectory::files() const {
    std::lock_guard lock(files_mutex_);
    return files_;
}

void RunDirectory::prepare_mount_point() {
    std::error_code ignored;
    std::string canonical = std::filesystem::weakly_canonical(path_, ignored).string();
    run_dir_lock_ =
        try_abstract_lock("fsev-bpf/run-dir:" + (canonical.empty() ? path_ : canonical));
    if (!run_dir_lock_.valid())
        throw system_error(EBUSY, path_ + " is already served by a running fsev-bpf");
    // No live daemon holds the lock, so an fsev mount still here was left by
    // one that died. (Its directory's attributes may still be cached, so a
    // stat can succeed for a moment after the crash: the lock is what tells.)
    for (int layer = 0; layer < 16 && served_by_fsev(path_); ++layer) {
        std::cerr << "fsev-bpf: " << path_ << ": clearing a stale FUSE mount" << std::endl;
        if (::umount2(path_.c_str(), MNT_DETACH) != 0)
            throw last_system_error("umount stale " + path_);
    }
    struct stat status {};
    if (::stat(path_.c_str(), &status) != 0) {
        if (errno == ENOTCONN) {
            // Another FUSE filesystem that died here: detach it too.
            std::cerr << "fsev-bpf: " << path_ << ": clearing a stale FUSE mount" << std::endl;
            if (::umount2(path_.c_str(), MNT_DETACH) != 0)
                throw last_system_error("umount stale " + path_);
        } else if (errno != ENOENT) {
            throw last_system_error("stat " + path_);
        }
    }
    std::error_code error;
    std::filesystem::create_directories(path_, error);
    if (error) throw std::system_error(error, "create " + path_);
    if (!std::filesystem::is_directory(path_)) throw system_error(ENOTDIR, "--run-dir " + path_);
}

void RunDirectory::start() {
    if (session_) return;
    prepare_mount_point();
    std::vector<std::string> arguments = {
        "fsev-bpf", "-o", "allow_other,default_permissions,fsname=fsev-bpf,subtype=fsev"};
    std::vector<char *> argv;
    for (auto &argument : arguments) argv.push_back(argument.data());
    fuse_args args = FUSE_ARGS_INIT(static_cast<int>(argv.size()), argv.data());
    session_ = fuse_session_new(&args, &kOperations, sizeof kOperations, this);
    if (!session_) throw system_error(EINVAL, "fuse_session_new");
    if (fuse_session_mount(session_, path_.c_str()) != 0) {
        fuse_session_destroy(session_);
        session_ = nullptr;
        run_dir_lock_.reset();
        throw system_error(EIO, "mount FUSE at " + path_ + " (see the message above)");
    }
    stop_event_.reset(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
    lost_event_.reset(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
    if (!stop_event_.valid() || !lost_event_.valid()) {
        stop();
        throw last_system_error("eventfd");
    }
    {
        std::lock_guard lock(writes_mutex_);
        accepting_writes_ = true;
    }
    {
        std::lock_guard lock(drops_mutex_);
        dropping_ = true;
    }
    write_thread_ = std::thread([this] { serve_writes(); });
    drop_thread_ = std::thread([this] { serve_cache_drops(); });
    request_thread_ = std::thread([this] { serve_requests(); });
}

void RunDirectory::stop() {
    if (!session_) return;
    // Writes first, while requests are still served: a write being handled
    // may be waiting on a lookup in this very directory.
    {
        std::lock_guard lock(writes_mutex_);
        accepting_writes_ = false;
    }
    writes_ready_.notify_all();
    if (write_thread_.joinable()) write_thread_.join();
    // Every write is answered, so no page a drop waits for stays locked.
    {
        std::lock_guard lock(drops_mutex_);
        dropping_ = false;
    }
    drops_ready_.notify_all();
    if (drop_thread_.joinable()) drop_thread_.join();
    if (request_thread_.joinable()) {
        uint64_t one = 1;
        if (::write(stop_event_.get(), &one, sizeof one) < 0) std::perror("fsev-bpf: eventfd");
        request_thread_.join();
    }
    fuse_session_unmount(session_);
    fuse_session_destroy(session_);
    session_ = nullptr;
    run_dir_lock_.reset();  // only now may another daemon take the directory
}

bool RunDirectory::queue_write(fuse_req *request, std::shared_ptr<const File> file,
                               std::string data, const Writer &writer,
                               std::shared_ptr<Interruption> interruption) {
    {
        std::lock_guard lock(writes_mutex_);
        if (!accepting_writes_) return false;
        writes_.push_back(
            WriteJob{request, std::move(file), std::move(data), writer, std::move(interruption)});
    }
    writes_ready_.notify_one();
    return true;
}

void RunDirectory::answer_if_queued(fuse_req *request, int error) {
    WriteJob job;
    {
        std::lock_guard lock(writes_mutex_);
        auto queued = std::find_if(
            writes_.begin(), writes_.end(),
            [request](const WriteJob &queued_job) { return queued_job.request == request; });
        if (queued == writes_.end()) return;  // being handled, or answered
        job = std::move(*queued);
        writes_.erase(queued);
    }
    // No interrupt function to clear: this runs inside it, and the reply
    // ends the request.
    fuse_reply_err(job.request, error);
}

void RunDirectory::drop_cached_pages(uint64_t inode) {
    {
        std::lock_guard lock(drops_mutex_);
        if (!dropping_) return;
        drops_.insert(inode);
    }
    drops_ready_.notify_one();
}

void RunDirectory::serve_cache_drops() {
    while (true) {
        std::set<uint64_t> inodes;
        {
            std::unique_lock lock(drops_mutex_);
            drops_ready_.wait(lock, [this] { return !drops_.empty() || !dropping_; });
            if (!dropping_) return;
            inodes.swap(drops_);
        }
        // Offset 0, length 0: every page of the file. Fails harmlessly
        // (ENOENT) when the kernel holds no inode for it.
        for (uint64_t inode : inodes) fuse_lowlevel_notify_inval_inode(session_, inode, 0, 0);
    }
}

void RunDirectory::serve_writes() {
    while (true) {
        WriteJob job;
        {
            std::unique_lock lock(writes_mutex_);
            writes_ready_.wait(lock, [this] { return !writes_.empty() || !accepting_writes_; });
            if (writes_.empty()) return;  // stopping, and nothing left to answer
            job = std::move(writes_.front());
            writes_.pop_front();
        }
        int error = EINTR;  // interrupted while queued: nothing was done
        if (!job.interruption->interrupted()) {
            ScopedInterruption scope(*job.interruption);
            error = job.file->on_write(job.data, job.writer);
        }
        // Waits out an interrupt callback still running on the request
        // thread and stops later ones: the Interruption ends with the job.
        fuse_req_interrupt_func(job.request, nullptr, nullptr);
        if (error)
            fuse_reply_err(job.request, error);
        else
            fuse_reply_write(job.request, job.data.size());
    }
}

std::string RunDirectory::lost_reason() const {
    std::lock_guard lock(lost_mutex_);
    return lost_reason_;
}

void RunDirectory::serve_requests() {
    fuse_buf buffer{};
    pollfd ready[2] = {{fuse_session_fd(session_), POLLIN, 0}, {stop_event_.get(), POLLIN, 0}};
    std::string lost = "its FUSE session ended";
    while (!fuse_session_exited(session_)) {
        if (::poll(ready, 2, -1) < 0) {
            if (errno == EINTR) continue;
            lost = std::string("poll on /dev/fuse: ") + std::strerror(errno);
            break;
        }
        if (ready[1].revents) {  // stop(): not lost
            std::free(buffer.mem);
            return;
        }
        if (!ready[0].revents) continue;
        int got = fuse_session_receive_buf(session_, &buffer);
        if (got == -EINTR || got == -EAGAIN) continue;
        if (got <= 0) {
            // libfuse reports ENODEV (the kernel ended the connection) as 0.
            lost = got == 0 ? "it was unmounted or its FUSE connection was aborted"
                            : std::string("reading /dev/fuse: ") + std::strerror(-got);
            break;
        }
        fuse_session_process_buf(session_, &buffer);
    }
    std::free(buffer.mem);
    {
        std::lock_guard lock(lost_mutex_);
        lost_reason_ = lost;
    }
    uint64_t one = 1;
    if (::write(lost_event_.get(), &one, sizeof one) < 0) std::perror("fsev-bpf: eventfd");
}

}  // namespace fsev
