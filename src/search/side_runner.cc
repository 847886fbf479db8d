#include "search/side_runner.h"

namespace memoryd {

SideRunner::SideRunner(size_t threads) {
  workers_.reserve(threads);
  for (size_t i = 0; i < threads; ++i) workers_.emplace_back([this] { Work(); });
}

SideRunner::~SideRunner() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  work_cv_.notify_all();
  for (std::thread& worker : workers_) worker.join();
}

void SideRunner::RunBoth(const std::function<void()>& side, const std::function<void()>& here) {
  Job job{&side, false, nullptr};
  {
    std::lock_guard lock(mu_);
    if (idle_ <= queue_.size()) {
      job.task = nullptr;  // every worker is busy or already has a job waiting for it
    } else {
      queue_.push_back(&job);
    }
  }
  if (job.task == nullptr) {
    side();
    here();
    return;
  }
  work_cv_.notify_one();
  std::exception_ptr here_error;
  try {
    here();
  } catch (...) {
    here_error = std::current_exception();  // the worker still uses `side` and `job`: wait
  }
  std::unique_lock lock(mu_);
  done_cv_.wait(lock, [&] { return job.done; });
  lock.unlock();
  if (here_error) std::rethrow_exception(here_error);
  if (job.error) std::rethrow_exception(job.error);
}

void SideRunner::Work() {
  std::unique_lock lock(mu_);
  for (;;) {
    ++idle_;
    work_cv_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
    --idle_;
    if (queue_.empty()) return;  // stopping, nothing left to run
    Job* job = queue_.front();
    queue_.pop_front();
    lock.unlock();
    std::exception_ptr error;
    try {
      (*job->task)();
    } catch (...) {
      error = std::current_exception();
    }
    lock.lock();
    job->error = error;
    job->done = true;
    done_cv_.notify_all();
  }
}

}  // namespace memoryd
