// The command table and what every command shares: dispatch, `--help`/`-h` for each command, and
// errors that name the mistake and point to the help.
#include "cli/commands.h"

#include <sys/stat.h>

#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

#include "cli/command.h"

namespace memoryd {
namespace {

using cli::Command;
using cli::kExitOk;
using cli::kExitUsage;

std::vector<Command> AllCommands() {
  std::vector<Command> all;
  for (auto group : {cli::ServingCommands, cli::KeyCommands, cli::DataCommands}) {
    for (auto& command : group()) all.push_back(std::move(command));
  }
  return all;
}

void PrintUsage(FILE* out) {
  std::string lines;
  for (const Command& c : AllCommands()) {
    std::string left = std::string("  memoryd ") + c.name + " " + c.arguments;
    if (left.size() > 44) {
      lines += left + "\n" + std::string(46, ' ') + c.summary + "\n";
      continue;
    }
    left.resize(46, ' ');
    lines += left + c.summary + "\n";
  }
  std::fprintf(out,
               "memoryd %s: a memory server for AI agents\n\n"
               "Usage:\n%s"
               "  memoryd --version | --help\n\n"
               "Run 'memoryd COMMAND --help' for a command's flags.\n",
               MEMORYD_VERSION, lines.c_str());
}

void PrintCommandHelp(const Command& c) {
  std::vector<cli::FlagSpec> flags = c.flags();
  flags.push_back({"help", false, "", "", "print this help (also -h)"});
  std::printf("Usage: memoryd %s %s\n\n%s\nFlags:\n%s", c.name, c.arguments, c.details,
              cli::FlagHelp(flags).c_str());
}

// How many of argv[1..] the command's name takes ("serve": 1, "key create": 2), or 0.
int NameWords(const Command& c, int argc, char** argv) {
  const std::string_view name = c.name;
  const size_t space = name.find(' ');
  if (space == std::string_view::npos) return argc > 1 && name == argv[1] ? 1 : 0;
  if (argc < 3 || name.substr(0, space) != argv[1] || name.substr(space + 1) != argv[2]) return 0;
  return 2;
}

int RunCommand(const Command& c, int words, int argc, char** argv) {
  if (cli::WantsHelp(argc, argv, 1 + words)) {
    PrintCommandHelp(c);
    return kExitOk;
  }
  auto flags = cli::ParseFlags(c.flags(), argc, argv, 1 + words, c.max_positional);
  if (!flags.ok()) {
    std::fprintf(stderr, "memoryd %s: %s (see 'memoryd %s --help')\n", c.name,
                 flags.status().message().c_str(), c.name);
    return kExitUsage;
  }
  return c.run(*flags, argc, argv);
}

// `memoryd key` alone, or with an unknown subcommand: the group's commands.
int UnknownCommand(int argc, char** argv) {
  const std::string_view first = argv[1];
  std::string group_commands;
  for (const Command& c : AllCommands()) {
    const std::string_view name = c.name;
    if (name.starts_with(first) && name.size() > first.size() && name[first.size()] == ' ') {
      group_commands += std::string("  memoryd ") + c.name + " " + c.arguments + "\n";
    }
  }
  if (!group_commands.empty()) {
    const bool help =
        argc > 2 && (std::string_view(argv[2]) == "--help" || std::string_view(argv[2]) == "-h");
    if (help) {
      std::printf("Usage:\n%s\nRun 'memoryd %s COMMAND --help' for a command's flags.\n",
                  group_commands.c_str(), argv[1]);
      return kExitOk;
    }
    if (argc > 2) {
      std::fprintf(stderr, "memoryd: unknown command '%s %s'\n", argv[1], argv[2]);
    } else {
      std::fprintf(stderr, "memoryd: '%s' needs a command\n", argv[1]);
    }
    std::fprintf(stderr, "Usage:\n%sRun 'memoryd --help' for every command.\n",
                 group_commands.c_str());
    return kExitUsage;
  }
  std::fprintf(stderr, "memoryd: unknown command '%s'; run 'memoryd --help' for the commands\n",
               argv[1]);
  return kExitUsage;
}

}  // namespace

int RunCommandLine(int argc, char** argv) {
  // Everything memoryd creates (data directory, database, indexes, saved state) is its owner's
  // alone: 0700 directories and 0600 files, whatever umask it was started with.
  umask(077);
  const std::string_view command = argc > 1 ? argv[1] : "";
  if (command == "--version" || command == "version") {
    std::printf("memoryd %s\n", MEMORYD_VERSION);
    return kExitOk;
  }
  if (command == "--help" || command == "-h" || command == "help") {
    PrintUsage(stdout);
    return kExitOk;
  }
  if (command.empty()) {
    PrintUsage(stderr);
    return kExitUsage;
  }
  for (const Command& c : AllCommands()) {
    if (int words = NameWords(c, argc, argv); words > 0) return RunCommand(c, words, argc, argv);
  }
  return UnknownCommand(argc, argv);
}

}  // namespace memoryd
