#include "daemon/capabilities.h"

#include <cap-ng.h>

#include <cstdlib>

#include "common/system_error.h"

namespace fsev {

std::string drop_unneeded_capabilities() {
    capng_clear(CAPNG_SELECT_BOTH);
    int error = capng_updatev(
        CAPNG_ADD, static_cast<capng_type_t>(CAPNG_EFFECTIVE | CAPNG_PERMITTED), CAP_BPF,
        CAP_PERFMON, CAP_SYS_ADMIN, CAP_NET_ADMIN, CAP_SYS_PTRACE, CAP_DAC_READ_SEARCH, -1);
    if (error != 0) throw system_error(EINVAL, "capng_updatev");
    // The bounding set too, so nothing the daemon might execute regains more.
    error = capng_updatev(CAPNG_ADD, CAPNG_BOUNDING_SET, CAP_BPF, CAP_PERFMON, CAP_SYS_ADMIN,
                          CAP_NET_ADMIN, CAP_SYS_PTRACE, CAP_DAC_READ_SEARCH, -1);
    if (error != 0) throw system_error(EINVAL, "capng_updatev bounding set");
    if (capng_apply(CAPNG_SELECT_BOTH) != 0)
        throw system_error(EPERM, "drop capabilities (capng_apply)");
    capng_get_caps_process();
    char *kept = capng_print_caps_text(CAPNG_PRINT_BUFFER, CAPNG_EFFECTIVE);
    std::string text = kept ? kept : "none";
    std::free(kept);
    return text;
}

}  // namespace fsev
