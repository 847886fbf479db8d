// SqliteStore::ReaderLease, shared by the .cc files that implement SqliteStore's reads. Private
// to the store.
#pragma once

#include <memory>

#include "store/sqlite_connection.h"
#include "store/sqlite_store.h"

namespace memoryd {

// A reader connection on loan; returns itself to the pool when it goes out of scope.
class SqliteStore::ReaderLease {
 public:
  ReaderLease(SqliteStore* store, std::unique_ptr<sqlite::Connection> conn)
      : store_(store), conn_(std::move(conn)) {}
  ReaderLease(ReaderLease&&) = default;
  ~ReaderLease() {
    if (conn_) store_->ReleaseReader(std::move(conn_));
  }
  sqlite::Connection& operator*() { return *conn_; }

 private:
  SqliteStore* store_;
  std::unique_ptr<sqlite::Connection> conn_;
};

}  // namespace memoryd
