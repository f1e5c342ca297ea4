#include "daemon/service_notify.h"

#include <systemd/sd-daemon.h>

#include <cstring>
#include <iostream>

namespace fsev {

namespace {

void notify(const char *state) {
    // Keep $NOTIFY_SOCKET (unset_environment = 0): STOPPING=1 comes later.
    int result = sd_notify(0, state);
    if (result < 0)
        std::cerr << "fsev-bpf: cannot tell the service manager " << state << ": "
                  << std::strerror(-result) << std::endl;
}

}  // namespace

void notify_ready() {
    notify("READY=1");
}

void notify_stopping() {
    notify("STOPPING=1");
}

}  // namespace fsev
