// The --config-file format: one request per line, `#` comments.
#include <gtest/gtest.h>

#include <unistd.h>

#include <cerrno>
#include <fstream>

#include "config/startup_file.h"
#include "config_test_support.h"

namespace fsev {
namespace {

TEST(ConfigStartupFile, OneRequestPerLineWithComments) {
    ParsedWrite parsed = parse_startup_file(
        "# fsev-bpf start-up set-up\n"
        "\n"
        "/srv/data warn,err,thr 710000 500000   # the data disk\n"
        "   \t\n"
        "/home info\n"
        "/mnt/a#b info\n");
    EXPECT_FALSE(parsed.remove_all);  // blank lines clear nothing
    ASSERT_EQ(parsed.requests.size(), 3u);
    EXPECT_EQ(parsed.requests[0].label, "line 3");
    EXPECT_EQ(parsed.requests[0].lower->amount, 710000u);
    EXPECT_EQ(parsed.requests[1].label, "line 5");
    EXPECT_EQ(parsed.requests[2].mount, "/mnt/a#b");  // `#` inside a word is no comment
}

TEST(ConfigStartupFile, ErrorsNameTheLine) {
    try {
        parse_startup_file("/srv/data warn\n# fine\n/home bogus\n");
        FAIL() << "no error";
    } catch (const RequestError &error) {
        EXPECT_EQ(error.error_number(), EINVAL);
        EXPECT_NE(std::string(error.what()).find("line 3 '/home bogus'"), std::string::npos)
            << error.what();
    }
}

TEST(ConfigStartupFile, SemicolonsAreNotAllowed) {
    EXPECT_THROW(parse_startup_file("/srv/data warn; /home info\n"), RequestError);
}

class StartupFileOnDisk : public ::testing::Test {
  protected:
    void SetUp() override {
        char pattern[] = "/tmp/fsev-startup-XXXXXX";
        int fd = ::mkstemp(pattern);
        ASSERT_GE(fd, 0);
        ::close(fd);
        path = pattern;
    }
    void TearDown() override { ::unlink(path.c_str()); }
    void contents(const std::string &text) { std::ofstream(path) << text; }

    std::string path;
    test::FakeResolver resolver;
    TraceTable table;
};

TEST_F(StartupFileOnDisk, AppliesEveryLine) {
    contents("/srv/data warn,thr 100 50\n/home err\n");
    apply_startup_file(path, table, resolver);
    EXPECT_EQ(table.listing(),
              "1 /srv/data ext4 /dev/vdb1 (warn,thr 100 50)\n"
              "2 /home ext4 /dev/vdc1 (err - -)\n");
}

TEST_F(StartupFileOnDisk, ABadLineAppliesNothingAndNamesFileAndLine) {
    contents("/srv/data warn\n\n/nope info\n");
    try {
        apply_startup_file(path, table, resolver);
        FAIL() << "no error";
    } catch (const std::runtime_error &error) {
        std::string message = error.what();
        EXPECT_NE(message.find(path + ": line 3 '/nope info'"), std::string::npos) << message;
        EXPECT_NE(message.find("No such file or directory"), std::string::npos) << message;
    }
    EXPECT_TRUE(table.entries().empty());
}

TEST_F(StartupFileOnDisk, AMissingFileIsAnError) {
    EXPECT_THROW(apply_startup_file(path + ".missing", table, resolver), std::runtime_error);
}

}  // namespace
}  // namespace fsev
