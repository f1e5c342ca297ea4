#include "support/network.h"

#include <arpa/inet.h>
#include <httplib.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <stdexcept>

namespace fsev::test {

HttpResponse http_get(int port, const std::string &path) {
    httplib::Client client("127.0.0.1", port);
    client.set_connection_timeout(2);
    client.set_read_timeout(10);
    HttpResponse response;
    auto result = client.Get(path);
    if (!result) {
        response.error = httplib::to_string(result.error());
        return response;
    }
    response.status = result->status;
    response.content_type = result->get_header_value("Content-Type");
    response.body = result->body;
    return response;
}

}  // namespace fsev::test
