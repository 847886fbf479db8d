#include "search/side_runner.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <set>
#include <stdexcept>
#include <thread>
#include <vector>

namespace memoryd {
namespace {

// Once its worker has started and is idle, the side half runs there. (Right after construction
// the worker may not be waiting yet; RunBoth then runs both halves here, which is also correct.)
TEST(SideRunnerTest, RunsBothHalvesAndTheSideOneOnAWorker) {
  SideRunner runner(1);
  std::thread::id side_thread;
  for (int attempt = 0; attempt < 2000; ++attempt) {
    bool here_ran = false;
    runner.RunBoth([&] { side_thread = std::this_thread::get_id(); }, [&] { here_ran = true; });
    ASSERT_TRUE(here_ran);
    ASSERT_NE(side_thread, std::thread::id());
    if (side_thread != std::this_thread::get_id()) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  EXPECT_NE(side_thread, std::this_thread::get_id());
}

TEST(SideRunnerTest, WithoutWorkersBothHalvesRunHere) {
  SideRunner runner(0);
  std::thread::id side_thread;
  int order = 0;
  int side_order = 0;
  int here_order = 0;
  runner.RunBoth([&] { side_thread = std::this_thread::get_id(), side_order = ++order; },
                 [&] { here_order = ++order; });
  EXPECT_EQ(side_thread, std::this_thread::get_id());
  EXPECT_EQ(side_order, 1);
  EXPECT_EQ(here_order, 2);
}

// Many callers at once: every half of every call runs exactly once, and RunBoth returns only
// after its side half has finished (its result is visible to the caller).
TEST(SideRunnerTest, ConcurrentCallersEachGetBothHalves) {
  SideRunner runner(2);
  constexpr int kThreads = 6;
  constexpr int kCalls = 300;
  std::atomic<int> side_runs{0};
  std::atomic<int> here_runs{0};
  std::atomic<int> wrong{0};
  std::vector<std::thread> callers;
  for (int t = 0; t < kThreads; ++t) {
    callers.emplace_back([&] {
      for (int i = 0; i < kCalls; ++i) {
        int side_value = 0;  // written by the side half, read after RunBoth
        runner.RunBoth(
            [&] {
              side_value = i + 1;
              ++side_runs;
            },
            [&] { ++here_runs; });
        if (side_value != i + 1) ++wrong;
      }
    });
  }
  for (auto& caller : callers) caller.join();
  EXPECT_EQ(side_runs.load(), kThreads * kCalls);
  EXPECT_EQ(here_runs.load(), kThreads * kCalls);
  EXPECT_EQ(wrong.load(), 0);
}

// An exception from either half reaches the caller, and only after both halves have finished
// (the side half must not outlive the caller's frame).
TEST(SideRunnerTest, ExceptionsReachTheCallerAfterBothHalves) {
  SideRunner runner(1);
  for (int attempt = 0; attempt < 50; ++attempt) {
    std::atomic<bool> side_finished{false};
    EXPECT_THROW(runner.RunBoth(
                     [&] {
                       std::this_thread::sleep_for(std::chrono::milliseconds(1));
                       side_finished = true;
                     },
                     [] { throw std::runtime_error("here failed"); }),
                 std::runtime_error);
    EXPECT_TRUE(side_finished.load());
    EXPECT_THROW(runner.RunBoth([] { throw std::runtime_error("side failed"); }, [] {}),
                 std::runtime_error);
  }
  bool ran = false;  // the worker is still usable afterwards
  runner.RunBoth([&] { ran = true; }, [] {});
  EXPECT_TRUE(ran);
}

// The copies of the task share one counter (the parallel loop of a graph batch), and run on the
// idle workers as well as here: over a few rounds (a worker that just finished a job may not be
// idle yet), all three threads take part.
TEST(SideRunnerTest, RunEverywhereRunsTheTaskOnEveryIdleWorkerAndHere) {
  SideRunner runner(2);
  std::set<std::thread::id> threads;  // every thread a copy ran on, over all the rounds
  std::mutex mu;
  for (int attempt = 0; attempt < 2000 && threads.size() < 3; ++attempt) {
    std::atomic<int> next{0};
    std::atomic<int> done{0};
    runner.RunEverywhere([&] {
      {
        std::lock_guard lock(mu);
        threads.insert(std::this_thread::get_id());
      }
      while (next.fetch_add(1) < 100) ++done;
    });
    ASSERT_EQ(done.load(), 100);
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  EXPECT_EQ(threads.size(), 3u);
  EXPECT_THROW(runner.RunEverywhere([] { throw std::runtime_error("failed"); }),
               std::runtime_error);
  std::atomic<int> next{0};  // still usable after a failure
  std::atomic<int> done{0};
  runner.RunEverywhere([&] {
    while (next.fetch_add(1) < 100) ++done;
  });
  EXPECT_EQ(done.load(), 100);
}

}  // namespace
}  // namespace memoryd
