// compile_wordnet WORDNET_DIR OUT: compiles WordNet 3.0 into the lexicon table memoryd links in
// (layout: src/text/lexicon_format.h). Runs at build time only.
//
// For every lemma of one or two plain words, and every part of speech it has, the table lists the
// concepts (synsets) the word reaches and how strongly:
//  - its senses, each weighted by its share of the tagged uses of its part of speech in WordNet's
//    sense-tagged corpus (smoothed, so untagged senses keep a little; senses under
//    kMinSenseShare dropped): an ambiguous word spreads its weight, a word with one dominant
//    sense keeps it. Each part of speech also records its share of all the lemma's uses (its
//    mass), so a reader that knows which parts of speech a form can have weighs them;
//  - from each sense: broader terms up to three steps (hypernyms and instance hypernyms), the
//    wholes it is part of up to two steps (part holonyms), the senses of derived forms, and for
//    an adjective satellite its head; each step multiplies the weight by its link's factor;
//  - the dominant senses of the first specific nouns of each sense's definition (migraine:
//    "a severe recurring vascular headache" reaches headache), a weak link;
//  - concepts too general to tell memories apart (more than kMaxGenerality narrower synsets,
//    such as "person" or "entity") are never reached, nor anything above them.
// Weights of one concept reached several ways keep the strongest; each part of speech keeps its
// kMaxLinks strongest concepts.
#include <xxhash.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <functional>
#include <iostream>
#include <map>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "text/lexicon_format.h"
#include "wordnet_reader.h"

namespace memoryd::lexicon_tool {
namespace {

using text::LinkKind;

constexpr double kSenseSmoothing = 0.5;
constexpr double kMinSenseShare = 0.08;
constexpr size_t kMaxSensesPerPos = 8;
constexpr uint32_t kMaxGenerality = 1500;
constexpr double kBroaderFactor[] = {0.6, 0.4, 0.25};
constexpr double kPartOfFactor[] = {0.6, 0.35};
constexpr double kDerivedFactor = 0.8;
constexpr double kSimilarFactor = 0.6;
constexpr double kGlossFactor = 0.4;
constexpr size_t kMaxGlossWords = 4;
// Definitions name their subject's genus and parts; only specific nouns among them are kept.
constexpr uint32_t kMaxGlossGenerality = 500;

// Function words of definitions; the rest are looked up (and very general ones fall away as
// too general).
const std::set<std::string> kGlossStopwords = {
    "a",     "an",        "the",       "of",        "or",      "and",      "to",         "in",
    "on",    "for",       "with",      "by",        "as",      "at",       "from",       "that",
    "which", "who",       "whom",      "whose",     "is",      "are",      "be",         "been",
    "being", "was",       "were",      "it",        "its",     "this",     "these",      "those",
    "into",  "onto",      "than",      "such",      "not",     "no",       "any",        "some",
    "other", "one",       "ones",      "something", "someone", "somebody", "especially", "usually",
    "often", "typically", "sometimes", "used",      "use",     "using",    "etc",        "e",
    "g",     "i",         "very",      "more",      "most",    "much",     "many",       "having",
    "has",   "have",      "had",       "can",       "may",     "will",     "would",      "should",
    "about", "also",      "but",       "if",        "when",    "where",    "while",      "so",
    "like",  "out",       "up",        "down",      "over",    "under",    "between",    "through",
    "all",   "each",      "same",      "kind",      "type",    "sort",     "form",       "part",
    "state", "quality",   "act",       "make",      "made",    "give",     "take",       "get",
    "do",    "does",      "done",      "their",     "there",   "they",     "them",       "he",
    "she",   "his",       "her",       "him",       "you",     "your",     "we",         "our",
    "us",    "what",      "how",       "why",       "either",  "both"};
constexpr size_t kMaxLinks = 16;
constexpr double kMinWeight = 0.03;

struct Link {
  uint32_t synset;
  double weight;
  LinkKind kind;
};

struct Group {
  Pos pos;
  double mass;
  std::vector<Link> links;
};

class Compiler {
 public:
  explicit Compiler(const WordNet& wordnet) : wn_(wordnet) {
    CountNarrower();
    FindDominantSenses();
  }

  // The groups of one lemma, or none when it reaches nothing.
  std::vector<Group> Expand(const std::string& lemma,
                            const std::map<Pos, std::vector<Sense>>& by_pos) const {
    double total = 0;
    for (const auto& [pos, senses] : by_pos) total += Uses(senses);
    std::vector<Group> groups;
    for (const auto& [pos, senses] : by_pos) {
      const double pos_uses = Uses(senses);
      Group group{pos, pos_uses / total, {}};
      std::map<uint32_t, Link> best;
      for (size_t i = 0; i < senses.size() && i < kMaxSensesPerPos; ++i) {
        const double share = (senses[i].tag_count + kSenseSmoothing) / pos_uses;
        if (share < kMinSenseShare) continue;
        ExpandSense(lemma, senses[i].synset, share, &best);
      }
      for (const auto& [synset, link] : best) {
        if (link.weight >= kMinWeight) group.links.push_back(link);
      }
      // Strongest first; equal weights by synset, so the cut below is the same everywhere.
      std::sort(group.links.begin(), group.links.end(), [](const Link& a, const Link& b) {
        return a.weight != b.weight ? a.weight > b.weight : a.synset < b.synset;
      });
      if (group.links.size() > kMaxLinks) group.links.resize(kMaxLinks);
      if (!group.links.empty()) groups.push_back(std::move(group));
    }
    return groups;
  }

 private:
  // Tagged uses of a part of speech's senses, smoothed so untagged senses keep a little.
  static double Uses(const std::vector<Sense>& senses) {
    double uses = 0;
    for (const Sense& sense : senses) uses += sense.tag_count + kSenseSmoothing;
    return uses;
  }

  static void Keep(std::map<uint32_t, Link>* best, uint32_t synset, double weight, LinkKind kind) {
    auto [it, inserted] = best->try_emplace(synset, Link{synset, weight, kind});
    if (!inserted && it->second.weight < weight) it->second = Link{synset, weight, kind};
  }

  bool TooGeneral(uint32_t synset) const { return narrower_[synset] > kMaxGenerality; }

  void ExpandSense(const std::string& lemma, uint32_t synset, double share,
                   std::map<uint32_t, Link>* best) const {
    if (TooGeneral(synset)) return;
    Keep(best, synset, share, LinkKind::kSynonym);
    Climb(synset, share, {"@", "@i"}, kBroaderFactor, std::size(kBroaderFactor), LinkKind::kBroader,
          best);
    Climb(synset, share, {"#p"}, kPartOfFactor, std::size(kPartOfFactor), LinkKind::kPartOf, best);
    const Synset& s = wn_.synsets[synset];
    const auto word = std::find(s.words.begin(), s.words.end(), lemma);
    const auto word_number = static_cast<uint8_t>(word - s.words.begin() + 1);
    for (const Pointer& p : s.pointers) {
      const bool lexical_match = p.source_word == 0 || p.source_word == word_number;
      if ((p.symbol == "+" || p.symbol == "\\") && lexical_match && !TooGeneral(p.target)) {
        Keep(best, p.target, share * kDerivedFactor, LinkKind::kDerived);
      } else if (p.symbol == "&" && s.satellite && !TooGeneral(p.target)) {
        Keep(best, p.target, share * kSimilarFactor, LinkKind::kSimilar);
      }
    }
    for (const uint32_t defining : DefinitionSenses(s)) {
      if (defining != synset) Keep(best, defining, share * kGlossFactor, LinkKind::kGloss);
    }
  }

  // The dominant noun senses of the first content words of a synset's definition.
  std::vector<uint32_t> DefinitionSenses(const Synset& s) const {
    std::vector<uint32_t> senses;
    std::string word;
    const auto flush = [&] {
      if (!word.empty() && !kGlossStopwords.contains(word) && senses.size() < kMaxGlossWords) {
        const uint32_t sense = DominantSense(word);
        if (sense != UINT32_MAX && narrower_[sense] <= kMaxGlossGenerality) senses.push_back(sense);
      }
      word.clear();
    };
    for (const char c : s.definition) {
      if (c >= 'a' && c <= 'z') {
        word += c;
      } else {
        flush();
      }
    }
    flush();
    return senses;
  }

  // The most used noun sense of `word` or of its lemma (irregular forms, then suffix rules);
  // UINT32_MAX when there is none.
  uint32_t DominantSense(const std::string& word) const {
    if (auto it = dominant_.find(word); it != dominant_.end()) return it->second;
    if (auto it = wn_.exceptions.find(word); it != wn_.exceptions.end()) {
      for (const auto& [pos, bases] : it->second) {
        for (const std::string& base : bases) {
          if (auto d = dominant_.find(base); d != dominant_.end()) return d->second;
        }
      }
    }
    static const std::pair<const char*, const char*> kRules[] = {
        {"ies", "y"}, {"ches", "ch"}, {"shes", "sh"}, {"ses", "s"}, {"s", ""},  {"ing", ""},
        {"ing", "e"}, {"ed", ""},     {"ed", "e"},    {"es", ""},   {"es", "e"}};
    for (const auto& [suffix, replacement] : kRules) {
      const std::string_view end(suffix);
      if (word.size() <= end.size() + 2 || !word.ends_with(end)) continue;
      const std::string base = word.substr(0, word.size() - end.size()) + replacement;
      if (auto d = dominant_.find(base); d != dominant_.end()) return d->second;
    }
    return UINT32_MAX;
  }

  void FindDominantSenses() {
    for (const auto& [lemma, by_pos] : wn_.lemmas) {
      uint32_t best = UINT32_MAX;
      long best_count = -1;
      for (const Pos pos : {Pos::kNoun}) {
        auto it = by_pos.find(pos);
        if (it == by_pos.end()) continue;
        for (const Sense& sense : it->second) {
          if (static_cast<long>(sense.tag_count) > best_count) {
            best_count = sense.tag_count;
            best = sense.synset;
          }
        }
      }
      if (best != UINT32_MAX) dominant_[lemma] = best;
    }
  }

  // Follows `symbols` upwards for up to `steps` steps, multiplying by factors[step].
  void Climb(uint32_t start, double share, std::initializer_list<const char*> symbols,
             const double* factors, size_t steps, LinkKind kind,
             std::map<uint32_t, Link>* best) const {
    std::vector<uint32_t> frontier{start};
    for (size_t step = 0; step < steps && !frontier.empty(); ++step) {
      std::vector<uint32_t> next;
      for (const uint32_t synset : frontier) {
        for (const Pointer& p : wn_.synsets[synset].pointers) {
          const bool follow = std::any_of(symbols.begin(), symbols.end(),
                                          [&](const char* s) { return p.symbol == s; });
          if (!follow || TooGeneral(p.target)) continue;
          Keep(best, p.target, share * factors[step], kind);
          next.push_back(p.target);
        }
      }
      frontier = std::move(next);
    }
  }

  // narrower_[s]: synsets below s through hyponym links (a tree count; shared descendants
  // count once per path, which only makes a broad concept look broader).
  void CountNarrower() {
    const size_t n = wn_.synsets.size();
    std::vector<std::vector<uint32_t>> children(n);
    for (uint32_t s = 0; s < n; ++s) {
      for (const Pointer& p : wn_.synsets[s].pointers) {
        if (p.symbol == "@" || p.symbol == "@i") children[p.target].push_back(s);
      }
    }
    narrower_.assign(n, UINT32_MAX);
    std::function<uint32_t(uint32_t)> count = [&](uint32_t s) -> uint32_t {
      if (narrower_[s] != UINT32_MAX) return narrower_[s];
      narrower_[s] = 0;  // guards against a cycle
      uint64_t total = 0;
      for (const uint32_t child : children[s]) total += 1 + count(child);
      narrower_[s] = static_cast<uint32_t>(std::min<uint64_t>(total, UINT32_MAX - 1));
      return narrower_[s];
    };
    for (uint32_t s = 0; s < n; ++s) count(s);
  }

  const WordNet& wn_;
  std::vector<uint32_t> narrower_;
  std::unordered_map<std::string, uint32_t> dominant_;  // lemma -> most used noun sense
};

// "ice_cream" -> "ice cream"; empty when the lemma is not one or two plain words.
std::string KeyOf(const std::string& lemma) {
  std::string key;
  int words = 1;
  for (const char c : lemma) {
    if (c == '_') {
      ++words;
      key += ' ';
    } else if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) {
      key += c;
    } else {
      return "";
    }
  }
  if (words > 2 || key.size() < 2 || key.size() > 255 || key.front() == ' ' || key.back() == ' ') {
    return "";
  }
  return key;
}

class Writer {
 public:
  void U8(uint32_t v) { bytes_.push_back(static_cast<char>(v & 0xFF)); }
  void U32(uint32_t v) {
    for (int i = 0; i < 4; ++i) U8(v >> (8 * i));
  }
  void Key(const std::string& key) {
    U8(static_cast<uint32_t>(key.size()));
    bytes_ += key;
  }
  uint32_t Size() const { return static_cast<uint32_t>(bytes_.size()); }
  void PatchU32(uint32_t at, uint32_t v) {
    for (int i = 0; i < 4; ++i) bytes_[at + i] = static_cast<char>((v >> (8 * i)) & 0xFF);
  }
  const std::string& bytes() const { return bytes_; }

 private:
  std::string bytes_;
};

uint32_t SlotsFor(size_t entries) {
  uint32_t slots = 1;
  while (slots < entries * 2) slots <<= 1;
  return slots;
}

// Writes an open-addressing table of `records` (key -> offset) at the writer's end.
uint32_t WriteTable(const std::vector<std::pair<std::string, uint32_t>>& records, uint32_t slots,
                    Writer* out) {
  std::vector<uint32_t> table(slots, text::kEmptySlot);
  for (const auto& [key, offset] : records) {
    uint32_t slot = static_cast<uint32_t>(XXH3_64bits(key.data(), key.size())) & (slots - 1);
    while (table[slot] != text::kEmptySlot) slot = (slot + 1) & (slots - 1);
    table[slot] = offset;
  }
  const uint32_t at = out->Size();
  for (const uint32_t offset : table) out->U32(offset);
  return at;
}

using Records = std::vector<std::pair<std::string, uint32_t>>;  // key -> record offset

uint8_t Quantized(double weight) {
  return static_cast<uint8_t>(std::max(1L, std::lround(std::min(1.0, weight) * 255)));
}

// Concepts get dense ids in the order lemmas first reach them.
struct ConceptIds {
  std::unordered_map<uint32_t, uint32_t> id_of;  // synset -> dense id
  std::vector<uint32_t> synsets;                 // dense id -> synset

  uint32_t Of(uint32_t synset) {
    auto [it, added] = id_of.try_emplace(synset, static_cast<uint32_t>(synsets.size()));
    if (added) synsets.push_back(synset);
    return it->second;
  }
};

Records WriteLemmas(const WordNet& wn, ConceptIds* concepts, Writer* out) {
  Compiler compiler(wn);
  Records records;
  for (const auto& [lemma, by_pos] : wn.lemmas) {
    const std::string key = KeyOf(lemma);
    if (key.empty()) continue;
    const std::vector<Group> groups = compiler.Expand(lemma, by_pos);
    if (groups.empty()) continue;
    records.emplace_back(key, out->Size());
    out->Key(key);
    out->U8(static_cast<uint32_t>(groups.size()));
    for (const Group& group : groups) {
      out->U8(static_cast<uint32_t>(group.pos));
      out->U8(Quantized(group.mass));
      out->U8(static_cast<uint32_t>(group.links.size()));
      for (const Link& link : group.links) {
        const uint32_t id = concepts->Of(link.synset);
        out->U8(static_cast<uint32_t>(link.kind));
        out->U8(Quantized(link.weight));
        out->U8(id);
        out->U8(id >> 8);
        out->U8(id >> 16);
      }
    }
  }
  return records;
}

Records WriteExceptions(const WordNet& wn, Writer* out) {
  Records records;
  for (const auto& [form, by_pos] : wn.exceptions) {
    const std::string key = KeyOf(form);
    if (key.empty() || key.find(' ') != std::string::npos) continue;
    std::vector<std::pair<Pos, std::string>> bases;
    for (const auto& [pos, list] : by_pos) {
      for (const std::string& base : list) {
        const std::string base_key = KeyOf(base);
        if (!base_key.empty() && base_key != key) bases.emplace_back(pos, base_key);
      }
    }
    if (bases.empty()) continue;
    records.emplace_back(key, out->Size());
    out->Key(key);
    out->U8(static_cast<uint32_t>(bases.size()));
    for (const auto& [pos, base] : bases) {
      out->U8(static_cast<uint32_t>(pos));
      out->Key(base);
    }
  }
  return records;
}

// Each concept's headword ("musical instrument"); returns the table of their offsets.
std::vector<uint32_t> WriteNames(const WordNet& wn, const ConceptIds& concepts, Writer* out) {
  std::vector<uint32_t> offsets;
  for (const uint32_t synset : concepts.synsets) {
    std::string name = wn.synsets[synset].words.front();
    std::replace(name.begin(), name.end(), '_', ' ');
    offsets.push_back(out->Size());
    out->Key(name.substr(0, 255));
  }
  return offsets;
}

bool WriteFileAtomically(const std::string& path, const std::string& bytes) {
  const std::string temp = path + ".tmp";
  {
    std::ofstream file(temp, std::ios::binary | std::ios::trunc);
    file.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    if (!file) {
      std::cerr << "compile_wordnet: cannot write " << temp << "\n";
      return false;
    }
  }
  if (std::rename(temp.c_str(), path.c_str()) != 0) {
    std::cerr << "compile_wordnet: cannot rename " << temp << "\n";
    return false;
  }
  return true;
}

int Compile(const WordNet& wn, const std::string& out_path) {
  Writer out;
  for (size_t i = 0; i < sizeof(text::LexiconHeader) / 4; ++i) out.U32(0);  // patched below
  ConceptIds concepts;
  const Records lemmas = WriteLemmas(wn, &concepts, &out);
  const Records exceptions = WriteExceptions(wn, &out);
  const std::vector<uint32_t> name_offsets = WriteNames(wn, concepts, &out);
  if (concepts.synsets.size() > text::kMaxConceptId) {
    std::cerr << "compile_wordnet: too many concepts\n";
    return 1;
  }
  text::LexiconHeader header{};
  header.magic = text::kLexiconMagic;
  header.version = text::kLexiconVersion;
  header.lemma_slots = SlotsFor(lemmas.size());
  header.lemma_table = WriteTable(lemmas, header.lemma_slots, &out);
  header.exception_slots = SlotsFor(exceptions.size());
  header.exception_table = WriteTable(exceptions, header.exception_slots, &out);
  header.concept_count = static_cast<uint32_t>(concepts.synsets.size());
  header.names = out.Size();
  for (const uint32_t offset : name_offsets) out.U32(offset);
  const uint32_t fields[] = {
      header.magic,           header.version,         header.lemma_slots,   header.lemma_table,
      header.exception_slots, header.exception_table, header.concept_count, header.names};
  static_assert(sizeof(fields) == sizeof(text::LexiconHeader));
  for (size_t i = 0; i < std::size(fields); ++i)
    out.PatchU32(static_cast<uint32_t>(4 * i), fields[i]);
  if (!WriteFileAtomically(out_path, out.bytes())) return 1;
  std::cout << "lexicon: " << lemmas.size() << " lemmas, " << exceptions.size()
            << " irregular forms, " << concepts.synsets.size() << " concepts, " << out.Size()
            << " bytes\n";
  return 0;
}

}  // namespace
}  // namespace memoryd::lexicon_tool

int main(int argc, char** argv) {
  if (argc != 3) {
    std::cerr << "usage: compile_wordnet WORDNET_DIR OUT\n";
    return 2;
  }
  memoryd::lexicon_tool::WordNet wordnet;
  std::string error;
  if (!memoryd::lexicon_tool::ReadWordNet(argv[1], &wordnet, &error)) {
    std::cerr << "compile_wordnet: " << error << " (Debian: apt-get install wordnet-base)\n";
    return 1;
  }
  return memoryd::lexicon_tool::Compile(wordnet, argv[2]);
}
