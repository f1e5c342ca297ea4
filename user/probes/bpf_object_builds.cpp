#include "probes/bpf_object_builds.h"

#include <cerrno>
#include <cstdlib>

#include "fsev_bpf.skel.h"
#include "fsev_bpf_plain.skel.h"

namespace fsev {

::fsev_bpf *open_fsev_bpf(bool plain_loads) {
    // fsev_bpf__open(), with the other build's ELF bytes when asked.
    auto *object = static_cast<::fsev_bpf *>(std::calloc(1, sizeof(::fsev_bpf)));
    if (!object) {
        errno = ENOMEM;
        return nullptr;
    }
    int err = fsev_bpf__create_skeleton(object);
    if (!err && plain_loads)
        object->skeleton->data =
            const_cast<void *>(fsev_bpf_plain__elf_bytes(&object->skeleton->data_sz));
    if (!err) err = bpf_object__open_skeleton(object->skeleton, nullptr);
    if (err) {
        fsev_bpf__destroy(object);
        errno = -err;
        return nullptr;
    }
    return object;
}

}  // namespace fsev
