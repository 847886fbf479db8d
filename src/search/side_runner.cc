#include "search/side_runner.h"

#include <algorithm>

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

void SideRunner::RunEverywhere(const std::function<void()>& task) {
  std::vector<Job> jobs(workers_.size(), Job{&task, false, nullptr});
  size_t queued = 0;
  {
    std::lock_guard lock(mu_);
    for (; queued < jobs.size() && idle_ > queue_.size(); ++queued) queue_.push_back(&jobs[queued]);
  }
  if (queued > 0) work_cv_.notify_all();
  std::exception_ptr error;
  try {
    task();
  } catch (...) {
    error = std::current_exception();  // the workers still use `task` and `jobs`: wait
  }
  std::unique_lock lock(mu_);
  done_cv_.wait(lock, [&] {
    return std::all_of(jobs.begin(), jobs.begin() + static_cast<ptrdiff_t>(queued),
                       [](const Job& job) { return job.done; });
  });
  lock.unlock();
  for (size_t i = 0; i < queued && !error; ++i) error = jobs[i].error;
  if (error) std::rethrow_exception(error);
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
