#pragma once

#include "netlink/publisher.h"
#include "model/trace_entry.h"

namespace fsev {

// Sends FS_EVENT_NEW_TRACE (FS_ID + MOUNT) whenever the trace table creates
// an entry. Changes and removals send nothing: an unmount reaches consumers
// as the FS_INFO_UMOUNT event.
class NewTraceAnnouncer : public TraceTableObserver {
  public:
    explicit NewTraceAnnouncer(FsEventPublisher &publisher) : publisher_(publisher) {}
    void entry_created(const TraceEntry &entry) override {
        publisher_.publish(message_for_new_trace(entry.id, entry.mount_point));
    }
    void entry_changed(const TraceEntry &, bool) override {}
    void entry_removed(const TraceEntry &, bool) override {}

  private:
    FsEventPublisher &publisher_;
};

}  // namespace fsev
