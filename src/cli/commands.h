// The command line: `memoryd serve`, `memoryd key create`, `memoryd --version`, `--help`.
#pragma once

namespace memoryd {

// Runs the command named by argv and returns the process exit code (0 success, 1 failure,
// 2 usage error).
int RunCommandLine(int argc, char** argv);

}  // namespace memoryd
