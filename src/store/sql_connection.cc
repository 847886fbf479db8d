#include "store/sql_connection.h"

#include <cstring>

namespace memoryd::sql {

Statement::~Statement() {
  if (impl_ != nullptr) impl_->Reset(true);
}

void Statement::Bind(int pos, const std::optional<int64_t>& value) {
  if (value) {
    Bind(pos, *value);
  } else {
    BindNull(pos);
  }
}

void Statement::Bind(int pos, const std::optional<std::string>& value) {
  if (value) {
    Bind(pos, std::string_view(*value));
  } else {
    BindNull(pos);
  }
}

Status Statement::Run() { return impl_->RunToEnd(); }

Status StatementImpl::RunToEnd() {
  for (;;) {
    auto more = Step();
    if (!more.ok()) return more.status();
    if (!*more) {
      Reset(false);
      return Status::Ok();
    }
  }
}

std::optional<int64_t> Statement::ColumnOptionalInt(int col) const {
  if (ColumnIsNull(col)) return std::nullopt;
  return ColumnInt(col);
}

std::optional<std::string> Statement::ColumnOptionalText(int col) const {
  if (ColumnIsNull(col)) return std::nullopt;
  return ColumnText(col);
}

std::vector<float> Statement::ColumnFloats(int col) const {
  std::vector<float> out;
  if (ColumnIsNull(col)) return out;
  const std::string_view bytes = impl_->ColumnBlob(col);
  if (bytes.size() % sizeof(float) != 0) return out;
  out.resize(bytes.size() / sizeof(float));
  if (!bytes.empty()) std::memcpy(out.data(), bytes.data(), bytes.size());
  return out;
}

Status Connection::CheckFaults(std::string_view sql) {
  if (faults_ == nullptr || sql.starts_with("ROLLBACK") || sql.starts_with("RELEASE")) {
    return Status::Ok();
  }
  return faults_->Check(sql);
}

std::optional<int64_t> Connection::Remembered(const std::string& key) const {
  auto it = memo_.find(key);
  if (it == memo_.end()) return std::nullopt;
  return it->second;
}

void Connection::ForgetAtBoundary(std::string_view sql) {
  if (memo_.empty()) return;
  if (sql.starts_with("BEGIN") || sql.starts_with("COMMIT") || sql.starts_with("ROLLBACK")) {
    memo_.clear();
  }
}

Status Connection::Exec(std::string_view sql) {
  ForgetAtBoundary(sql);
  MEMORYD_RETURN_IF_ERROR(CheckFaults(sql));
  return DoExec(sql);
}

Result<Statement> Connection::Prepare(const std::string& sql) {
  ForgetAtBoundary(sql);
  MEMORYD_RETURN_IF_ERROR(CheckFaults(sql));
  MEMORYD_ASSIGN_OR_RETURN(StatementImpl * impl, DoPrepare(sql));
  return Statement(impl);
}

Status Connection::Run(const std::string& sql) {
  MEMORYD_ASSIGN_OR_RETURN(auto stmt, Prepare(sql));
  return stmt.Run();
}

Status Connection::RunDeferred(const std::string& sql) {
  MEMORYD_ASSIGN_OR_RETURN(auto stmt, Prepare(sql));
  return stmt.RunDeferred();
}

}  // namespace memoryd::sql
