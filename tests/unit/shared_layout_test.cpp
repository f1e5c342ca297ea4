// Every struct that crosses the BPF boundary must be laid out the same by
// clang -target bpf and by the C++ compiler. The BPF object's own BTF says
// how clang laid it out; each field's offset and size is compared with
// offsetof/sizeof here, and a field on either side only is a failure
// (bpf/layout.bpf.c declares the structs so that their BTF is emitted).
#include <gtest/gtest.h>

#include <bpf/btf.h>

#include <cstddef>
#include <map>
#include <memory>
#include <string>

#include "fsev/bpf_shared.h"

namespace fsev {
namespace {

struct Field {
    size_t offset;
    size_t size;
};
using Layout = std::map<std::string, Field>;

#define FSEV_FIELD(type, field)                                                \
    {                                                                          \
#field, Field {                                                        \
            offsetof(type, field), sizeof(static_cast<type *>(nullptr)->field) \
        }                                                                      \
    }

const Layout kRecordLayout = {
    FSEV_FIELD(fsev_record, timestamp_ns),
    FSEV_FIELD(fsev_record, available_blocks),
    FSEV_FIELD(fsev_record, blocks),
    FSEV_FIELD(fsev_record, dev),
    FSEV_FIELD(fsev_record, pid),
    FSEV_FIELD(fsev_record, source),
    FSEV_FIELD(fsev_record, block_size),
    FSEV_FIELD(fsev_record, error_line),
    FSEV_FIELD(fsev_record, trace_id),
    FSEV_FIELD(fsev_record, event_type),
    FSEV_FIELD(fsev_record, event_id),
    FSEV_FIELD(fsev_record, direction),
    FSEV_FIELD(fsev_record, error_mode),
    FSEV_FIELD(fsev_record, syscall_nr),
    FSEV_FIELD(fsev_record, dirfd),
    FSEV_FIELD(fsev_record, comm),
    FSEV_FIELD(fsev_record, error_function),
    FSEV_FIELD(fsev_record, fs_id),
    FSEV_FIELD(fsev_record, path),
    FSEV_FIELD(fsev_record, superblock),
};

const Layout kTraceConfigLayout = {
    FSEV_FIELD(fsev_trace_config, lower_level),
    FSEV_FIELD(fsev_trace_config, upper_level),
    FSEV_FIELD(fsev_trace_config, trace_id),
    FSEV_FIELD(fsev_trace_config, types),
    FSEV_FIELD(fsev_trace_config, levels),
    FSEV_FIELD(fsev_trace_config, reached),
    FSEV_FIELD(fsev_trace_config, ext4_sb_info),
    FSEV_FIELD(fsev_trace_config, reserved_blocks),
    FSEV_FIELD(fsev_trace_config, fresh_until),
    FSEV_FIELD(fsev_trace_config, cluster_bits),
    FSEV_FIELD(fsev_trace_config, padding),
    FSEV_FIELD(fsev_trace_config, crossing_budget),
    FSEV_FIELD(fsev_trace_config, crossing_budget_until),
};

const Layout kInFlightLayout = {
    FSEV_FIELD(fsev_superblock_in_flight, clusters),
    FSEV_FIELD(fsev_superblock_in_flight, searching),
    FSEV_FIELD(fsev_superblock_in_flight, generation),
    FSEV_FIELD(fsev_superblock_in_flight, changed_ns),
    FSEV_FIELD(fsev_superblock_in_flight, announced_ns),
    FSEV_FIELD(fsev_superblock_in_flight, announcer_tid),
    FSEV_FIELD(fsev_superblock_in_flight, metadata_returned),
    FSEV_FIELD(fsev_superblock_in_flight, moved),
};

const Layout kActivityLayout = {
    FSEV_FIELD(fsev_activity, last_signal_ns),
    FSEV_FIELD(fsev_activity, last_activity_ns),
};

const Layout kWriterKeyLayout = {
    FSEV_FIELD(fsev_writer_key, cgroup_id),
    FSEV_FIELD(fsev_writer_key, dev),
    FSEV_FIELD(fsev_writer_key, tgid),
};

const Layout kWriterSpaceLayout = {
    FSEV_FIELD(fsev_writer_space, clusters),      FSEV_FIELD(fsev_writer_space, first_ns),
    FSEV_FIELD(fsev_writer_space, cluster_bytes), FSEV_FIELD(fsev_writer_space, padding),
    FSEV_FIELD(fsev_writer_space, comm),
};

const Layout kWriterSlotLayout = {
    FSEV_FIELD(fsev_writer_slot, done),    FSEV_FIELD(fsev_writer_slot, key),
    FSEV_FIELD(fsev_writer_slot, pending), FSEV_FIELD(fsev_writer_slot, unit_bytes),
    FSEV_FIELD(fsev_writer_slot, busy),    FSEV_FIELD(fsev_writer_slot, begun),
};

struct BtfDeleter {
    void operator()(btf *object) const { btf__free(object); }
};

class SharedLayoutTest : public ::testing::Test {
  protected:
    void SetUp() override {
        object_.reset(btf__parse(FSEV_BPF_OBJECT, nullptr));
        ASSERT_TRUE(object_) << "cannot read the BTF of " << FSEV_BPF_OBJECT;
    }

    // Compares struct `name` as the BPF object has it with `expected`.
    void expect_same_layout(const char *name, size_t expected_size, const Layout &expected) {
        int id = btf__find_by_name_kind(object_.get(), name, BTF_KIND_STRUCT);
        ASSERT_GT(id, 0) << "struct " << name << " is not in the BPF object's BTF";
        const btf_type *type = btf__type_by_id(object_.get(), static_cast<uint32_t>(id));
        EXPECT_EQ(type->size, expected_size) << "sizeof(struct " << name << ")";
        const btf_member *members = btf_members(type);
        Layout seen;
        for (uint16_t i = 0; i < btf_vlen(type); i++) {
            std::string field = btf__name_by_offset(object_.get(), members[i].name_off);
            EXPECT_EQ(btf_member_bitfield_size(type, i), 0u) << name << "." << field;
            auto size = btf__resolve_size(object_.get(), members[i].type);
            ASSERT_GE(size, 0) << name << "." << field;
            seen[field] = Field{btf_member_bit_offset(type, i) / 8, static_cast<size_t>(size)};
        }
        for (const auto &[field, layout] : expected) {
            auto found = seen.find(field);
            if (found == seen.end()) {
                ADD_FAILURE() << name << "." << field << " is not in the BPF object";
                continue;
            }
            EXPECT_EQ(found->second.offset, layout.offset) << name << "." << field << " offset";
            EXPECT_EQ(found->second.size, layout.size) << name << "." << field << " size";
        }
        for (const auto &[field, layout] : seen)
            EXPECT_TRUE(expected.count(field))
                << name << "." << field << " is in the BPF object but not checked here";
    }

    std::unique_ptr<btf, BtfDeleter> object_;
};

TEST_F(SharedLayoutTest, RingBufferRecordIsLaidOutAlikeOnBothSides) {
    expect_same_layout("fsev_record", sizeof(fsev_record), kRecordLayout);
}

TEST_F(SharedLayoutTest, TracedSuperblockValueIsLaidOutAlikeOnBothSides) {
    expect_same_layout("fsev_trace_config", sizeof(fsev_trace_config), kTraceConfigLayout);
}

TEST_F(SharedLayoutTest, SpaceInFlightValueIsLaidOutAlikeOnBothSides) {
    expect_same_layout("fsev_superblock_in_flight", sizeof(fsev_superblock_in_flight),
                       kInFlightLayout);
}

TEST_F(SharedLayoutTest, ActivityValueIsLaidOutAlikeOnBothSides) {
    expect_same_layout("fsev_activity", sizeof(fsev_activity), kActivityLayout);
}

TEST_F(SharedLayoutTest, WriterKeyAndValueAreLaidOutAlikeOnBothSides) {
    expect_same_layout("fsev_writer_key", sizeof(fsev_writer_key), kWriterKeyLayout);
    expect_same_layout("fsev_writer_space", sizeof(fsev_writer_space), kWriterSpaceLayout);
    expect_same_layout("fsev_writer_slot", sizeof(fsev_writer_slot), kWriterSlotLayout);
}

}  // namespace
}  // namespace fsev
