// A config file opened read-write (O_RDWR): the real daemon, real loop ext4.
// Such opens use direct I/O (so reads see the listing as it is at open), so
// what makes one write call one batch differs from write-only opens.
#include <gtest/gtest.h>

#include <fcntl.h>
#include <sys/uio.h>
#include <unistd.h>

#include <cerrno>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "support/daemon_process.h"
#include "support/file_text.h"
#include "support/loop_ext4.h"
#include "support/root_required.h"

namespace fsev {
namespace {

using test::file_text;

// One writev() of `text` in iovecs of `piece` bytes on a file opened O_RDWR;
// the byte count, or -errno.
ssize_t writev_read_write(const std::string &path, const std::string &text, size_t piece) {
    std::vector<iovec> pieces;
    for (size_t at = 0; at < text.size(); at += piece)
        pieces.push_back({const_cast<char *>(text.data() + at), std::min(piece, text.size() - at)});
    int fd = ::open(path.c_str(), O_RDWR | O_CLOEXEC);
    if (fd < 0) return -errno;
    ssize_t written = ::writev(fd, pieces.data(), static_cast<int>(pieces.size()));
    if (written < 0) written = -errno;
    ::close(fd);
    return written;
}

TEST(ConfigReadWriteOpen, AWritevWithinOneRequestIsOneBatchWhateverItsLayout) {
    FSEV_REQUIRE_ROOT();
    test::LoopExt4 fs;
    test::DaemonProcess daemon;
    ASSERT_TRUE(daemon.wait_until_ready()) << daemon.output();
    const std::string config = daemon.run_dir() + "/config";
    const std::string mnt = fs.mount_point();
    const std::string entry = "1 " + mnt + " ext4 " + fs.loop_device() + " (info,err - -)\n";

    // Direct I/O sends at most 256 pages per request, counting every page
    // each iovec touches: calls whose iovecs touch at most 256 pages in all
    // (255 small iovecs, or the 64 KiB limit in few large ones) arrive
    // whole. Repeated for each layout: a bad request at the end refuses the
    // whole call, the good version applies whole.
    struct Layout {
        size_t bytes, piece;
    };
    for (Layout layout : {Layout{250, 1}, Layout{760, 3}, Layout{1785, 7},
                          Layout{64 * 1024, 64 * 1024}, Layout{64 * 1024, 4096}}) {
        for (int repeat = 0; repeat < 10; ++repeat) {
            std::string bad;
            while (bad.size() + 2 * mnt.size() + 16 < layout.bytes) bad += mnt + " info;";
            bad += mnt + " bogus";
            SCOPED_TRACE(std::to_string(bad.size()) + " bytes in iovecs of " +
                         std::to_string(layout.piece));
            ASSERT_LE((bad.size() + layout.piece - 1) / layout.piece, 255u);  // + page crossings
            EXPECT_EQ(writev_read_write(config, bad, layout.piece), -EINVAL);
            EXPECT_EQ(file_text(config), "");
            std::string good = bad.substr(0, bad.rfind(';')) + "; " + mnt + " err";
            EXPECT_EQ(writev_read_write(config, good, layout.piece),
                      static_cast<ssize_t>(good.size()));
            EXPECT_EQ(file_text(config).substr(file_text(config).find(' ')),
                      entry.substr(entry.find(' ')));
            std::ofstream(config) << " ";  // clears the table
            ASSERT_EQ(file_text(config), "");
        }
    }
}

}  // namespace
}  // namespace fsev
