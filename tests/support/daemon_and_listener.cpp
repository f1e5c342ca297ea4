#include "support/daemon_and_listener.h"

#include <chrono>

namespace fsev::test {

void DaemonAndListenerTest::start_daemon_and_listener(
    const std::vector<std::string> &daemon_arguments) {
    daemon_ = std::make_unique<DaemonProcess>(daemon_arguments);
    ASSERT_TRUE(daemon_->wait_until_ready()) << daemon_->output();
    listener_ = std::make_unique<ListenerProcess>(
        std::vector<std::string>{"--json", "--run-dir", daemon_->run_dir()});
    ASSERT_TRUE(listener_->wait_until_listening(std::chrono::seconds(10))) << listener_->errors();
}

void DaemonAndListenerTest::request(const std::string &text) {
    CommandResult result = daemon_->request(text);
    ASSERT_EQ(result.exit_code, 0) << result.output << daemon_->output();
}

void DaemonAndListenerTest::TearDown() {
    listener_.reset();
    daemon_.reset();
}

}  // namespace fsev::test
