// The feed listener on the throwaway cluster: a node hears another node's commit through
// LISTEN/NOTIFY, with no polling in the test to find it otherwise.
#include "store/pg_listener.h"

#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <mutex>

#include "store/sql_store.h"
#include "store/store_contract_fixture.h"
#include "store/store_test_util.h"

namespace memoryd {
namespace {

using store_test::TempDir;

std::unique_ptr<SqlStore> OpenNode(const std::string& url, const TempDir& dir) {
  SqlStoreOptions options;
  options.database_url = url;
  options.generation_path = dir.path() + "/memoryd.generation";
  auto store = SqlStore::Open(options);
  EXPECT_TRUE(store.ok()) << store.status().ToString();
  return store.ok() ? std::move(store).value() : nullptr;
}

class Heard {
 public:
  void Note() {
    std::lock_guard lock(mu_);
    ++count_;
    cv_.notify_all();
  }
  // Waits (a bound generous for a loaded machine) until more than `than` calls were heard.
  bool MoreThan(int than) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, std::chrono::seconds(10), [&] { return count_ > than; });
  }
  int count() {
    std::lock_guard lock(mu_);
    return count_;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  int count_ = 0;
};

TEST(PgFeedListenerTest, ANodeHearsAnotherNodesCommit) {
  const std::string url = store_test::PostgresSchema::Get().FreshUrl();
  ASSERT_FALSE(url.empty());
  TempDir dir_a;
  TempDir dir_b;
  auto a = OpenNode(url, dir_a);
  auto b = OpenNode(url, dir_b);
  ASSERT_TRUE(a && b);
  Heard heard;
  auto watch = a->WatchChanges([&] { heard.Note(); });
  ASSERT_NE(watch, nullptr);
  ASSERT_TRUE(heard.MoreThan(0)) << "no call once listening";
  const int listening = heard.count();

  MemoryWrite w;
  w.key = "k";
  w.text = "written on the other node";
  ASSERT_TRUE(b->Put(SpaceRef{1, "s"}, w, WriteLimits{}, 1'700'000'000'000).ok());
  EXPECT_TRUE(heard.MoreThan(listening)) << "the commit on node b was not heard on node a";

  // A deletion is a change to the feed too.
  const int after_put = heard.count();
  ASSERT_TRUE(b->DeleteByKey(SpaceRef{1, "s"}, "k", 1'700'000'000'001).ok());
  EXPECT_TRUE(heard.MoreThan(after_put)) << "the deletion on node b was not heard on node a";
  watch.reset();  // stops its thread before `heard` goes
}

TEST(PgFeedListenerTest, SqliteHasNoListenerAndItsFollowersPoll) {
  TempDir dir;
  SqlStoreOptions options;
  options.path = dir.path() + "/memoryd.db";
  auto store = SqlStore::Open(options);
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  EXPECT_EQ((*store)->WatchChanges([] {}), nullptr);
}

}  // namespace
}  // namespace memoryd
