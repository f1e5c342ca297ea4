#pragma once

#include <atomic>

namespace fsev {

// Set when whoever waits for the work at hand gave up on it (a writer killed
// or interrupted while its write to the config file was being handled). Work
// that may wait long (path resolution) checks it and stops; what already
// changed stays changed.
class Interruption {
  public:
    void interrupt() { interrupted_.store(true); }
    bool interrupted() const { return interrupted_.load(); }

  private:
    std::atomic<bool> interrupted_{false};
};

// The interruption of the work this thread is doing, or nullptr. Set for the
// duration of a scope with ScopedInterruption.
inline thread_local const Interruption *current_interruption = nullptr;

class ScopedInterruption {
  public:
    explicit ScopedInterruption(const Interruption &interruption)
        : previous_(current_interruption) {
        current_interruption = &interruption;
    }
    ~ScopedInterruption() { current_interruption = previous_; }
    ScopedInterruption(const ScopedInterruption &) = delete;
    ScopedInterruption &operator=(const ScopedInterruption &) = delete;

  private:
    const Interruption *previous_;
};

inline bool interrupted_now() {
    return current_interruption && current_interruption->interrupted();
}

}  // namespace fsev
