// `memoryd key create | list | revoke`: API keys, straight on the data directory's store, so
// they work whether or not a server runs on it (a running one sees a revocation within a second).
#include <boost/json.hpp>
#include <cstdio>
#include <string>
#include <vector>

#include "app/data_dir.h"
#include "auth/api_key.h"
#include "cli/command.h"
#include "core/clock.h"
#include "core/time_format.h"
#include "service/options.h"
#include "service/validation.h"

namespace memoryd::cli {
namespace {

namespace json = boost::json;

constexpr size_t kMaxNameBytes = 200;

std::vector<FlagSpec> CreateFlags() {
  return {
      DataDirFlag(),
      DatabaseFlag(),
      {"space", true, "", "", "scope the key to this one space"},
      {"read-only", false, "", "", "the key may only read"},
      {"name", true, "", "", "a label to tell the key apart in `memoryd key list`"},
  };
}

std::vector<FlagSpec> ListFlags() {
  return {DataDirFlag(),
          DatabaseFlag(),
          {"json", false, "", "", "print a JSON array instead of a table"}};
}

std::vector<FlagSpec> RevokeFlags() { return {DataDirFlag(), DatabaseFlag()}; }

Status ValidateName(const std::string& name) {
  if (name.size() > kMaxNameBytes) {
    return Status::InvalidArgument("--name is longer than " + std::to_string(kMaxNameBytes) +
                                   " bytes");
  }
  if (!IsValidUtf8(name) || HasControlChar(name)) {
    return Status::InvalidArgument("--name must be UTF-8 text without control characters");
  }
  return Status::Ok();
}

int Create(const ParsedFlags& flags, int, char**) {
  ApiKeyRecord record;
  record.space = flags.Get("space");
  record.read_only = flags.Has("read-only");
  record.name = flags.GetOr("name", "");
  if (record.space) {
    Status valid = ValidateSpaceName(*record.space, ServiceOptions{});
    if (!valid.ok()) return Fail(valid, kExitUsage);
  }
  if (Status valid = ValidateName(record.name); !valid.ok()) return Fail(valid, kExitUsage);
  auto store = OpenStore(StoreLocationOf(flags), true, 0);
  if (!store.ok()) return Fail(store.status());
  auto key = GenerateApiKey();
  if (!key.ok()) return Fail(key.status());
  record.key_hash = HashApiKey(*key);
  record.created_at = SystemClock().NowMillis();
  auto id = (*store)->InsertApiKey(record);
  if (!id.ok()) return Fail(id.status());
  std::printf("%s\n", key->c_str());
  return kExitOk;
}

json::value TimeOrNull(const std::optional<int64_t>& ms) {
  if (!ms) return nullptr;
  return json::string(FormatIsoMillis(*ms));
}

json::array KeysJson(const std::vector<ApiKeyRecord>& keys) {
  json::array out;
  for (const ApiKeyRecord& k : keys) {
    json::object o;
    o["id"] = k.id;
    o["name"] = k.name;
    o["space"] = k.space ? json::value(json::string(*k.space)) : json::value(nullptr);
    o["readOnly"] = k.read_only;
    o["createdAt"] = TimeOrNull(k.created_at);
    o["lastUsedAt"] = TimeOrNull(k.last_used_at);
    out.push_back(std::move(o));
  }
  return out;
}

// Display width of UTF-8 text, counting each code point as one column.
size_t Columns(const std::string& text) {
  size_t n = 0;
  for (unsigned char c : text) n += (c & 0xC0) != 0x80;
  return n;
}

void PrintTable(const std::vector<ApiKeyRecord>& keys) {
  std::vector<std::vector<std::string>> rows = {
      {"ID", "NAME", "SPACE", "ACCESS", "CREATED", "LAST USED"}};
  for (const ApiKeyRecord& k : keys) {
    rows.push_back({std::to_string(k.id), k.name.empty() ? "-" : k.name,
                    k.space.value_or("(all spaces)"), k.read_only ? "read-only" : "read-write",
                    FormatIsoMillis(k.created_at),
                    k.last_used_at ? FormatIsoMillis(*k.last_used_at) : "never"});
  }
  std::vector<size_t> width(rows[0].size(), 0);
  for (const auto& row : rows) {
    for (size_t i = 0; i < row.size(); ++i) width[i] = std::max(width[i], Columns(row[i]));
  }
  for (const auto& row : rows) {
    std::string line;
    for (size_t i = 0; i < row.size(); ++i) {
      line += row[i];
      if (i + 1 < row.size()) line.append(width[i] - Columns(row[i]) + 2, ' ');
    }
    std::printf("%s\n", line.c_str());
  }
}

int List(const ParsedFlags& flags, int, char**) {
  const StoreLocation where = StoreLocationOf(flags);
  if (Status s = RequireStore(where); !s.ok()) return Fail(s);
  auto store = OpenStore(where, true, 0);
  if (!store.ok()) return Fail(store.status());
  auto keys = (*store)->ListApiKeys();
  if (!keys.ok()) return Fail(keys.status());
  if (flags.Has("json")) {
    std::printf("%s\n", json::serialize(KeysJson(*keys)).c_str());
  } else if (keys->empty()) {
    std::fprintf(stderr, "no API keys; create one with: memoryd key create --data-dir DIR\n");
  } else {
    PrintTable(*keys);
  }
  return kExitOk;
}

int Revoke(const ParsedFlags& flags, int, char**) {
  if (flags.positional().size() != 1) {
    return Fail(Status::InvalidArgument("key revoke needs the key's ID (see memoryd key list)"),
                kExitUsage);
  }
  const std::string& raw = flags.positional()[0];
  int64_t id = raw.empty() ? -1 : 0;
  for (char c : raw) {
    if (c < '0' || c > '9' || id > (INT64_MAX - 9) / 10) {
      return Fail(
          Status::InvalidArgument("a key ID is a number from memoryd key list, got '" + raw + "'"),
          kExitUsage);
    }
    id = id * 10 + (c - '0');
  }
  if (id < 0) return Fail(Status::InvalidArgument("a key ID must not be empty"), kExitUsage);
  const StoreLocation where = StoreLocationOf(flags);
  if (Status s = RequireStore(where); !s.ok()) return Fail(s);
  auto store = OpenStore(where, true, 0);
  if (!store.ok()) return Fail(store.status());
  if (Status s = (*store)->DeleteApiKey(id); !s.ok()) return Fail(s);
  std::printf("revoked API key %lld\n", static_cast<long long>(id));
  return kExitOk;
}

}  // namespace

std::vector<Command> KeyCommands() {
  return {
      {"key create", "--data-dir DIR [--space NAME] [--read-only] [--name LABEL]",
       "create an API key and print it",
       "Creates an API key and prints it alone on stdout. Only its hash is stored: keep the\n"
       "key, it cannot be shown again. Without --space the key reaches every space.\n",
       CreateFlags, 0, Create},
      {"key list", "--data-dir DIR [--json]", "list the API keys (never the keys themselves)",
       "Lists every API key: id, name, space (all spaces when none), access, when it was\n"
       "created and last used (recorded within about a minute). --json prints an array of\n"
       "objects with the fields id, name, space, readOnly, createdAt and lastUsedAt.\n",
       ListFlags, 0, List},
      {"key revoke", "--data-dir DIR ID", "revoke an API key by its ID",
       "Revokes the API key with this ID (see memoryd key list). Every server on the data\n"
       "directory refuses it within a second; other keys are untouched.\n",
       RevokeFlags, 1, Revoke},
  };
}

}  // namespace memoryd::cli
