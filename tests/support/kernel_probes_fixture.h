#pragma once

// A test fixture around the daemon's own kernel component (KernelEvents):
// the real BPF object loaded and attached, the real traced_superblocks map
// kept in step through BpfTraceSync, and the events the daemon's
// FilesystemEvents makes of the ring buffer's records, collected.
#include <gtest/gtest.h>

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

#include "attribution/writer_counts.h"
#include "events/filesystem_events.h"
#include "events/record_format.h"
#include "kernel/kernel_events.h"
#include "model/event_names.h"
#include "probes/ext4_probes.h"
#include "support/loop_ext4.h"
#include "support/root_required.h"
#include "support/sample_events.h"
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
        KernelEvents::Handlers handlers;
        handlers.event = [this](const Event &event, uint64_t) { events_.push_back(event); };
        handlers.record = [this](const fsev_record &record) {
            if (record.source == FSEV_SRC_ERROR) error_superblocks_[record.dev] = record.superblock;
            if (record.event_type == FS_EVENT_THRESH)
                threshold_records_.push_back(
                    format_record(record) + " " + event_id_name(record.event_id) + "/" +
                    direction_name(record.direction) + " t=" + std::to_string(record.timestamp_ns));
        };
        handlers.warn_wanted = [this](bool wanted) { probes_->watch_syscalls(wanted); };
        try {
            kernel_ = std::make_unique<KernelEvents>(options, std::move(handlers));
        } catch (const std::system_error &error) {
            FAIL() << "loading the real BPF object failed: " << error.what();
        }
        probes_ = &kernel_->probes();
        sync_ = &kernel_->trace_sync();
        filesystem_events_ = &kernel_->events();
    }

    TraceEntry trace(const LoopExt4 &fs, uint32_t types, std::optional<uint64_t> lower = {},
                     std::optional<uint64_t> upper = {}) {
        TraceEntry entry = trace_entry_for(fs, ++next_id_, types, lower, upper);
        kernel_->entry_created(entry);
        return entry;
    }

    void untrace(const TraceEntry &entry) { kernel_->entry_removed(entry, false); }

    // Handles the records and deferred checks that come within `duration`,
    // then all records still queued.
    void pump(std::chrono::milliseconds duration = std::chrono::milliseconds(0)) {
        auto deadline = std::chrono::steady_clock::now() + duration;
        do {
            kernel_->poll(10);
        } while (std::chrono::steady_clock::now() < deadline);
        kernel_->records().drain();
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
            kernel_->poll(20);
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

    // The maps the writers' counts are in.
    WriterMapFds writer_maps() const {
        return {probes_->writers_map_fd(), probes_->writer_slots_map_fd()};
    }

    std::unique_ptr<KernelEvents> kernel_;
    // Parts of kernel_, for the tests' own checks.
    Ext4Probes *probes_ = nullptr;
    BpfTraceSync *sync_ = nullptr;
    FilesystemEvents *filesystem_events_ = nullptr;
    std::vector<Event> events_;
    // The ring-buffer records behind THRESH events (which hook decided, in
    // which task, on what count), to explain a failure.
    std::vector<std::string> threshold_records_;
    std::string describe_threshold_records() const {
        std::string text;
        for (const std::string &record : threshold_records_) text += "\n  " + record;
        return text;
    }
    std::map<uint32_t, uint64_t> error_superblocks_;  // kernel dev -> super_block address
    uint32_t next_id_ = 0;
};

}  // namespace fsev::test
