#include "text/lexicon.h"

#include <xxhash.h>

#include <algorithm>
#include <bit>
#include <cstdio>
#include <cstring>

namespace memoryd::text {
namespace {

// The table is read with memcpy, in the byte order the build wrote it in.
static_assert(std::endian::native == std::endian::little, "the lexicon table is little-endian");
static_assert(sizeof(LexiconHeader) == 32, "LexiconHeader is eight u32 fields");

struct SuffixRule {
  std::string_view suffix;
  std::string_view replacement;
};

// WordNet's morphy rules (morph(7WN)): an inflected form minus a suffix plus a replacement.
constexpr SuffixRule kNounRules[] = {{"s", ""},      {"ses", "s"},   {"xes", "x"},   {"zes", "z"},
                                     {"ches", "ch"}, {"shes", "sh"}, {"men", "man"}, {"ies", "y"}};
constexpr SuffixRule kVerbRules[] = {{"s", ""},   {"ies", "y"}, {"es", "e"},  {"es", ""},
                                     {"ed", "e"}, {"ed", ""},   {"ing", "e"}, {"ing", ""}};
constexpr SuffixRule kAdjectiveRules[] = {{"er", ""}, {"est", ""}, {"er", "e"}, {"est", "e"}};
constexpr char kPosLetters[] = {'n', 'v', 'a', 'r'};
constexpr size_t kMinBaseLength = 2;

std::span<const SuffixRule> RulesFor(char pos) {
  switch (pos) {
    case 'n':
      return kNounRules;
    case 'v':
      return kVerbRules;
    case 'a':
      return kAdjectiveRules;
    default:
      return {};
  }
}

uint32_t ReadU32(std::span<const uint8_t> bytes, size_t at) {
  uint32_t value = 0;
  if (at + 4 <= bytes.size()) std::memcpy(&value, bytes.data() + at, 4);  // little-endian hosts
  return value;
}

}  // namespace

Result<Lexicon> Lexicon::FromBytes(std::span<const uint8_t> bytes) {
  LexiconHeader header{};
  if (bytes.size() < sizeof(header)) return Status::InvalidArgument("lexicon: truncated header");
  std::memcpy(&header, bytes.data(), sizeof(header));
  if (header.magic != kLexiconMagic || header.version != kLexiconVersion) {
    return Status::InvalidArgument("lexicon: not a memoryd lexicon of this version");
  }
  const auto fits = [&](uint64_t offset, uint64_t count) {
    return offset + count * 4 <= bytes.size();
  };
  const auto power_of_two = [](uint32_t n) { return n != 0 && (n & (n - 1)) == 0; };
  if (!power_of_two(header.lemma_slots) || !power_of_two(header.exception_slots) ||
      !fits(header.lemma_table, header.lemma_slots) ||
      !fits(header.exception_table, header.exception_slots) ||
      !fits(header.names, header.concept_count)) {
    return Status::InvalidArgument("lexicon: tables out of bounds");
  }
  char digest[17];
  std::snprintf(digest, sizeof(digest), "%016llx",
                static_cast<unsigned long long>(XXH3_64bits(bytes.data(), bytes.size())));
  return Lexicon(bytes, header, digest);
}

uint32_t Lexicon::Find(uint32_t table, uint32_t slots, std::string_view key) const {
  if (key.empty() || key.size() > 255) return kEmptySlot;
  uint32_t slot = static_cast<uint32_t>(XXH3_64bits(key.data(), key.size())) & (slots - 1);
  for (uint32_t probes = 0; probes < slots; ++probes, slot = (slot + 1) & (slots - 1)) {
    const uint32_t record = ReadU32(bytes_, table + size_t{4} * slot);
    if (record == kEmptySlot) return kEmptySlot;
    if (record >= bytes_.size()) return kEmptySlot;
    const size_t length = bytes_[record];
    if (length == key.size() && record + 1 + length <= bytes_.size() &&
        std::memcmp(bytes_.data() + record + 1, key.data(), length) == 0) {
      return record;
    }
  }
  return kEmptySlot;
}

std::vector<Lexicon::Group> Lexicon::GroupsOf(uint32_t record) const {
  std::vector<Group> groups;
  if (record == kEmptySlot) return groups;
  size_t at = record + 1 + bytes_[record];
  if (at >= bytes_.size()) return groups;
  const uint8_t count = bytes_[at++];
  for (uint8_t i = 0; i < count && at + 3 <= bytes_.size(); ++i) {
    Group group{static_cast<char>(bytes_[at]), static_cast<float>(bytes_[at + 1]) / 255.0f, at + 3,
                bytes_[at + 2], record};
    at += 3 + size_t{5} * group.count;
    if (at > bytes_.size()) break;
    groups.push_back(group);
  }
  return groups;
}

// The group of part of speech `pos` of a base form of `word`: irregular forms, then suffix rules.
void Lexicon::BaseGroups(std::string_view word, char pos, std::vector<Group>* out) const {
  const auto take = [&](std::string_view base) {
    for (const Group& group : GroupsOf(Find(header_.lemma_table, header_.lemma_slots, base))) {
      if (group.pos == pos) {
        out->push_back(group);
        return true;
      }
    }
    return false;
  };
  for (const auto& [base_pos, base] : ExceptionBases(word)) {
    if (base_pos == pos && take(base)) return;
  }
  std::string candidate;
  for (const SuffixRule& rule : RulesFor(pos)) {
    if (word.size() < rule.suffix.size() + kMinBaseLength || !word.ends_with(rule.suffix)) continue;
    candidate.assign(word.substr(0, word.size() - rule.suffix.size()));
    candidate += rule.replacement;
    if (take(candidate)) return;
  }
}

void Lexicon::AppendGroups(const std::vector<Group>& groups, std::vector<ConceptLink>* out) const {
  // Mass of the matched parts of speech per lemma, and the number of lemmas.
  std::vector<std::pair<uint32_t, float>> lemmas;
  for (const Group& group : groups) {
    auto it = std::find_if(lemmas.begin(), lemmas.end(),
                           [&](const auto& lemma) { return lemma.first == group.record; });
    if (it == lemmas.end()) {
      lemmas.emplace_back(group.record, group.mass);
    } else {
      it->second += group.mass;
    }
  }
  for (const Group& group : groups) {
    const float lemma_mass = std::find_if(lemmas.begin(), lemmas.end(), [&](const auto& lemma) {
                               return lemma.first == group.record;
                             })->second;
    const float scale = group.mass / lemma_mass / static_cast<float>(lemmas.size()) / 255.0f;
    size_t at = group.links;
    for (uint8_t i = 0; i < group.count; ++i, at += 5) {
      const uint32_t concept_id =
          bytes_[at + 2] | (uint32_t{bytes_[at + 3]} << 8) | (uint32_t{bytes_[at + 4]} << 16);
      if (bytes_[at] >= kLinkKindCount || concept_id >= header_.concept_count) continue;
      out->push_back({concept_id, std::min(1.0f, static_cast<float>(bytes_[at + 1]) * scale),
                      static_cast<LinkKind>(bytes_[at])});
    }
  }
}

void Lexicon::Lookup(std::string_view word, std::vector<ConceptLink>* out) const {
  std::vector<Group> groups = GroupsOf(Find(header_.lemma_table, header_.lemma_slots, word));
  for (const char pos : kPosLetters) {
    const bool have =
        std::any_of(groups.begin(), groups.end(), [&](const Group& g) { return g.pos == pos; });
    if (!have) BaseGroups(word, pos, &groups);
  }
  AppendGroups(groups, out);
}

std::vector<std::pair<char, std::string_view>> Lexicon::ExceptionBases(
    std::string_view word) const {
  std::vector<std::pair<char, std::string_view>> bases;
  const uint32_t record = Find(header_.exception_table, header_.exception_slots, word);
  if (record == kEmptySlot) return bases;
  size_t at = record + 1 + bytes_[record];
  const uint8_t count = at < bytes_.size() ? bytes_[at++] : 0;
  for (uint8_t i = 0; i < count && at + 2 <= bytes_.size(); ++i) {
    const size_t length = bytes_[at + 1];
    if (at + 2 + length > bytes_.size()) break;
    bases.emplace_back(
        static_cast<char>(bytes_[at]),
        std::string_view(reinterpret_cast<const char*>(bytes_.data() + at + 2), length));
    at += 2 + length;
  }
  return bases;
}

void Lexicon::IrregularBases(std::string_view word, std::vector<std::string>* out) const {
  for (const auto& [pos, base] : ExceptionBases(word)) {
    if (std::find(out->begin(), out->end(), base) == out->end()) out->emplace_back(base);
  }
}

void Lexicon::LookupPhrase(std::string_view first, std::string_view second,
                           std::vector<ConceptLink>* out) const {
  std::string key;
  key.reserve(first.size() + 1 + second.size());
  key.append(first).append(1, ' ').append(second);
  AppendGroups(GroupsOf(Find(header_.lemma_table, header_.lemma_slots, key)), out);
}

std::string_view Lexicon::ConceptName(uint32_t concept_id) const {
  if (concept_id >= header_.concept_count) return {};
  const uint32_t at = ReadU32(bytes_, header_.names + size_t{4} * concept_id);
  if (at >= bytes_.size() || at + 1 + bytes_[at] > bytes_.size()) return {};
  return {reinterpret_cast<const char*>(bytes_.data() + at + 1), bytes_[at]};
}

std::string_view Lexicon::LinkKindName(LinkKind kind) {
  switch (kind) {
    case LinkKind::kSynonym:
      return "synonym";
    case LinkKind::kBroader:
      return "broader";
    case LinkKind::kPartOf:
      return "part-of";
    case LinkKind::kDerived:
      return "derived";
    case LinkKind::kSimilar:
      return "similar";
    case LinkKind::kGloss:
      return "definition";
  }
  return "unknown";
}

}  // namespace memoryd::text
