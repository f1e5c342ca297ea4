#include "mounts/foreign_devices.h"

#include <mutex>
#include <set>

namespace fsev {

namespace {

std::mutex foreign_mutex;
std::set<dev_t> &foreign_set() {
    static std::set<dev_t> devices;
    return devices;
}

}  // namespace

void remember_foreign_device(dev_t device) {
    std::lock_guard lock(foreign_mutex);
    foreign_set().insert(device);
}

bool is_foreign_device(dev_t device) {
    std::lock_guard lock(foreign_mutex);
    return foreign_set().count(device) != 0;
}

void forget_foreign_device(dev_t device) {
    std::lock_guard lock(foreign_mutex);
    foreign_set().erase(device);
}

}  // namespace fsev
