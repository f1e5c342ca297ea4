#pragma once

#include <string>

namespace fsev::test {

// A TCP port on 127.0.0.1 that nobody listened on a moment ago (the kernel
// picks it). Another process may still take it before we do; the tests
// that use it fail loudly then, they do not hang.
int free_loopback_port();

struct HttpResponse {
    int status = 0;  // 0 when the connection failed
    std::string content_type;
    std::string body;
    std::string error;  // why the connection failed
};

// GET http://127.0.0.1:PORT/PATH with a short timeout.
HttpResponse http_get(int port, const std::string &path);

}  // namespace fsev::test
