// IndexRwLock: the reader/writer lock of the vector indexes. Searches share it; Add and Remove
// take it exclusively. Unlike std::shared_mutex on glibc (which prefers readers, so a steady
// stream of searches can starve a writer forever), a waiting writer blocks new readers here.
//
// Meets the Lockable and SharedLockable requirements, so std::unique_lock and std::shared_lock
// work with it. Not recursive: a thread holding it must not lock it again, shared or not.
//
// Thread-safety: that is its purpose.
#pragma once

#include <pthread.h>

namespace memoryd {

class IndexRwLock {
 public:
  IndexRwLock() {
    pthread_rwlockattr_t attr;
    pthread_rwlockattr_init(&attr);
    pthread_rwlockattr_setkind_np(&attr, PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
    pthread_rwlock_init(&lock_, &attr);
    pthread_rwlockattr_destroy(&attr);
  }
  ~IndexRwLock() { pthread_rwlock_destroy(&lock_); }
  IndexRwLock(const IndexRwLock&) = delete;
  IndexRwLock& operator=(const IndexRwLock&) = delete;

  void lock() { pthread_rwlock_wrlock(&lock_); }
  bool try_lock() { return pthread_rwlock_trywrlock(&lock_) == 0; }
  void unlock() { pthread_rwlock_unlock(&lock_); }
  void lock_shared() { pthread_rwlock_rdlock(&lock_); }
  bool try_lock_shared() { return pthread_rwlock_tryrdlock(&lock_) == 0; }
  void unlock_shared() { pthread_rwlock_unlock(&lock_); }

 private:
  pthread_rwlock_t lock_;
};

}  // namespace memoryd
