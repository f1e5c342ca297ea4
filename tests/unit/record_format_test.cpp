#include "events/record_format.h"

#include <gtest/gtest.h>

#include <cstring>

#include "model/device.h"

namespace fsev {
namespace {

fsev_record make_record(uint32_t source) {
    fsev_record record{};
    record.dev = make_kernel_dev(7, 3);
    record.source = source;
    record.available_blocks = 12345;
    record.block_size = 4096;
    record.pid = 42;
    std::strcpy(record.comm, "dd");
    return record;
}

TEST(RecordFormat, NamesEverySourceTheBpfSideEmits) {
    EXPECT_EQ(source_name(FSEV_SRC_ALLOCATE_BLOCKS), "ext4_allocate_blocks");
    EXPECT_EQ(source_name(FSEV_SRC_FREE_BLOCKS), "ext4_free_blocks");
    EXPECT_EQ(source_name(FSEV_SRC_DA_RESERVE), "ext4_da_reserve_space");
    EXPECT_EQ(source_name(FSEV_SRC_DA_RELEASE), "ext4_da_release_space");
    EXPECT_EQ(source_name(FSEV_SRC_DA_UPDATE), "ext4_da_update_reserve_space");
    EXPECT_EQ(source_name(FSEV_SRC_ERROR), "ext4_error");
    EXPECT_EQ(source_name(FSEV_SRC_SHUTDOWN), "ext4_shutdown");
    EXPECT_EQ(source_name(FSEV_SRC_SYSCALL_ENOSPC), "syscall_enospc");
    EXPECT_EQ(source_name(0), "unknown");
    EXPECT_EQ(source_name(FSEV_SRC_MAX), "unknown");
}

TEST(RecordFormat, AllocationLineCarriesDeviceBlocksAndTask) {
    fsev_record record = make_record(FSEV_SRC_ALLOCATE_BLOCKS);
    record.blocks = 256;
    EXPECT_EQ(format_record(record),
              "dev=7:3 ext4_allocate_blocks blocks=256 available_blocks=12345 block_size=4096 "
              "pid=42 comm=dd");
}

TEST(RecordFormat, ErrorLineNamesTheKernelFunctionAndLine) {
    fsev_record record = make_record(FSEV_SRC_ERROR);
    std::strcpy(record.error_function, "ext4_lookup");
    record.error_line = 1812;
    EXPECT_EQ(format_record(record),
              "dev=7:3 ext4_error function=ext4_lookup line=1812 available_blocks=12345 "
              "block_size=4096 pid=42 comm=dd");
}

TEST(RecordFormat, UnterminatedKernelStringsAreBounded) {
    fsev_record record = make_record(FSEV_SRC_SHUTDOWN);
    std::memset(record.comm, 'a', sizeof record.comm);  // no NUL, as the kernel may give
    std::string line = format_record(record);
    EXPECT_NE(line.find("comm=" + std::string(FSEV_COMM_LEN, 'a')), std::string::npos);
    EXPECT_EQ(line.find("comm=" + std::string(FSEV_COMM_LEN + 1, 'a')), std::string::npos);
}

TEST(Device, KernelAndUserEncodingsRoundTrip) {
    EXPECT_EQ(kernel_dev_major(make_kernel_dev(259, 70000)), 259u);
    EXPECT_EQ(kernel_dev_minor(make_kernel_dev(259, 70000)), 70000u);
    dev_t user = makedev(259, 70000);
    EXPECT_EQ(kernel_dev_from_user(user), make_kernel_dev(259, 70000));
    EXPECT_EQ(user_dev_from_kernel(kernel_dev_from_user(user)), user);
}

}  // namespace
}  // namespace fsev
