#pragma once

#include <bpf/libbpf.h>

#include <memory>

namespace fsev {

struct BpfLinkDeleter {
    void operator()(bpf_link *link) const { bpf_link__destroy(link); }
};
// One attached program; detaches when destroyed.
using BpfLink = std::unique_ptr<bpf_link, BpfLinkDeleter>;

struct RingBufferDeleter {
    void operator()(ring_buffer *ring) const { ring_buffer__free(ring); }
};
using RingBufferPtr = std::unique_ptr<ring_buffer, RingBufferDeleter>;

}  // namespace fsev
