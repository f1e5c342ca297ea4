// A config file opened read-write (O_RDWR): the real daemon, real loop ext4.
// Such opens write through the page cache, as write-only opens do, so one
// write call is one batch whatever its iovecs; their reads go through the
// page cache too, which all of them share, and must still see one whole
// listing and never written text.
#include <gtest/gtest.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "support/command.h"
#include "support/daemon_process.h"
#include "support/file_text.h"
#include "support/loop_ext4.h"
#include "support/root_required.h"

namespace fsev {
namespace {

using test::file_text;

constexpr size_t kPage = 4096;

// One writev() of `pieces` on a file opened O_RDWR; the byte count, or -errno.
ssize_t writev_read_write(const std::string &path, const std::vector<iovec> &pieces) {
    int fd = ::open(path.c_str(), O_RDWR | O_CLOEXEC);
    if (fd < 0) return -errno;
    ssize_t written = ::writev(fd, pieces.data(), static_cast<int>(pieces.size()));
    if (written < 0) written = -errno;
    ::close(fd);
    return written;
}

// `text` cut into iovecs of `piece` bytes, in place.
std::vector<iovec> pieces_of(const std::string &text, size_t piece) {
    std::vector<iovec> pieces;
    for (size_t at = 0; at < text.size(); at += piece)
        pieces.push_back({const_cast<char *>(text.data() + at), std::min(piece, text.size() - at)});
    return pieces;
}

// Requests naming `mnt`, `bytes` long at most, whose last request is bad;
// the good version ends with a good one instead.
std::string bad_requests(const std::string &mnt, size_t bytes) {
    std::string bad;
    while (bad.size() + 2 * mnt.size() + 16 < bytes) bad += mnt + " info;";
    return bad + mnt + " bogus";
}

std::string good_version(const std::string &bad, const std::string &mnt) {
    return bad.substr(0, bad.rfind(';')) + "; " + mnt + " err";
}

// The listing holds `entry` (trace ids aside); then the table is cleared.
void expect_only_entry_then_clear(const std::string &config, const std::string &entry) {
    std::string listing = file_text(config);
    ASSERT_NE(listing.find(' '), std::string::npos);
    EXPECT_EQ(listing.substr(listing.find(' ')), entry.substr(entry.find(' ')));
    std::ofstream(config) << " ";  // clears the table
    ASSERT_EQ(file_text(config), "");
}

// Each test: a real daemon and a real loop ext4 to name in requests.
class ConfigReadWriteOpen : public ::testing::Test {
  protected:
    void SetUp() override {
        FSEV_REQUIRE_ROOT();
        fs_ = std::make_unique<test::LoopExt4>();
        daemon_ = std::make_unique<test::DaemonProcess>();
        ASSERT_TRUE(daemon_->wait_until_ready()) << daemon_->output();
        config = daemon_->run_dir() + "/config";
        mnt = fs_->mount_point();
    }
    // The listing line of the loop filesystem's entry with `types` and
    // `levels`, as the first entry of the table.
    std::string listed(const std::string &types, const std::string &levels = "- -") const {
        return "1 " + mnt + " ext4 " + fs_->loop_device() + " (" + types + " " + levels + ")\n";
    }

    std::string config, mnt;

  private:
    std::unique_ptr<test::LoopExt4> fs_;  // outlives the daemon
    std::unique_ptr<test::DaemonProcess> daemon_;
};

TEST_F(ConfigReadWriteOpen, AWritevWithinOneRequestIsOneBatchWhateverItsLayout) {
    const std::string entry = listed("info,err");

    // Calls whose iovecs touch at most 256 pages in all (255 small iovecs,
    // or the 64 KiB limit in few large ones): the most one direct-I/O
    // request can carry. Repeated for each layout: a bad request at the end
    // refuses the whole call, the good version applies whole.
    struct Layout {
        size_t bytes, piece;
    };
    for (Layout layout : {Layout{250, 1}, Layout{760, 3}, Layout{1785, 7},
                          Layout{64 * 1024, 64 * 1024}, Layout{64 * 1024, 4096}}) {
        for (int repeat = 0; repeat < 10; ++repeat) {
            std::string bad = bad_requests(mnt, layout.bytes);
            SCOPED_TRACE(std::to_string(bad.size()) + " bytes in iovecs of " +
                         std::to_string(layout.piece));
            ASSERT_LE((bad.size() + layout.piece - 1) / layout.piece, 255u);  // + page crossings
            EXPECT_EQ(writev_read_write(config, pieces_of(bad, layout.piece)), -EINVAL);
            EXPECT_EQ(file_text(config), "");
            std::string good = good_version(bad, mnt);
            EXPECT_EQ(writev_read_write(config, pieces_of(good, layout.piece)),
                      static_cast<ssize_t>(good.size()));
            expect_only_entry_then_clear(config, entry);
        }
    }
}

// `text` laid out in iovecs of `piece` bytes, each in pages of its own: at
// the start of its page, or (`straddle`) across the boundary between its
// two pages. Every page is written first, so all of them are in memory.
class ScatteredText {
  public:
    ScatteredText(const std::string &text, size_t piece, bool straddle) {
        size_t pieces = (text.size() + piece - 1) / piece;
        size_t pages_per_piece = straddle ? 2 : 1;
        pages_ = pieces * pages_per_piece;
        buffer_.reset(static_cast<char *>(std::aligned_alloc(kPage, pages_ * kPage)));
        std::memset(buffer_.get(), '#', pages_ * kPage);
        for (size_t i = 0; i < pieces; ++i) {
            size_t length = std::min(piece, text.size() - i * piece);
            char *start = buffer_.get() + i * pages_per_piece * kPage;
            if (straddle) start += kPage - length / 2 - 1;  // crosses into the next page
            std::memcpy(start, text.data() + i * piece, length);
            iovecs_.push_back({start, length});
        }
    }
    const std::vector<iovec> &iovecs() const { return iovecs_; }
    size_t pages_touched() const {
        size_t pages = 0;
        for (const iovec &piece : iovecs_) {
            auto first = reinterpret_cast<uintptr_t>(piece.iov_base) / kPage;
            auto last = (reinterpret_cast<uintptr_t>(piece.iov_base) + piece.iov_len - 1) / kPage;
            pages += last - first + 1;
        }
        return pages;
    }

  private:
    struct Free {
        void operator()(char *memory) const { std::free(memory); }
    };
    std::unique_ptr<char, Free> buffer_;
    size_t pages_ = 0;
    std::vector<iovec> iovecs_;
};

TEST_F(ConfigReadWriteOpen, AWritevOverMorePagesThanOneDirectRequestIsStillOneBatch) {
    const std::string entry = listed("info,err");

    // Layouts whose iovecs touch more than 256 pages, which direct I/O
    // would send as several requests (the first applied on its own).
    struct Layout {
        size_t bytes, piece;
        bool straddle;
    };
    for (Layout layout : {Layout{301, 1, false}, Layout{2100, 7, true}, Layout{65400, 218, true},
                          Layout{64 * 1024, 64, true}}) {
        for (int repeat = 0; repeat < 10; ++repeat) {
            // Padded with blanks to the layout's exact size.
            std::string bad = bad_requests(mnt, layout.bytes);
            std::string good = good_version(bad, mnt);
            bad.resize(layout.bytes, ' ');
            good.resize(layout.bytes, ' ');
            ScatteredText scattered_bad(bad, layout.piece, layout.straddle);
            SCOPED_TRACE(std::to_string(bad.size()) + " bytes in " +
                         std::to_string(scattered_bad.iovecs().size()) + " iovecs of " +
                         std::to_string(layout.piece) + " touching " +
                         std::to_string(scattered_bad.pages_touched()) + " pages");
            ASSERT_GT(scattered_bad.pages_touched(), 256u);
            ASSERT_LE(scattered_bad.iovecs().size(), 1024u);
            EXPECT_EQ(writev_read_write(config, scattered_bad.iovecs()), -EINVAL);
            ASSERT_EQ(file_text(config), "") << "part of a refused call was applied";

            ScatteredText scattered_good(good, layout.piece, layout.straddle);
            ASSERT_GT(scattered_good.pages_touched(), 256u);
            EXPECT_EQ(writev_read_write(config, scattered_good.iovecs()),
                      static_cast<ssize_t>(good.size()));
            expect_only_entry_then_clear(config, entry);
        }
    }
    // Over the limit, scattered the same way: refused whole.
    std::string too_big = bad_requests(mnt, 64 * 1024) + std::string(70, ' ');
    ASSERT_GT(too_big.size(), 64u * 1024);
    ScatteredText scattered_too_big(too_big, 65, true);
    EXPECT_EQ(writev_read_write(config, scattered_too_big.iovecs()), -EFBIG);
    EXPECT_EQ(file_text(config), "");
}

// All of `fd` from position 0, read in chunks of `chunk` bytes.
std::string read_all_from_start(int fd, size_t chunk = 4096) {
    std::string text;
    std::vector<char> buffer(chunk);
    for (off_t at = 0;;) {
        ssize_t got = ::pread(fd, buffer.data(), buffer.size(), at);
        if (got <= 0) break;
        text.append(buffer.data(), static_cast<size_t>(got));
        at += got;
    }
    return text;
}

// `path`'s size as stat reports it.
off_t size_of(const std::string &path) {
    struct stat status {};
    return ::stat(path.c_str(), &status) == 0 ? status.st_size : -1;
}

TEST_F(ConfigReadWriteOpen, ReadsSeeTheListingAsItWasAtTheLatestReadWriteOpen) {
    std::ofstream(config) << mnt << " info\n";
    const std::string first = file_text(config);
    ASSERT_NE(first, "");

    for (int repeat = 0; repeat < 10; ++repeat) {
        SCOPED_TRACE("repeat " + std::to_string(repeat));
        std::ofstream(config) << mnt << " info\n";
        ASSERT_EQ(file_text(config), first);
        int held = ::open(config.c_str(), O_RDWR | O_CLOEXEC);
        ASSERT_GE(held, 0);
        EXPECT_EQ(read_all_from_start(held), first);
        EXPECT_EQ(size_of(config), static_cast<off_t>(first.size()));  // while held

        // The table changes: the held open still reads its listing.
        std::ofstream(config) << mnt << " err\n";
        const std::string second = file_text(config);
        ASSERT_NE(second, first);
        EXPECT_EQ(read_all_from_start(held, 5), first);
        // A new read-write open: both read the listing as it was at that
        // open (they share the page cache), in turns, in small reads.
        int fresh = ::open(config.c_str(), O_RDWR | O_CLOEXEC);
        ASSERT_GE(fresh, 0);
        for (int turn = 0; turn < 3; ++turn) {
            EXPECT_EQ(read_all_from_start(fresh, 7), second);
            EXPECT_EQ(read_all_from_start(held, 5), second);
        }

        // A write of over two pages on the held open: accepted, and its
        // text (left in the page cache) is never read back.
        std::string write = std::string(2 * kPage, ' ') + "!" + mnt + " err";
        EXPECT_EQ(::pwrite(held, write.data(), write.size(), 0),
                  static_cast<ssize_t>(write.size()));
        EXPECT_EQ(read_all_from_start(held), second);
        EXPECT_EQ(read_all_from_start(fresh), second);
        EXPECT_EQ(file_text(config), first);  // a read-only open reads the table now
        ::close(fresh);
        ::close(held);
        EXPECT_EQ(size_of(config), 0);  // none held
    }
}

TEST_F(ConfigReadWriteOpen, ReadWriteOpensReadingAtOnceReadTheSameListing) {
    std::ofstream(config) << mnt << " info\n";
    int older = ::open(config.c_str(), O_RDWR | O_CLOEXEC);
    ASSERT_GE(older, 0);
    std::ofstream(config) << mnt << " err\n";
    int newer = ::open(config.c_str(), O_RDWR | O_CLOEXEC);
    ASSERT_GE(newer, 0);
    const std::string listing = file_text(config);

    // Two readers in a tight loop for a second: each whole read is the
    // listing at the newer open (while each open read its own, a third to
    // two thirds of such reads were the other's listing, or a mix of both).
    std::atomic<int> wrong{0}, reads{0};
    auto reader = [&](int fd) {
        auto until = std::chrono::steady_clock::now() + std::chrono::seconds(1);
        while (std::chrono::steady_clock::now() < until) {
            if (read_all_from_start(fd) != listing) ++wrong;
            ++reads;
        }
    };
    std::thread one(reader, older), two(reader, newer);
    one.join();
    two.join();
    EXPECT_EQ(wrong.load(), 0) << "of " << reads.load() << " reads";
    EXPECT_GT(reads.load(), 1000);
    ::close(older);
    ::close(newer);
}

TEST_F(ConfigReadWriteOpen, ShellAndPythonReadWriteOpensWork) {
    // bash: `1<>` writes, `<>` reads, `>>` appends a batch of its own.
    auto result = test::run_command({"bash", "-c", "echo '" + mnt + " info' 1<>" + config});
    EXPECT_EQ(result.exit_code, 0) << result.output;
    EXPECT_EQ(file_text(config), listed("info"));
    result = test::run_command({"bash", "-c", "cat 0<>" + config});
    EXPECT_EQ(result.exit_code, 0) << result.output;
    EXPECT_EQ(result.output, listed("info"));
    result = test::run_command({"bash", "-c", "echo '" + mnt + " err' >>" + config});
    EXPECT_EQ(result.exit_code, 0) << result.output;
    EXPECT_EQ(file_text(config), listed("info,err"));
    result = test::run_command({"bash", "-c", "echo '" + mnt + " bogus' 1<>" + config});
    EXPECT_NE(result.exit_code, 0);
    EXPECT_NE(result.output.find("Invalid argument"), std::string::npos) << result.output;
    EXPECT_EQ(file_text(config), listed("info,err"));

    // python open('r+'): read the listing, then write at the start; and
    // write first, then read (the listing as it was at open).
    result = test::run_command(
        {"python3", "-c",
         "import sys\nwith open(sys.argv[1], 'r+') as f:\n    print(f.read(), end='')\n"
         "    f.seek(0)\n    f.write('!' + sys.argv[2] + ' err\\n')\n",
         config, mnt});
    EXPECT_EQ(result.exit_code, 0) << result.output;
    EXPECT_EQ(result.output, listed("info,err"));
    EXPECT_EQ(file_text(config), listed("info"));
    result = test::run_command({"python3", "-c",
                                "import sys\nwith open(sys.argv[1], 'r+') as f:\n    "
                                "f.write(sys.argv[2] + ' thr 100\\n')\n"
                                "    f.flush()\n    f.seek(0)\n    print(f.read(), end='')\n",
                                config, mnt});
    EXPECT_EQ(result.exit_code, 0) << result.output;
    EXPECT_EQ(result.output, listed("info"));
    EXPECT_EQ(file_text(config), listed("info,thr", "100 -"));
}

}  // namespace
}  // namespace fsev
