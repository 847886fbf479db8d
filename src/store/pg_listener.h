// pg::FeedListener: wakes this node when any node commits a change to the index feed. The
// memories table's statement trigger NOTIFYs the channel `memoryd_feed` (migration 3 of
// pg_schema.cc; delivered at commit, once per transaction); a connection of the listener's own
// LISTENs on it and a thread waits on its socket. A lost connection is opened again every
// second, with one call of `on_change` once listening again; the follower's own polling stays
// the backstop. Private to the store.
//
// Thread-safety: construction and destruction from one thread; `on_change` runs on the
// listener's thread.
#pragma once

#include <atomic>
#include <functional>
#include <string>
#include <thread>

#include "store/store.h"

namespace memoryd::pg {

class FeedListener final : public Store::Watch {
 public:
  FeedListener(std::string url, std::function<void()> on_change);
  ~FeedListener() override;  // stops the thread and closes its connection

 private:
  void Run();
  // Listens until the connection is lost or stop_ is set.
  void Listen(class PgConnection& conn);
  // Sleeps about `ms`, waking early on stop_.
  void Pause(int ms);

  const std::string url_;
  const std::function<void()> on_change_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

}  // namespace memoryd::pg
