// SqlStore::ReaderLease, shared by the .cc files that implement SqlStore's reads. Private
// to the store.
#pragma once

#include <memory>

#include "store/sql_connection.h"
#include "store/sql_store.h"

namespace memoryd {

// A reader connection on loan; returns itself to the pool when it goes out of scope.
class SqlStore::ReaderLease {
 public:
  ReaderLease(SqlStore* store, std::unique_ptr<sql::Connection> conn)
      : store_(store), conn_(std::move(conn)) {}
  ReaderLease(ReaderLease&&) = default;
  ~ReaderLease() {
    if (conn_) store_->ReleaseReader(std::move(conn_));
  }
  sql::Connection& operator*() { return *conn_; }

 private:
  SqlStore* store_;
  std::unique_ptr<sql::Connection> conn_;
};

}  // namespace memoryd
