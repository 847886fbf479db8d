#include "wordnet_reader.h"

#include <fstream>
#include <sstream>
#include <utility>

namespace memoryd::lexicon_tool {
namespace {

constexpr Pos kAllPos[] = {Pos::kNoun, Pos::kVerb, Pos::kAdjective, Pos::kAdverb};

std::string FileSuffix(Pos pos) {
  switch (pos) {
    case Pos::kNoun:
      return "noun";
    case Pos::kVerb:
      return "verb";
    case Pos::kAdjective:
      return "adj";
    case Pos::kAdverb:
      return "adv";
  }
  return "";
}

// The data file a pointer's part-of-speech letter lives in ('s' satellites are adjectives).
bool PosOfLetter(char letter, Pos* pos) {
  switch (letter) {
    case 'n':
      *pos = Pos::kNoun;
      return true;
    case 'v':
      *pos = Pos::kVerb;
      return true;
    case 'a':
    case 's':
      *pos = Pos::kAdjective;
      return true;
    case 'r':
      *pos = Pos::kAdverb;
      return true;
    default:
      return false;
  }
}

uint64_t SynsetKey(Pos pos, uint32_t offset) { return (static_cast<uint64_t>(pos) << 32) | offset; }

// "big(a)" -> "big": adjective position markers are not part of the word.
std::string CleanWord(std::string word) {
  const size_t paren = word.find('(');
  if (paren != std::string::npos) word.resize(paren);
  for (char& c : word) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return word;
}

struct RawPointer {
  std::string symbol;
  uint32_t offset;
  Pos pos;
  uint8_t source_word;
};

struct Reader {
  WordNet* out;
  std::unordered_map<uint64_t, uint32_t> index_of;  // SynsetKey -> synset index
  std::vector<std::vector<RawPointer>> raw_pointers;

  bool ReadData(const std::string& path, Pos pos) {
    std::ifstream in(path);
    if (!in) return false;
    std::string line;
    while (std::getline(in, line)) {
      if (line.empty() || line[0] == ' ') continue;  // licence header
      ParseDataLine(line, pos);
    }
    return true;
  }

  void ParseDataLine(const std::string& line, Pos pos) {
    std::istringstream fields(line.substr(0, line.find('|')));
    uint32_t offset = 0;
    std::string lex_file, type, count_hex;
    if (!(fields >> offset >> lex_file >> type >> count_hex)) return;
    Synset synset;
    synset.pos = pos;
    synset.satellite = type == "s";
    const unsigned long words = std::stoul(count_hex, nullptr, 16);
    for (unsigned long i = 0; i < words; ++i) {
      std::string word, lex_id;
      if (!(fields >> word >> lex_id)) return;
      synset.words.push_back(CleanWord(word));
    }
    unsigned pointer_count = 0;
    if (!(fields >> pointer_count)) return;
    std::vector<RawPointer> pointers;
    for (unsigned i = 0; i < pointer_count; ++i) {
      std::string symbol, letter, source_target;
      uint32_t target = 0;
      if (!(fields >> symbol >> target >> letter >> source_target)) return;
      Pos target_pos;
      if (letter.empty() || !PosOfLetter(letter[0], &target_pos)) continue;
      const auto source = static_cast<uint8_t>(std::stoul(source_target.substr(0, 2), nullptr, 16));
      pointers.push_back({symbol, target, target_pos, source});
    }
    const size_t bar = line.find('|');
    if (bar != std::string::npos) {
      std::string gloss = line.substr(bar + 1);
      const size_t end = gloss.find_first_of(";\"");
      if (end != std::string::npos) gloss.resize(end);
      for (char& c : gloss) {
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
      }
      synset.definition = std::move(gloss);
    }
    index_of[SynsetKey(pos, offset)] = static_cast<uint32_t>(out->synsets.size());
    out->synsets.push_back(std::move(synset));
    raw_pointers.push_back(std::move(pointers));
  }

  void ResolvePointers() {
    for (size_t i = 0; i < raw_pointers.size(); ++i) {
      for (const RawPointer& raw : raw_pointers[i]) {
        auto it = index_of.find(SynsetKey(raw.pos, raw.offset));
        if (it == index_of.end()) continue;
        out->synsets[i].pointers.push_back({raw.symbol, it->second, raw.source_word});
      }
    }
  }

  // lemma pos synset_cnt p_cnt [ptr_symbol...] sense_cnt tagsense_cnt synset_offset...
  bool ReadIndex(const std::string& path, Pos pos) {
    std::ifstream in(path);
    if (!in) return false;
    std::string line;
    while (std::getline(in, line)) {
      if (line.empty() || line[0] == ' ') continue;
      std::istringstream fields(line);
      std::string lemma, letter;
      unsigned synsets = 0, pointer_kinds = 0;
      if (!(fields >> lemma >> letter >> synsets >> pointer_kinds)) continue;
      std::string skip;
      for (unsigned i = 0; i < pointer_kinds; ++i) fields >> skip;
      unsigned sense_count = 0, tagged = 0;
      fields >> sense_count >> tagged;
      std::vector<Sense>& senses = out->lemmas[lemma][pos];
      for (unsigned i = 0; i < synsets; ++i) {
        uint32_t offset = 0;
        if (!(fields >> offset)) break;
        auto it = index_of.find(SynsetKey(pos, offset));
        if (it != index_of.end()) senses.push_back({it->second, 0});
      }
    }
    return true;
  }

  // lemma%ss_type:lex_filenum:lex_id:head_word:head_id sense_number tag_cnt
  bool ReadCounts(const std::string& path) {
    std::ifstream in(path);
    if (!in) return false;
    std::string key;
    unsigned sense_number = 0, count = 0;
    while (in >> key >> sense_number >> count) {
      const size_t percent = key.find('%');
      if (percent == std::string::npos || percent + 1 >= key.size()) continue;
      const char type = key[percent + 1];
      static constexpr char kLetters[] = {'?', 'n', 'v', 'a', 'r', 's'};
      if (type < '1' || type > '5') continue;
      Pos pos;
      if (!PosOfLetter(kLetters[type - '0'], &pos)) continue;
      auto lemma = out->lemmas.find(key.substr(0, percent));
      if (lemma == out->lemmas.end()) continue;
      auto senses = lemma->second.find(pos);
      if (senses == lemma->second.end() || sense_number == 0 ||
          sense_number > senses->second.size()) {
        continue;
      }
      senses->second[sense_number - 1].tag_count = count;
    }
    return true;
  }

  bool ReadExceptions(const std::string& path, Pos pos) {
    std::ifstream in(path);
    if (!in) return false;
    std::string line;
    while (std::getline(in, line)) {
      std::istringstream fields(line);
      std::string form, base;
      if (!(fields >> form)) continue;
      while (fields >> base) out->exceptions[form][pos].push_back(base);
    }
    return true;
  }
};

}  // namespace

bool ReadWordNet(const std::string& dir, WordNet* out, std::string* error) {
  Reader reader{out, {}, {}};
  for (const Pos pos : kAllPos) {
    const std::string path = dir + "/data." + FileSuffix(pos);
    if (!reader.ReadData(path, pos)) {
      *error = "cannot read " + path;
      return false;
    }
  }
  reader.ResolvePointers();
  for (const Pos pos : kAllPos) {
    const std::string index = dir + "/index." + FileSuffix(pos);
    const std::string exceptions = dir + "/" + FileSuffix(pos) + ".exc";
    if (!reader.ReadIndex(index, pos) || !reader.ReadExceptions(exceptions, pos)) {
      *error = "cannot read " + index + " or " + exceptions;
      return false;
    }
  }
  if (!reader.ReadCounts(dir + "/cntlist.rev")) {
    *error = "cannot read " + dir + "/cntlist.rev";
    return false;
  }
  return true;
}

}  // namespace memoryd::lexicon_tool
