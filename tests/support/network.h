#pragma once

#include <string>

#include "support/free_port.h"

namespace fsev::test {

struct HttpResponse {
    int status = 0;  // 0 when the connection failed
    std::string content_type;
    std::string body;
    std::string error;  // why the connection failed
};

// GET http://127.0.0.1:PORT/PATH with a short timeout.
HttpResponse http_get(int port, const std::string &path);

}  // namespace fsev::test
