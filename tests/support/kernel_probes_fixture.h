#pragma once

// A test fixture that loads and attaches the real BPF object, keeps the real
// traced_superblocks map in step through BpfTraceSync, and collects the
// events the real record interpreter makes of the ring buffer's records.
#include <gtest/gtest.h>

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <system_error>
#include <vector>

#include "model/event_names.h"
#include "events/record_interpreter.h"
#include "probes/ext4_probes.h"
#include "support/loop_ext4.h"
#include "support/root_required.h"
#include "trace/bpf_trace_sync.h"

namespace fsev::test {

class KernelProbesFixture : public ::testing::Test {
  protected:
    // The options the probes are loaded with: this process's pid namespace,
    // and its own writes are not ignored (it is the writer to watch).
    virtual ProbeOptions probe_options() {
        ProbeOptions options = probe_options_for_self();
        options.daemon_tgid = 0;
        return options;
    }

    void SetUp() override {
        FSEV_REQUIRE_ROOT();
        ProbeOptions options = probe_options();
        try {
            probes_ = std::make_unique<Ext4Probes>(options);
            probes_->attach();
        } catch (const std::system_error &error) {
            FAIL() << "loading the real BPF object failed: " << error.what();
        }
        sync_ = std::make_unique<BpfTraceSync>(
            probes_->traced_superblocks_map_fd(),
            [this](const Event &event) { events_.push_back(event); },
            [this](bool warn_wanted) { probes_->watch_syscalls(warn_wanted); });
        interpreter_ = std::make_unique<RecordInterpreter>(
            [this](uint32_t trace_id) { return sync_->find(trace_id); },
            [this](dev_t device) { return sync_->find_by_device(device); },
            [this](uint64_t superblock) { return probes_->ext4_state(superblock); });
        stream_ = std::make_unique<RecordStream>(
            probes_->records_map_fd(), [this](const fsev_record &record) {
                if (record.source == FSEV_SRC_ERROR)
                    error_superblocks_[record.dev] = record.superblock;
                for (const auto &interpreted : interpreter_->interpret(record))
                    events_.push_back(interpreted.event);
            });
    }

    TraceEntry trace(const LoopExt4 &fs, uint32_t types, std::optional<uint64_t> lower = {},
                     std::optional<uint64_t> upper = {}) {
        TraceEntry entry;
        entry.id = ++next_id_;
        entry.device = fs.device();
        entry.types = types;
        entry.has_lower = lower.has_value();
        entry.has_upper = upper.has_value();
        entry.lower_level = lower.value_or(0);
        entry.upper_level = upper.value_or(0);
        entry.mount_point = fs.mount_point();
        entry.fstype = "ext4";
        entry.source = fs.loop_device();
        sync_->entry_created(entry);
        return entry;
    }

    void untrace(const TraceEntry &entry) { sync_->entry_removed(entry, false); }

    // Handles the records that arrive within `duration`, then all still queued.
    void pump(std::chrono::milliseconds duration = std::chrono::milliseconds(0)) {
        auto deadline = std::chrono::steady_clock::now() + duration;
        do {
            stream_->poll(10);
        } while (std::chrono::steady_clock::now() < deadline);
        stream_->drain();
    }

    // Events of one entry (in arrival order), optionally of one type only.
    std::vector<Event> events_of(uint32_t trace_id, uint32_t type = 0) const {
        std::vector<Event> found;
        for (const Event &event : events_)
            if (event.trace_id == trace_id && (type == 0 || event.type == type))
                found.push_back(event);
        return found;
    }

    bool wait_for(uint32_t trace_id, uint32_t id,
                  std::chrono::milliseconds timeout = std::chrono::seconds(5)) {
        auto deadline = std::chrono::steady_clock::now() + timeout;
        while (std::chrono::steady_clock::now() < deadline) {
            for (const Event &event : events_)
                if (event.trace_id == trace_id && event.id == id) return true;
            stream_->poll(20);
        }
        return false;
    }

    static std::string describe(const std::vector<Event> &events) {
        std::string text;
        for (const Event &event : events)
            text += std::string(event_id_name(event.id)) + "/" +
                    std::string(direction_name(event.direction)) + "@" +
                    std::to_string(event.available_blocks) + " ";
        return text;
    }

    std::unique_ptr<Ext4Probes> probes_;
    std::unique_ptr<BpfTraceSync> sync_;
    std::unique_ptr<RecordInterpreter> interpreter_;
    std::unique_ptr<RecordStream> stream_;
    std::vector<Event> events_;
    std::map<uint32_t, uint64_t> error_superblocks_;  // kernel dev -> super_block address
    uint32_t next_id_ = 0;
};

}  // namespace fsev::test
