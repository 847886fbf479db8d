// A small command-line flag parser: "--name value", "--name=value" and boolean "--name".
// Every flag may have an environment variable that supplies its value when the flag is absent.
//
// Thread-safety: not thread-safe; used once at start-up.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace memoryd::cli {

struct FlagSpec {
  std::string name;      // without dashes, e.g. "data-dir"
  bool takes_value;      // false for a boolean switch
  std::string env;       // environment variable, or empty
  std::string fallback;  // default value, or empty
  std::string help;      // one line
};

class ParsedFlags {
 public:
  std::optional<std::string> Get(std::string_view name) const;
  std::string GetOr(std::string_view name, std::string_view fallback) const;
  bool Has(std::string_view name) const;
  // The flag as an integer; kInvalidArgument naming the flag when it is not one.
  Result<int64_t> Integer(std::string_view name) const;
  // Arguments that are not flags, in order ("-" included: it names standard input).
  const std::vector<std::string>& positional() const { return positional_; }

 private:
  friend Result<ParsedFlags> ParseFlags(const std::vector<FlagSpec>&, int, char**, int, size_t);
  std::map<std::string, std::string, std::less<>> values_;
  std::vector<std::string> positional_;
};

// Parses argv[first..argc). kInvalidArgument on an unknown flag, a missing value or more than
// `max_positional` arguments that are not flags.
Result<ParsedFlags> ParseFlags(const std::vector<FlagSpec>& specs, int argc, char** argv, int first,
                               size_t max_positional = 0);

// True when argv[first..argc) asks for help (--help or -h) before any "--" separator.
bool WantsHelp(int argc, char** argv, int first);

// "  --data-dir DIR   [MEMORYD_DATA_DIR] where memories are stored (default ./memoryd-data)"
std::string FlagHelp(const std::vector<FlagSpec>& specs);

}  // namespace memoryd::cli
