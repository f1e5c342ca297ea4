#pragma once

namespace fsev {

// Tells the service manager (systemd Type=notify, through $NOTIFY_SOCKET)
// that start-up finished or that shutdown began. Does nothing when the daemon
// was not started by one. Failures are not fatal: the daemon works without a
// supervisor, so they are only reported on stderr.
void notify_ready();
void notify_stopping();

}  // namespace fsev
