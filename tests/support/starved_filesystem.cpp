#include "support/starved_filesystem.h"

#include "support/command.h"

namespace fsev::test {

StarvedFilesystem::StarvedFilesystem(const std::string &type, uint64_t size_mib)
    : mount_point_(directory_.make_directory("mnt")) {
    // Room for what mkfs and the first writes need, not for the image.
    store_.emplace("tmpfs", "fsev-test-store", directory_.make_directory("store"),
                   "size=" + std::to_string(size_mib / 2) + "m");
    std::string image = make_image(store_->target() + "/" + type + ".img", size_mib);
    make_filesystem(type, image);
    loop_.emplace(image);
    mount_.emplace(type, loop_->path(), mount_point_);
    device_ = mount_->device();
}

void StarvedFilesystem::starve() {
    // dd ends with ENOSPC: that is the point.
    run_command({"dd", "if=/dev/zero", "of=" + store_->target() + "/filler", "bs=1M"});
}

}  // namespace fsev::test
