#include "attribution/writer_counts.h"

#include <bpf/bpf.h>

#include <cerrno>
#include <cstring>

#include "common/system_error.h"
#include "fsev/bpf_shared.h"

namespace fsev {

std::vector<WriterCount> read_writer_counts(int writers_map_fd) {
    std::vector<WriterCount> counts;
    fsev_writer_key key{};
    fsev_writer_key next{};
    fsev_writer_key *previous = nullptr;
    // Entries can vanish under the walk (LRU eviction): a failed lookup is
    // skipped, a failed step restarts nothing, the walk ends at ENOENT.
    while (bpf_map_get_next_key(writers_map_fd, previous, &next) == 0) {
        key = next;
        previous = &key;
        fsev_writer_space space{};
        if (bpf_map_lookup_elem(writers_map_fd, &key, &space) != 0) {
            if (errno == ENOENT) continue;
            throw last_system_error("reading the writers map");
        }
        WriterCount count;
        count.device = key.dev;
        count.cgroup_id = key.cgroup_id;
        count.tgid = key.tgid;
        count.comm.assign(space.comm, strnlen(space.comm, sizeof(space.comm)));
        count.bytes = space.clusters * space.cluster_bytes;
        counts.push_back(std::move(count));
    }
    if (errno != ENOENT) throw last_system_error("walking the writers map");
    return counts;
}

}  // namespace fsev
