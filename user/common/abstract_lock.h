#pragma once

#include <string>

#include "common/unique_fd.h"

namespace fsev {

// A lock only a live process can hold: a UNIX socket bound to an abstract
// name (no file; the kernel frees it when the process exits, even after
// kill -9). Abstract names belong to the network namespace, so the lock is
// per network namespace. Returns the socket to keep for as long as the lock
// is held, or an invalid fd when another live process holds `name`. Throws
// std::system_error on other failures. Long names are hashed to fit.
UniqueFd try_abstract_lock(const std::string &name);

}  // namespace fsev
