// SideRunner: runs two halves of one job at once, one on a standing worker thread and one on the
// caller's thread. A search uses it to walk the vector graph while it ranks keywords, so a single
// query's latency is that of the slower half, not of both.
//
// When no worker is idle (the machine is busy with other searches), RunBoth runs both halves on
// the caller's thread: under load, splitting a search would only add thread switches.
//
// Thread-safety: RunBoth may be called from any number of threads at once. The destructor must
// not run concurrently with RunBoth.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <exception>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace memoryd {

class SideRunner {
 public:
  // `threads` standing workers (0: RunBoth always runs both halves on the caller's thread).
  explicit SideRunner(size_t threads);
  ~SideRunner();
  SideRunner(const SideRunner&) = delete;
  SideRunner& operator=(const SideRunner&) = delete;

  // Runs `side` (on a worker, if one is idle) and `here` (on this thread); returns when both have
  // finished. If either throws, the exception reaches the caller once both have finished (the
  // first one when both throw).
  void RunBoth(const std::function<void()>& side, const std::function<void()>& here);
  // Runs `task` on every idle worker and on this thread at once (a parallel loop whose task takes
  // its share of the work from a shared counter); returns when every copy has finished. Errors as
  // RunBoth.
  void RunEverywhere(const std::function<void()>& task);

 private:
  struct Job {
    const std::function<void()>* task;
    bool done = false;
    std::exception_ptr error;  // what the task threw, if anything
  };
  void Work();

  std::mutex mu_;
  std::condition_variable work_cv_;  // a job was queued, or stopping
  std::condition_variable done_cv_;  // a job finished
  std::deque<Job*> queue_;
  size_t idle_ = 0;
  bool stopping_ = false;
  std::vector<std::thread> workers_;
};

}  // namespace memoryd
