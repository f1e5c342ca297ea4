#include "common/abstract_lock.h"

#include <sys/socket.h>
#include <sys/un.h>

#include <cstdint>
#include <cstdio>
#include <cstring>

#include "common/system_error.h"

namespace fsev {

namespace {

// FNV-1a: stable across builds, so two versions of the daemon agree.
std::string hashed(const std::string &name) {
    uint64_t hash = 14695981039346656037ull;
    for (unsigned char c : name) hash = (hash ^ c) * 1099511628211ull;
    char text[17];
    std::snprintf(text, sizeof text, "%016llx", static_cast<unsigned long long>(hash));
    return text;
}

}  // namespace

UniqueFd try_abstract_lock(const std::string &name) {
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    // sun_path[0] = '\0' makes the name abstract.
    std::string key = name.size() < sizeof address.sun_path - 1 ? name : "fsev-bpf/" + hashed(name);
    std::memcpy(address.sun_path + 1, key.data(), key.size());
    UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (!fd.valid()) throw last_system_error("socket for lock " + name);
    auto length = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + 1 + key.size());
    if (::bind(fd.get(), reinterpret_cast<sockaddr *>(&address), length) != 0) {
        if (errno == EADDRINUSE) return UniqueFd();
        throw last_system_error("bind lock " + name);
    }
    return fd;
}

}  // namespace fsev
