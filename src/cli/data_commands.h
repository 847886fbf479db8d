// The data commands: `memoryd export`, `memoryd import`, `memoryd backup` and `memoryd
// restore`. Each takes the whole argv (argv[1] is the command) and returns the exit code: 0
// success, 1 failure, 2 usage error. `memoryd COMMAND --help` prints the command's usage.
//
// Thread-safety: called once from main.
#pragma once

#include <vector>

#include "cli/flags.h"

namespace memoryd::cli {

std::vector<FlagSpec> ExportFlags();
std::vector<FlagSpec> ImportFlags();
std::vector<FlagSpec> BackupFlags();
std::vector<FlagSpec> RestoreFlags();

int Export(int argc, char** argv);
int Import(int argc, char** argv);
int Backup(int argc, char** argv);
int Restore(int argc, char** argv);

}  // namespace memoryd::cli
