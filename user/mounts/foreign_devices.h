#pragma once

#include <sys/types.h>

namespace fsev {

// Filesystems a writer in another mount namespace registered while no mount
// of them was in fsev-bpf's own mount table, by device. That table will never
// show them, so the mount watcher asks the kernel whether they are still
// mounted anywhere instead (see with_entries_mounted_elsewhere). Every other
// entry lives exactly as long as its filesystem is in the daemon's table.
// Thread-safe; process-wide, like the mount namespace it describes.
void remember_foreign_device(dev_t device);
bool is_foreign_device(dev_t device);
void forget_foreign_device(dev_t device);

}  // namespace fsev
