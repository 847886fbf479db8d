// A command of the command line, as data: its name, synopsis, flags and what runs it. Every
// command gets `--help`/`-h` and the same error for a mistyped flag from commands.cc.
#pragma once

#include <cstddef>
#include <cstdio>
#include <string>
#include <vector>

#include "app/data_dir.h"
#include "cli/flags.h"
#include "core/status.h"

namespace memoryd::cli {

inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;
inline constexpr int kExitUsage = 2;

struct Command {
  const char* name;       // "serve", "key create"
  const char* arguments;  // what follows the name in the synopsis, e.g. "--data-dir DIR ID"
  const char* summary;    // one line, for `memoryd --help`
  const char* details;    // paragraphs for `memoryd NAME --help` (may be empty)
  std::vector<FlagSpec> (*flags)();
  size_t max_positional;  // arguments that are not flags
  // Runs the command with its parsed flags; argv is the process's own (serve hides secrets in
  // it). Returns the exit code.
  int (*run)(const ParsedFlags& flags, int argc, char** argv);
};

// Prints "memoryd: MESSAGE" on stderr and returns `code`.
inline int Fail(const Status& status, int code = kExitFailure) {
  std::fprintf(stderr, "memoryd: %s\n", status.message().c_str());
  return code;
}

// The flag every command that opens a data directory takes.
inline FlagSpec DataDirFlag() {
  return {"data-dir", true, "MEMORYD_DATA_DIR", "./memoryd-data", "directory holding the database"};
}

// The flag every command that opens the store takes: the store in PostgreSQL instead.
inline FlagSpec DatabaseFlag() {
  return {"database", true, "MEMORYD_DATABASE_URL", "",
          "PostgreSQL connection URL: the store lives there, shared by every node; "
          "--data-dir then holds only this node's indexes (a URL with a password belongs in "
          "the variable or ~/.pgpass, not on a command line others can see)"};
}

// Where the store of a command's parsed flags lives (--data-dir, --database).
inline StoreLocation StoreLocationOf(const ParsedFlags& flags) {
  return {flags.GetOr("data-dir", "./memoryd-data"), flags.GetOr("database", "")};
}

// Each group of commands, in the order `memoryd --help` lists them.
std::vector<Command> ServingCommands();  // serve, mcp
std::vector<Command> KeyCommands();      // key create, key list, key revoke
std::vector<Command> DataCommands();     // export, import, backup, restore

}  // namespace memoryd::cli
