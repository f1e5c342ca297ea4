#pragma once

#include <sys/types.h>

#include <chrono>
#include <functional>
#include <map>
#include <mutex>
#include <string>

#include "common/timer.h"
#include "model/event.h"
#include "prediction/fill_predictor.h"
#include "model/trace_entry.h"

namespace fsev {

// Samples the available space of every entry with `predict` (statfs, on a
// timer) and publishes FS_WARN_FULL_SOON when its FillPredictor says so.
// A TraceTableObserver: entries come, change and go from the config
// writer's thread while the timer runs on the event loop.
class FullSoonWatch : public TraceTableObserver {
  public:
    using Publish = std::function<void(const Event &)>;
    FullSoonWatch(Publish publish, std::chrono::milliseconds period);

    int timer_fd() const { return timer_.fd(); }
    // Reads the timer and samples every predicted entry.
    void on_timer();

    void entry_created(const TraceEntry &entry) override;
    void entry_changed(const TraceEntry &entry, bool thresholds_reset) override;
    void entry_removed(const TraceEntry &entry, bool filesystem_gone) override;

    // fsev_seconds_until_full{mountpoint} for every predicted entry whose
    // projection is known.
    std::string metrics_text();

  private:
    struct Watched {
        TraceEntry entry;
        FillPredictor predictor;
    };
    Publish publish_;
    Timer timer_;
    std::mutex mutex_;
    std::map<uint32_t, Watched> watched_;  // by trace id
};

}  // namespace fsev
