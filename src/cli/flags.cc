#include "cli/flags.h"

#include <charconv>
#include <cstdlib>

namespace memoryd::cli {
namespace {

const FlagSpec* FindSpec(const std::vector<FlagSpec>& specs, std::string_view name) {
  for (const auto& spec : specs) {
    if (spec.name == name) return &spec;
  }
  return nullptr;
}

// An on/off environment variable: 1/true/yes/on or 0/false/no/off.
Result<bool> ParseSwitch(const std::string& name, std::string_view value) {
  for (std::string_view on : {"1", "true", "yes", "on"}) {
    if (value == on) return true;
  }
  for (std::string_view off : {"0", "false", "no", "off"}) {
    if (value == off) return false;
  }
  return Status::InvalidArgument(name + " must be one of 1/true/yes/on or 0/false/no/off");
}

}  // namespace

std::optional<std::string> ParsedFlags::Get(std::string_view name) const {
  auto it = values_.find(name);
  if (it == values_.end()) return std::nullopt;
  return it->second;
}

std::string ParsedFlags::GetOr(std::string_view name, std::string_view fallback) const {
  return Get(name).value_or(std::string(fallback));
}

bool ParsedFlags::Has(std::string_view name) const { return values_.count(name) > 0; }

Result<int64_t> ParsedFlags::Integer(std::string_view name) const {
  auto raw = Get(name);
  if (!raw) return Status::InvalidArgument("--" + std::string(name) + " is not set");
  int64_t value = 0;
  const char* end = raw->data() + raw->size();
  auto [ptr, ec] = std::from_chars(raw->data(), end, value);
  if (raw->empty() || ec != std::errc() || ptr != end || value < 0) {
    return Status::InvalidArgument("--" + std::string(name) +
                                   " must be a non-negative integer, got '" + *raw + "'");
  }
  return value;
}

bool WantsHelp(int argc, char** argv, int first) {
  for (int i = first; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (arg == "--") return false;
    if (arg == "--help" || arg == "-h") return true;
  }
  return false;
}

Result<ParsedFlags> ParseFlags(const std::vector<FlagSpec>& specs, int argc, char** argv, int first,
                               size_t max_positional) {
  ParsedFlags parsed;
  bool flags_ended = false;  // after "--" every argument is positional
  for (int i = first; i < argc; ++i) {
    std::string_view arg = argv[i];
    if (arg == "--" && !flags_ended) {
      flags_ended = true;
      continue;
    }
    // "-" alone names standard input; any other dash word is a mistyped flag.
    const bool positional = flags_ended || arg == "-" || arg.empty() || arg[0] != '-';
    if (positional && parsed.positional_.size() < max_positional) {
      parsed.positional_.emplace_back(arg);
      continue;
    }
    if (positional || arg.substr(0, 2) != "--") {
      return Status::InvalidArgument("unexpected argument '" + std::string(arg) + "'");
    }
    arg.remove_prefix(2);
    std::optional<std::string> inline_value;
    if (auto eq = arg.find('='); eq != std::string_view::npos) {
      inline_value = std::string(arg.substr(eq + 1));
      arg = arg.substr(0, eq);
    }
    const FlagSpec* spec = FindSpec(specs, arg);
    if (spec == nullptr) return Status::InvalidArgument("unknown flag --" + std::string(arg));
    if (!spec->takes_value) {
      if (inline_value) return Status::InvalidArgument("--" + spec->name + " takes no value");
      parsed.values_[spec->name] = "true";
      continue;
    }
    if (!inline_value) {
      if (i + 1 >= argc) return Status::InvalidArgument("--" + spec->name + " needs a value");
      inline_value = argv[++i];
    }
    parsed.values_[spec->name] = *inline_value;
  }
  for (const auto& spec : specs) {
    if (parsed.Has(spec.name)) continue;
    const char* env = spec.env.empty() ? nullptr : std::getenv(spec.env.c_str());
    if (env != nullptr && *env != '\0') {
      if (spec.takes_value) {
        parsed.values_[spec.name] = env;
        continue;
      }
      MEMORYD_ASSIGN_OR_RETURN(bool on, ParseSwitch(spec.env, env));
      if (on) parsed.values_[spec.name] = "true";
    } else if (!spec.fallback.empty()) {
      parsed.values_[spec.name] = spec.fallback;
    }
  }
  return parsed;
}

std::string FlagHelp(const std::vector<FlagSpec>& specs) {
  std::string out;
  for (const auto& spec : specs) {
    std::string left = "  --" + spec.name + (spec.takes_value ? " VALUE" : "");
    if (left.size() < 34) left.resize(34, ' ');
    out += left + spec.help;
    if (!spec.env.empty()) out += " [env " + spec.env + "]";
    if (!spec.fallback.empty()) out += " (default " + spec.fallback + ")";
    out += "\n";
  }
  return out;
}

}  // namespace memoryd::cli
