// The state file: the accepted set-up as request text, replayed at start.
#include <gtest/gtest.h>

#include <sys/stat.h>

#include <cerrno>
#include <fstream>
#include <sstream>

#include "common/durable_file.h"
#include "config/listing.h"
#include "config/state_file.h"
#include "config_test_support.h"
#include "support/file_text.h"
#include "support/temp_dir.h"

namespace fsev {
namespace {

using test::file_text;

// The listing without its ids: what a restart must bring back (ids are
// handed out afresh by the restarted daemon).
std::string without_ids(const std::string &listing) {
    std::istringstream lines(listing);
    std::string line, result;
    while (std::getline(lines, line)) result += line.substr(line.find(' ') + 1) + '\n';
    return result;
}

TEST(ConfigStateFile, ListingLinesBecomeRequestsByMountPoint) {
    EXPECT_EQ(request_for_listing_line("1 /srv/data ext4 /dev/vdb1 (warn,err,thr 710000 500000)"),
              "/srv/data warn,err,thr 710000 500000");
    EXPECT_EQ(request_for_listing_line("7 /srv/data ext4 /dev/vdb1 (warn,thr 710000 -)"),
              "/srv/data warn,thr 710000");
    EXPECT_EQ(request_for_listing_line("2 /mnt/my\\040disk ext4 /dev/loop0 (info - -)"),
              "/mnt/my\\040disk info");
    // Not an entry line (a form the request language reads as it is): kept.
    EXPECT_EQ(request_for_listing_line("@ext4 info,warn"), "@ext4 info,warn");
}

class StateFileRestore : public ::testing::Test {
  protected:
    void SetUp() override { path = temp.path("config.state"); }
    void record(const TraceTable &from) { replace_file_durably(path, state_text(from.listing())); }

    test::TempDir temp{"fsev-state-unit"};
    std::string path;
    test::FakeResolver resolver;
};

TEST_F(StateFileRestore, RestoresWhatWasRecorded) {
    TraceTable before;
    before.apply_write("/srv/data warn,err,thr 710000 500000; /home info; /mnt/my\\040disk thr 9",
                       resolver);
    before.apply_write("!/home", resolver);
    before.apply_write("/home err; /tmp info", resolver);
    record(before);

    TraceTable after;
    RestoreResult result = restore_state_file(path, after, resolver);
    EXPECT_EQ(result.restored, 4u);
    EXPECT_TRUE(result.failures.empty());
    EXPECT_EQ(without_ids(after.listing()), without_ids(before.listing()));
}

TEST_F(StateFileRestore, NoFileRestoresNothing) {
    TraceTable table;
    RestoreResult result = restore_state_file(path, table, resolver);
    EXPECT_EQ(result.restored, 0u);
    EXPECT_TRUE(result.failures.empty());
}

TEST_F(StateFileRestore, AGoneFilesystemIsReportedAndTheRestStillApplies) {
    TraceTable before;
    before.apply_write("/srv/data warn; /home info", resolver);
    record(before);
    // /srv/data was unmounted while the daemon was down.
    struct GoneSrv : test::FakeResolver {
        ResolvedFilesystem resolve(const std::string &p) override {
            if (p == "/srv/data") throw std::system_error(ENOENT, std::generic_category(), p);
            return FakeResolver::resolve(p);
        }
    } resolver_without_srv;
    TraceTable after;
    RestoreResult result = restore_state_file(path, after, resolver_without_srv);
    EXPECT_EQ(result.restored, 1u);
    ASSERT_EQ(result.failures.size(), 1u);
    EXPECT_NE(result.failures[0].find("/srv/data"), std::string::npos) << result.failures[0];
    EXPECT_NE(result.failures[0].find("No such file"), std::string::npos) << result.failures[0];
    EXPECT_EQ(without_ids(after.listing()), "/home ext4 /dev/vdc1 (info - -)\n");
}

TEST_F(StateFileRestore, AnEmptyMountPointIsNotTakenForTheFilesystemBelowIt) {
    TraceTable before;
    before.apply_write("/srv/data warn", resolver);
    record(before);
    resolver.add("/srv/data", makedev(254, 1), "/", "ext4", "/dev/vda");  // unmounted since
    TraceTable after;
    RestoreResult result = restore_state_file(path, after, resolver);
    EXPECT_EQ(result.restored, 0u);
    ASSERT_EQ(result.failures.size(), 1u);
    EXPECT_NE(result.failures[0].find("/srv/data is no longer a mount point"), std::string::npos)
        << result.failures[0];
    EXPECT_EQ(after.listing(), "");
}

TEST_F(StateFileRestore, TheStateReplacesAStartupEntryForTheSameFilesystem) {
    TraceTable before;
    before.apply_write("/srv/data warn", resolver);
    record(before);
    TraceTable after;
    after.apply_write("/srv/data info,err; /home info", resolver);  // as if from --config-file
    RestoreResult result = restore_state_file(path, after, resolver);
    EXPECT_EQ(result.restored, 1u);
    EXPECT_EQ(without_ids(after.listing()),
              "/home ext4 /dev/vdc1 (info - -)\n/srv/data ext4 /dev/vdb1 (warn - -)\n");
}

TEST_F(StateFileRestore, AWriteThatCannotBeRecordedIsRefusedAndChangesNothing) {
    TraceTable table;
    table.apply_write("/home info", resolver);
    table.set_recorder([](const std::string &) {
        throw std::system_error(ENOSPC, std::generic_category(), "write state");
    });
    try {
        table.apply_write("/srv/data warn", resolver);
        FAIL() << "accepted";
    } catch (const RequestError &error) {
        EXPECT_EQ(error.error_number(), ENOSPC);
    }
    EXPECT_EQ(without_ids(table.listing()), "/home ext4 /dev/vdc1 (info - -)\n");
}

TEST_F(StateFileRestore, TheRecorderSeesTheListingBeforeTheWriteReturns) {
    TraceTable table;
    table.set_recorder(
        [this](const std::string &listing) { replace_file_durably(path, state_text(listing)); });
    table.apply_write("/srv/data warn,thr 10 5", resolver);
    EXPECT_NE(file_text(path).find("\n/srv/data warn,thr 10 5\n"), std::string::npos)
        << file_text(path);
    struct stat status {};
    EXPECT_NE(::stat((path + ".tmp").c_str(), &status), 0);  // renamed into place
}

TEST_F(StateFileRestore, APathWithASemicolonRoundTrips) {
    resolver.add("/mnt/a;b", makedev(8, 1), "/mnt/a;b", "ext4", "/dev/sda1");
    TraceTable before;
    before.apply_write("/mnt/a\\073b info", resolver);
    EXPECT_EQ(without_ids(before.listing()), "/mnt/a\\073b ext4 /dev/sda1 (info - -)\n");
    record(before);
    TraceTable after;
    EXPECT_EQ(restore_state_file(path, after, resolver).restored, 1u);
    EXPECT_EQ(without_ids(after.listing()), without_ids(before.listing()));
}

}  // namespace
}  // namespace fsev
