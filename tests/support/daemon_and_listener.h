#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "support/daemon_process.h"
#include "support/listener_process.h"

namespace fsev::test {

// A fixture for what a consumer sees: the real daemon and an unprivileged
// `fsev-listen --json` on its run directory. TearDown stops both, before
// the derived fixture's members (its filesystems) go.
class DaemonAndListenerTest : public ::testing::Test {
  protected:
    // Starts both and waits until the daemon is ready and the listener has
    // joined the group (a fatal failure otherwise).
    void start_daemon_and_listener(const std::vector<std::string> &daemon_arguments = {});
    // Writes `text` to the config file (a fatal failure when refused).
    void request(const std::string &text);
    void TearDown() override;

    std::unique_ptr<DaemonProcess> daemon_;
    std::unique_ptr<ListenerProcess> listener_;
};

}  // namespace fsev::test
