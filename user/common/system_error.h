#pragma once

#include <cerrno>
#include <string>
#include <system_error>

namespace fsev {

// A failed system or libbpf call: carries the errno and says what failed.
// libbpf returns negative errnos; pass them as they are.
inline std::system_error system_error(int err, const std::string &what) {
    return std::system_error(err < 0 ? -err : err, std::generic_category(), what);
}

inline std::system_error last_system_error(const std::string &what) {
    return system_error(errno, what);
}

}  // namespace fsev
