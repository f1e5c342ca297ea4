#include "attribution/writer_counts.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <map>
#include <tuple>

#include "common/system_error.h"
#include "fsev/bpf_shared.h"

namespace fsev {
namespace {

using WriterKey = std::tuple<uint32_t, uint64_t, uint32_t>;  // dev, cgroup id, tgid

// Per writer, the units pending in the CPUs' slots. Read after the map:
// BPF clears a slot before it adds the slot's units to the map, so units
// moving meanwhile are missed, never counted twice (bpf/attribution.bpf.h).
std::map<WriterKey, uint64_t> pending_units(int slots_map_fd) {
    std::map<WriterKey, uint64_t> pending;
    if (slots_map_fd < 0) return pending;
    int cpus = libbpf_num_possible_cpus();
    if (cpus <= 0) throw std::system_error(-cpus, std::generic_category(), "counting CPUs");
    std::vector<fsev_writer_slot> slots(static_cast<size_t>(cpus));
    std::vector<bool> read(slots.size(), false);
    constexpr int kTries = 4;
    for (int attempt = 0; attempt < kTries; attempt++) {
        uint32_t zero = 0;
        if (bpf_map_lookup_elem(slots_map_fd, &zero, slots.data()) != 0)
            throw last_system_error("reading the writer slots");
        bool all = true;
        for (size_t cpu = 0; cpu < slots.size(); cpu++) {
            if (read[cpu]) continue;
            const fsev_writer_slot &slot = slots[cpu];
            // The copy runs from `done` to `begun`: equal, no change of
            // writer overlapped it.
            if (slot.done != slot.begun) {
                all = false;
                continue;
            }
            read[cpu] = true;
            if (slot.pending != 0 && slot.key.dev != 0)
                pending[{slot.key.dev, slot.key.cgroup_id, slot.key.tgid}] += slot.pending;
        }
        if (all) break;
    }
    return pending;
}

}  // namespace

std::vector<WriterCount> read_writer_counts(const WriterMapFds &maps) {
    std::vector<WriterCount> counts;
    fsev_writer_key key{};
    fsev_writer_key next{};
    fsev_writer_key *previous = nullptr;
    std::vector<fsev_writer_space> spaces;
    // Entries can vanish under the walk (LRU eviction): a failed lookup is
    // skipped, a failed step restarts nothing, the walk ends at ENOENT.
    while (bpf_map_get_next_key(maps.writers, previous, &next) == 0) {
        key = next;
        previous = &key;
        fsev_writer_space space{};
        if (bpf_map_lookup_elem(maps.writers, &key, &space) != 0) {
            if (errno == ENOENT) continue;
            throw last_system_error("reading the writers map");
        }
        WriterCount count;
        count.device = key.dev;
        count.cgroup_id = key.cgroup_id;
        count.tgid = key.tgid;
        count.comm.assign(space.comm, strnlen(space.comm, sizeof(space.comm)));
        count.bytes = space.clusters * space.cluster_bytes;
        count.first_ns = space.first_ns;
        counts.push_back(std::move(count));
        spaces.push_back(space);
    }
    if (errno != ENOENT) throw last_system_error("walking the writers map");
    // The map's values before the slots' (see pending_units).
    std::atomic_thread_fence(std::memory_order_seq_cst);
    std::map<WriterKey, uint64_t> pending = pending_units(maps.slots);
    // Units pending for a writer whose entry is gone (evicted) are not
    // shown: BPF adds them to the unattributed counters when it moves them.
    for (size_t i = 0; i < counts.size(); i++) {
        auto found = pending.find({counts[i].device, counts[i].cgroup_id, counts[i].tgid});
        if (found != pending.end()) counts[i].bytes += found->second * spaces[i].cluster_bytes;
    }
    return counts;
}

}  // namespace fsev
