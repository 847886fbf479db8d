#include "dataio/importer.h"

#include <fstream>
#include <unordered_map>

#include "dataio/export_format.h"
#include "store/store_rules.h"

namespace memoryd::dataio {
namespace {

using RecordFn = std::function<Status(int64_t line_number, MemoryRecord&&)>;

Status AtLine(int64_t line_number, const Status& s) {
  if (s.ok()) return s;
  return Status(s.code(), "line " + std::to_string(line_number) + ": " + s.message());
}

bool Blank(std::string_view line) {
  return line.find_first_not_of(" \t\r") == std::string_view::npos;
}

// Reads the header and calls `fn` for each record, in order; blank lines are skipped.
Status ForEachRecord(const std::string& path, const ServiceOptions& limits, const RecordFn& fn) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::NotFound("cannot read " + path);
  std::string line;
  int64_t number = 0;
  std::optional<ExportHeader> header;
  while (std::getline(in, line)) {
    ++number;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (!header) {
      auto decoded = DecodeHeader(line);
      if (!decoded.ok()) return AtLine(number, decoded.status());
      header = *decoded;
      continue;
    }
    if (Blank(line)) continue;
    auto record = DecodeRecord(line, *header, limits);
    if (!record.ok()) return AtLine(number, record.status());
    MEMORYD_RETURN_IF_ERROR(fn(number, std::move(record).value()));
  }
  if (in.bad()) return Status::Internal("cannot read " + path);
  if (!header) return AtLine(1, Status::InvalidArgument("the file is empty; expected a header"));
  return Status::Ok();
}

// Remembers where each id and each (space, key) first appeared.
class DuplicateCheck {
 public:
  Status Add(int64_t line_number, const MemoryRecord& rec) {
    const Memory& m = rec.memory;
    // A derived id repeats only for the same text in the same space without a key: say that,
    // not an id the file never named.
    const std::string what = rec.derived_id && !m.key
                                 ? "a memory of space '" + m.space +
                                       "' with this text and no id or key (give each an id or "
                                       "a key, or drop the copy)"
                                 : "id '" + m.id + "'";
    MEMORYD_RETURN_IF_ERROR(Claim(ids_, m.id, line_number, what));
    if (!m.key) return Status::Ok();
    return Claim(keys_, m.space + '\0' + *m.key, line_number,
                 "key '" + *m.key + "' of space '" + m.space + "'");
  }

 private:
  static Status Claim(std::unordered_map<std::string, int64_t>& seen, std::string name,
                      int64_t line_number, const std::string& what) {
    auto [it, inserted] = seen.emplace(std::move(name), line_number);
    if (inserted) return Status::Ok();
    return AtLine(line_number, Status::InvalidArgument(what + " already appears on line " +
                                                       std::to_string(it->second)));
  }

  std::unordered_map<std::string, int64_t> ids_;
  std::unordered_map<std::string, int64_t> keys_;
};

}  // namespace

Result<int64_t> CheckImportFile(const std::string& path, const ServiceOptions& limits) {
  DuplicateCheck duplicates;
  int64_t count = 0;
  MEMORYD_RETURN_IF_ERROR(
      ForEachRecord(path, limits, [&](int64_t line_number, MemoryRecord&& rec) -> Status {
        ++count;
        return duplicates.Add(line_number, rec);
      }));
  return count;
}

Result<ImportCounts> ImportFile(Store& store, const std::string& path, const ImportOptions& options,
                                int64_t now, const ImportProgress& progress) {
  ImportCounts counts;
  std::vector<MemoryRecord> batch;
  int64_t done = 0;
  auto flush = [&]() -> Status {
    if (batch.empty()) return Status::Ok();
    MEMORYD_ASSIGN_OR_RETURN(auto outcomes, store.ImportMemories(options.account, batch, now));
    for (ImportOutcome outcome : outcomes) {
      if (outcome == ImportOutcome::kCreated) ++counts.created;
      if (outcome == ImportOutcome::kReplaced) ++counts.replaced;
      if (outcome == ImportOutcome::kUnchanged) ++counts.unchanged;
    }
    done += static_cast<int64_t>(batch.size());
    batch.clear();
    if (progress) progress(done + counts.expired);
    return Status::Ok();
  };
  MEMORYD_RETURN_IF_ERROR(
      ForEachRecord(path, options.limits, [&](int64_t, MemoryRecord&& rec) -> Status {
        if (!store_rules::IsLive(rec.memory.expires_at, now)) {
          ++counts.expired;
          return Status::Ok();
        }
        batch.push_back(std::move(rec));
        if (static_cast<int64_t>(batch.size()) < options.batch_size) return Status::Ok();
        return flush();
      }));
  MEMORYD_RETURN_IF_ERROR(flush());
  return counts;
}

}  // namespace memoryd::dataio
