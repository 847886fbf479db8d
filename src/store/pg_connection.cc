#include "store/pg_connection.h"

#include <libpq-fe.h>

#include <algorithm>
#include <charconv>
#include <optional>
#include <utility>
#include <vector>

namespace memoryd::pg {
namespace {

using ResultPtr = std::unique_ptr<PGresult, decltype(&PQclear)>;

// How long connecting may take unless the URL says otherwise.
constexpr const char* kConnectTimeoutSeconds = "5";

std::string Trimmed(const char* text) {
  std::string out = text != nullptr ? text : "unknown error";
  while (!out.empty() && (out.back() == '\n' || out.back() == ' ')) out.pop_back();
  return out;
}

// SQLSTATE classes that mean "try again later" rather than "this request is wrong": connection
// exceptions (08), serialization failure and deadlock (40001, 40P01), cancelled by a timeout
// (57014), the server shutting down (57P..), a lock not available (55P03); and a stale prepared
// statement (StaleStatement; the connection is replaced).
bool Retryable(std::string_view state) {
  return state.starts_with("08") || state == "40001" || state == "40P01" || state == "57014" ||
         state.starts_with("57P") || state == "55P03";
}

// A prepared statement the server no longer has (26000: a pooler between us, or DEALLOCATE) or
// whose plan a schema change invalidated (0A000, "cached plan must not change result type", as
// after another node's migration): this connection's statements cannot be trusted any more, and
// a new connection prepares them anew.
bool StaleStatement(const PGresult* res) {
  const char* state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
  if (state == nullptr) return false;
  if (std::string_view(state) == "26000") return true;
  const char* message = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);
  return std::string_view(state) == "0A000" && message != nullptr &&
         std::string_view(message).starts_with("cached plan must not change result type");
}

Status FromResult(PGconn* conn, const PGresult* res, std::string_view what) {
  const std::string msg =
      "postgres " + std::string(what) + ": " +
      Trimmed(res != nullptr ? PQresultErrorMessage(res) : PQerrorMessage(conn));
  const char* state = res != nullptr ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : nullptr;
  if (PQstatus(conn) == CONNECTION_BAD || (state != nullptr && Retryable(state)) ||
      (res != nullptr && StaleStatement(res))) {
    return Status::Unavailable(msg);
  }
  return Status::Internal(msg);
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

void IgnoreNotice(void*, const char*) {}

// PostgreSQL's text cannot hold NUL, which JSON ("\\u0000") and SQLite can: the statement fails as
// the client's mistake, not the server's.
Status NulInText() {
  return Status::InvalidArgument(
      "text holds a NUL character (\\u0000), which the PostgreSQL store cannot keep");
}

// Rows a command changed (its tag's count; none for SELECT).
int64_t ChangedRows(PGresult* res) {
  const std::string_view command = PQcmdStatus(res);
  const char* tuples = PQcmdTuples(res);
  int64_t changed = 0;
  if (!command.starts_with("SELECT") && tuples != nullptr && tuples[0] != '\0') {
    std::from_chars(tuples, tuples + std::char_traits<char>::length(tuples), changed);
  }
  return changed;
}

// Deferred statements sent before the pipeline is synced by itself: bounds what the server
// holds in its answer buffer while the client is still sending.
constexpr int kMaxPending = 256;

// PostgreSQL answers COMMIT of a transaction that had failed with the tag ROLLBACK, not an error:
// nothing was committed, and the caller must hear so.
bool IsCommit(std::string_view sql) { return sql.starts_with("COMMIT"); }

Status CheckCommitted(bool commit, PGresult* res) {
  if (!commit || std::string_view(PQcmdStatus(res)) != "ROLLBACK") {
    return Status::Ok();
  }
  return Status::Internal("postgres: the transaction had failed and was rolled back at COMMIT");
}

}  // namespace

// One statement prepared on the server under its own name; holds its parameters and, once run,
// its result.
class PgConnection::Stmt final : public sql::StatementImpl {
 public:
  Stmt(PgConnection* owner, std::string name, std::string_view sql, int params)
      : owner_(owner),
        name_(std::move(name)),
        commit_(IsCommit(sql)),
        rollback_(sql.starts_with("ROLLBACK")),
        values_(static_cast<size_t>(params)),
        binary_(static_cast<size_t>(params), 0),
        has_nul_(static_cast<size_t>(params), false) {}

  void BindInt(int pos, int64_t value) override { Set(pos, std::to_string(value), 0); }
  void BindText(int pos, std::string_view value) override {
    // PostgreSQL's text cannot hold NUL, which JSON ("\u0000") and SQLite can: the statement
    // fails as the client's mistake, not the server's.
    Set(pos, std::string(value), 0);
    if (InRange(pos)) has_nul_[static_cast<size_t>(pos - 1)] = value.find('\0') != value.npos;
  }
  void BindBlob(int pos, std::string_view bytes) override { Set(pos, std::string(bytes), 1); }
  void BindNull(int pos) override {
    if (!InRange(pos)) return;
    values_[static_cast<size_t>(pos - 1)].reset();
    has_nul_[static_cast<size_t>(pos - 1)] = false;
  }

  Result<bool> Step() override {
    if (!executed_) {
      if (HasNul()) return NulInText();
      MEMORYD_RETURN_IF_ERROR(Execute());
      executed_ = true;
      row_ = -1;
    }
    if (!result_) return false;
    ++row_;
    return row_ < PQntuples(result_.get());
  }

  // Sends the statement without waiting: its answer is read with the next statement that waits
  // (Execute) or by Flush, when the pipeline is synced.
  Status RunDeferred() override {
    if (HasNul()) return NulInText();
    MEMORYD_RETURN_IF_ERROR(Send());
    Reset(false);
    return owner_->pending_ >= kMaxPending ? owner_->Flush() : Status::Ok();
  }

  void Reset(bool clear_bindings) override {
    result_.reset();
    executed_ = false;
    row_ = -1;
    if (!clear_bindings) return;
    for (auto& v : values_) v.reset();
    has_nul_.assign(has_nul_.size(), false);
  }

  int64_t ColumnInt(int col) const override {
    if (ColumnIsNull(col)) return 0;
    const char* text = PQgetvalue(result_.get(), row_, col);
    const int len = PQgetlength(result_.get(), row_, col);
    if (len == 1 && (text[0] == 't' || text[0] == 'f')) return text[0] == 't' ? 1 : 0;
    int64_t value = 0;
    std::from_chars(text, text + len, value);
    return value;
  }
  std::string ColumnText(int col) const override {
    if (ColumnIsNull(col)) return {};
    return std::string(PQgetvalue(result_.get(), row_, col),
                       static_cast<size_t>(PQgetlength(result_.get(), row_, col)));
  }
  std::string_view ColumnBlob(int col) const override {
    blob_.clear();
    if (ColumnIsNull(col)) return {};
    const char* text = PQgetvalue(result_.get(), row_, col);
    const auto len = static_cast<size_t>(PQgetlength(result_.get(), row_, col));
    if (len < 2 || text[0] != '\\' || text[1] != 'x') return {};  // bytea_output is hex
    blob_.reserve((len - 2) / 2);
    for (size_t i = 2; i + 1 < len; i += 2) {
      const int hi = HexValue(text[i]);
      const int lo = HexValue(text[i + 1]);
      if (hi < 0 || lo < 0) return {};
      blob_.push_back(static_cast<char>(hi * 16 + lo));
    }
    return blob_;
  }
  bool ColumnIsNull(int col) const override {
    return !result_ || row_ < 0 || PQgetisnull(result_.get(), row_, col) != 0;
  }

 private:
  bool InRange(int pos) const { return pos >= 1 && pos <= static_cast<int>(values_.size()); }
  void Set(int pos, std::string value, int binary) {
    if (!InRange(pos)) return;
    values_[static_cast<size_t>(pos - 1)] = std::move(value);
    binary_[static_cast<size_t>(pos - 1)] = binary;
    has_nul_[static_cast<size_t>(pos - 1)] = false;
  }

  // Runs the statement and keeps its rows. After deferred statements, it joins their pipeline
  // and the answers of all of them are read in one round trip.
  Status Execute() {
    ResultPtr res(nullptr, &PQclear);
    // A rollback must run even when a deferred statement failed: joining the pipeline, it
    // would be answered "aborted" and leave the failed transaction (and its locks) open.
    if (rollback_) (void)owner_->Flush();
    if (owner_->pending_ > 0) {
      MEMORYD_RETURN_IF_ERROR(Send());
      MEMORYD_ASSIGN_OR_RETURN(res, owner_->Sync(/*keep_last=*/true));
    } else {
      const Params p = Parameters();
      res.reset(PQexecPrepared(owner_->conn_, name_.c_str(), static_cast<int>(values_.size()),
                               p.values.data(), p.lengths.data(), binary_.data(), 0));
    }
    const ExecStatusType status = PQresultStatus(res.get());
    if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
      if (StaleStatement(res.get())) owner_->broken_ = true;
      return FromResult(owner_->conn_, res.get(), "query");
    }
    MEMORYD_RETURN_IF_ERROR(CheckCommitted(commit_, res.get()));
    owner_->CountChanges(ChangedRows(res.get()));
    if (status == PGRES_TUPLES_OK) result_ = std::move(res);
    return Status::Ok();
  }

  struct Params {
    std::vector<const char*> values;
    std::vector<int> lengths;
  };
  Params Parameters() const {
    Params p{std::vector<const char*>(values_.size()), std::vector<int>(values_.size())};
    for (size_t i = 0; i < values_.size(); ++i) {
      p.values[i] = values_[i] ? values_[i]->data() : nullptr;
      p.lengths[i] = values_[i] ? static_cast<int>(values_[i]->size()) : 0;
    }
    return p;
  }
  bool HasNul() const {
    return std::find(has_nul_.begin(), has_nul_.end(), true) != has_nul_.end();
  }
  // Queues the statement in the connection's pipeline (entering it if needed).
  Status Send() {
    const Params p = Parameters();
    return owner_->Send([&](PGconn* conn) {
      return PQsendQueryPrepared(conn, name_.c_str(), static_cast<int>(values_.size()),
                                 p.values.data(), p.lengths.data(), binary_.data(), 0);
    });
  }

  PgConnection* owner_;
  std::string name_;
  const bool commit_;    // COMMIT: its ROLLBACK answer is an error (CheckCommitted)
  const bool rollback_;  // ROLLBACK or ROLLBACK TO: runs outside any pipeline
  std::vector<std::optional<std::string>> values_;
  std::vector<int> binary_;
  ResultPtr result_{nullptr, &PQclear};
  bool executed_ = false;
  int row_ = -1;
  std::vector<bool> has_nul_;  // per parameter: text PostgreSQL cannot take
  mutable std::string blob_;
};

Result<std::unique_ptr<PgConnection>> PgConnection::Open(const std::string& url) {
  // Keywords in order: the URL (expanded) overrides any default it sets itself. A peer that
  // vanishes without closing the connection (a node cut off, a server unplugged) is noticed by
  // TCP keepalives and the user timeout within about half a minute, not the kernel's two hours.
  const char* keys[] = {"connect_timeout",
                        "application_name",
                        "keepalives",
                        "keepalives_idle",
                        "keepalives_interval",
                        "keepalives_count",
                        "tcp_user_timeout",
                        "dbname",
                        nullptr};
  const char* values[] = {
      kConnectTimeoutSeconds, "memoryd", "1", "10", "5", "3", "30000", url.c_str(), nullptr};
  PGconn* conn = PQconnectdbParams(keys, values, /*expand_dbname=*/1);
  if (conn == nullptr) return Status::Unavailable("postgres: out of memory connecting");
  if (PQstatus(conn) != CONNECTION_OK) {
    Status s = Status::Unavailable("postgres: cannot connect: " + Trimmed(PQerrorMessage(conn)));
    PQfinish(conn);
    return s;
  }
  PQsetNoticeProcessor(conn, IgnoreNotice, nullptr);
  std::unique_ptr<PgConnection> out(new PgConnection(conn));  // private constructor
  MEMORYD_RETURN_IF_ERROR(
      out->DoExec("SET client_min_messages = warning; SET bytea_output = 'hex';"
                  " SET TIME ZONE 'UTC';"
                  // A node stalled inside a transaction must not hold the writers' lock for
                  // long; a write waiting for that lock gives up rather than hang its client.
                  " SET idle_in_transaction_session_timeout = '60s'; SET lock_timeout = '30s'"));
  return out;
}

PgConnection::PgConnection(pg_conn* conn) : conn_(conn) {}

PgConnection::~PgConnection() {
  cache_.clear();
  PQfinish(conn_);
}

bool PgConnection::InTransaction() const {
  const PGTransactionStatusType status = PQtransactionStatus(conn_);
  return status == PQTRANS_INTRANS || status == PQTRANS_INERROR || status == PQTRANS_ACTIVE;
}

bool PgConnection::Broken() const { return broken_ || PQstatus(conn_) == CONNECTION_BAD; }

Status PgConnection::Send(const std::function<int(pg_conn*)>& send) {
  if (PQpipelineStatus(conn_) == PQ_PIPELINE_OFF && PQenterPipelineMode(conn_) != 1) {
    return FromResult(conn_, nullptr, "pipeline");
  }
  if (send(conn_) != 1) {
    broken_ = true;  // queries already in the pipeline may be unanswered
    return FromResult(conn_, nullptr, "send");
  }
  ++pending_;
  return Status::Ok();
}

Result<PgConnection::ResultHandle> PgConnection::Sync(bool keep_last) {
  const int queries = pending_;
  pending_ = 0;
  ResultPtr last(nullptr, &PQclear);
  Status first;
  if (PQpipelineSync(conn_) != 1) {
    broken_ = true;  // without the sync message the server may never answer
    return FromResult(conn_, nullptr, "pipeline sync");
  }
  // Each query's answer ends with a null result; a query after a failed one is answered
  // PGRES_PIPELINE_ABORTED. The sync point's own answer comes last.
  for (int i = 0; i < queries; ++i) {
    while (ResultPtr res{PQgetResult(conn_), &PQclear}) {
      const ExecStatusType status = PQresultStatus(res.get());
      if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK) {
        if (keep_last && i == queries - 1) {
          last = std::move(res);  // its caller counts its changes
        } else {
          CountChanges(ChangedRows(res.get()));
        }
      } else if (status != PGRES_PIPELINE_ABORTED && first.ok()) {
        if (StaleStatement(res.get())) broken_ = true;
        first = FromResult(conn_, res.get(), "query");
      }
    }
    if (PQstatus(conn_) == CONNECTION_BAD) break;
  }
  while (ResultPtr res{PQgetResult(conn_), &PQclear}) {
    if (PQresultStatus(res.get()) == PGRES_PIPELINE_SYNC) break;
  }
  if (PQexitPipelineMode(conn_) != 1) {
    broken_ = true;  // answers left unread: the connection cannot be trusted with another query
    if (first.ok()) first = Status::Unavailable("postgres: the pipeline could not be closed");
  }
  if (!first.ok()) return first;
  if (keep_last && !last) return Status::Internal("postgres: the pipeline lost a query's answer");
  return last;
}

int PgConnection::Socket() const { return PQsocket(conn_); }

Result<bool> PgConnection::TakeNotifications() {
  if (PQconsumeInput(conn_) != 1) return FromResult(conn_, nullptr, "listen");
  bool any = false;
  while (PGnotify* note = PQnotifies(conn_)) {
    any = true;
    PQfreemem(note);
  }
  return any;
}

void PgConnection::TrimStatements() {
  if (cache_.size() <= kMaxCachedStatements) return;
  cache_.clear();
  // The server's copies go too (a failure leaves them to the connection's end: names are never
  // reused).
  if (Flush().ok()) (void)DoExec("DEALLOCATE ALL");
}

Status PgConnection::Flush() {
  if (pending_ == 0) return Status::Ok();
  return Sync(/*keep_last=*/false).status();
}

const std::string& PgConnection::BeginWriteSql() const {
  static const std::string kSql = "BEGIN";
  return kSql;
}

const std::string& PgConnection::BeginSnapshotSql() const {
  static const std::string kSql = "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY";
  return kSql;
}

const std::string& PgConnection::WriteLockSql() const {
  // One transaction-scoped advisory lock for every writer of the database ("memoryd" + 1).
  static const std::string kSql = "SELECT pg_advisory_xact_lock(7882815470007909)";
  return kSql;
}

void PgConnection::CountChanges(int64_t n) {
  changes_ = n;
  total_changes_ += n;
}

Status PgConnection::DoExec(std::string_view sql) {
  MEMORYD_RETURN_IF_ERROR(Flush());
  ResultPtr res(PQexec(conn_, std::string(sql).c_str()), &PQclear);
  const ExecStatusType status = PQresultStatus(res.get());
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
    return FromResult(conn_, res.get(), "exec");
  }
  return CheckCommitted(IsCommit(sql), res.get());
}

Result<sql::StatementImpl*> PgConnection::DoPrepare(const std::string& sql) {
  auto it = cache_.find(sql);
  if (it != cache_.end()) return static_cast<sql::StatementImpl*>(it->second.get());
  MEMORYD_RETURN_IF_ERROR(Flush());
  int params = 0;
  const std::string text = RewritePlaceholders(sql, &params);
  std::string name = "m" + std::to_string(++named_);
  ResultPtr res(PQprepare(conn_, name.c_str(), text.c_str(), params, nullptr), &PQclear);
  if (PQresultStatus(res.get()) != PGRES_COMMAND_OK) {
    return FromResult(conn_, res.get(), "prepare [" + text.substr(0, 120) + "]");
  }
  auto owned = std::make_unique<Stmt>(this, std::move(name), sql, params);
  sql::StatementImpl* raw = owned.get();
  cache_.emplace(sql, std::move(owned));
  return raw;
}

std::string PgConnection::RewritePlaceholders(std::string_view sql, int* count) {
  std::string out;
  out.reserve(sql.size() + 16);
  int highest = 0;
  char quote = 0;  // the quote character of the literal or identifier we are inside, or 0
  for (size_t i = 0; i < sql.size(); ++i) {
    const char c = sql[i];
    if (quote != 0) {
      if (c == quote) quote = 0;  // a doubled quote closes and reopens: same effect
      out += c;
      continue;
    }
    if (c == '\'' || c == '"') {
      quote = c;
      out += c;
      continue;
    }
    if (c != '?') {
      out += c;
      continue;
    }
    size_t end = i + 1;
    while (end < sql.size() && sql[end] >= '0' && sql[end] <= '9') ++end;
    int number = highest + 1;
    if (end > i + 1) std::from_chars(sql.data() + i + 1, sql.data() + end, number);
    highest = std::max(highest, number);
    out += '$';
    out += std::to_string(number);
    i = end - 1;
  }
  *count = highest;
  return out;
}

}  // namespace memoryd::pg
