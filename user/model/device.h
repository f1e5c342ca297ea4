#pragma once

#include <cstdint>
#include <sys/sysmacros.h>
#include <sys/types.h>

namespace fsev {

// The kernel keeps dev_t as major << 20 | minor (MINORBITS = 20); glibc's
// dev_t, as stat(2) returns it, uses another layout. BPF sees the kernel's.
constexpr uint32_t kernel_dev_major(uint32_t kernel_dev) {
    return kernel_dev >> 20;
}
constexpr uint32_t kernel_dev_minor(uint32_t kernel_dev) {
    return kernel_dev & 0xfffffu;
}
constexpr uint32_t make_kernel_dev(uint32_t major_number, uint32_t minor_number) {
    return (major_number << 20) | (minor_number & 0xfffffu);
}
inline uint32_t kernel_dev_from_user(dev_t user_dev) {
    return make_kernel_dev(major(user_dev), minor(user_dev));
}
inline dev_t user_dev_from_kernel(uint32_t kernel_dev) {
    return makedev(kernel_dev_major(kernel_dev), kernel_dev_minor(kernel_dev));
}

}  // namespace fsev
