#pragma once

namespace fsev::test {

// A TCP port on 127.0.0.1 that nobody listened on a moment ago (the kernel
// picks it). Another process may still take it before we do; the tests
// that use it fail loudly then, they do not hang.
int free_loopback_port();

}  // namespace fsev::test
