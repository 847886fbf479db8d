#include "store/pg_listener.h"

#include <poll.h>

#include <cerrno>
#include <chrono>

#include "store/pg_connection.h"

namespace memoryd::pg {
namespace {

constexpr int kWaitMillis = 200;        // how soon the thread sees stop_
constexpr int kReconnectMillis = 1000;  // between attempts to listen again

}  // namespace

FeedListener::FeedListener(std::string url, std::function<void()> on_change)
    : url_(std::move(url)), on_change_(std::move(on_change)), thread_([this] { Run(); }) {}

FeedListener::~FeedListener() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
}

void FeedListener::Pause(int ms) {
  for (int waited = 0; waited < ms && !stop_; waited += kWaitMillis) {
    std::this_thread::sleep_for(std::chrono::milliseconds(kWaitMillis));
  }
}

void FeedListener::Run() {
  while (!stop_) {
    auto conn = PgConnection::Open(url_);
    if (conn.ok() && (*conn)->Exec("LISTEN memoryd_feed").ok()) {
      on_change_();  // whatever was committed while nobody listened
      Listen(**conn);
    }
    Pause(kReconnectMillis);
  }
}

void FeedListener::Listen(PgConnection& conn) {
  while (!stop_) {
    pollfd fd{conn.Socket(), POLLIN, 0};
    const int ready = ::poll(&fd, 1, kWaitMillis);
    if (ready < 0 && errno != EINTR) return;
    if (ready <= 0) continue;
    auto any = conn.TakeNotifications();
    if (!any.ok()) return;
    if (*any) on_change_();
  }
}

}  // namespace memoryd::pg
