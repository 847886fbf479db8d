#include "embed/builtin_embedder.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <utility>

#include "text/stopwords.h"
#include "text/tokenizer.h"

namespace memoryd {
namespace {

constexpr int kMinDimension = 8;
constexpr int kFeatureVersion = 3;  // bump whenever the features change: it is part of Name()
constexpr uint64_t kFnvOffset = 0xcbf29ce484222325ULL;
constexpr uint64_t kFnvPrime = 0x100000001b3ULL;
// Per-kind seeds keep a word, a phrase and a character run with equal bytes apart.
constexpr uint64_t kWordSeed = 0x9e3779b97f4a7c15ULL;
constexpr uint64_t kPhraseSeed = 0xc2b2ae3d27d4eb4fULL;
constexpr uint64_t kCharSeed = 0x165667b19e3779f9ULL;
constexpr uint64_t kConceptSeed = 0x85ebca77c2b2ae63ULL;
constexpr uint64_t kEmptySeed = 0x27d4eb2f165667c5ULL;
constexpr size_t kMinCharGram = 3;
constexpr size_t kMaxCharGram = 4;

uint64_t Finalize(uint64_t h) {
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdULL;
  h ^= h >> 33;
  h *= 0xc4ceb9fe1a85ec53ULL;
  h ^= h >> 33;
  return h;
}

uint64_t HashBytes(uint64_t seed, std::string_view bytes) {
  uint64_t h = kFnvOffset ^ seed;
  for (const char c : bytes) {
    h ^= static_cast<unsigned char>(c);
    h *= kFnvPrime;
  }
  return Finalize(h);
}

bool IsContent(const std::string& token) {
  if (token.size() == 1 && token[0] >= 'a' && token[0] <= 'z') return false;
  return !text::IsStopword(token);
}

void AddCharGrams(const std::string& word, std::vector<uint64_t>* out) {
  const std::string marked = "<" + word + ">";
  for (size_t n = kMinCharGram; n <= kMaxCharGram; ++n) {
    if (marked.size() < n) break;
    for (size_t i = 0; i + n <= marked.size(); ++i) {
      out->push_back(HashBytes(kCharSeed, std::string_view(marked).substr(i, n)));
    }
  }
}

// Adds one feature kind to `out`: damped counts, L2-normalised, scaled by `weight`. Works on
// the few touched dimensions only, so short texts cost little whatever the dimension.
void AddKind(std::vector<uint64_t> hashes, float weight, Vector* out) {
  if (hashes.empty() || weight <= 0) return;
  std::sort(hashes.begin(), hashes.end());
  const uint64_t dim = out->size();
  std::vector<std::pair<uint32_t, float>> touched;  // (dimension, signed value)
  for (size_t i = 0; i < hashes.size();) {
    size_t j = i;
    while (j < hashes.size() && hashes[j] == hashes[i]) ++j;
    const float value = j - i == 1 ? 1.0f : 1.0f + std::log(static_cast<float>(j - i));
    // High bits pick the dimension, the lowest bit the sign: they are independent after Finalize.
    touched.emplace_back(static_cast<uint32_t>((hashes[i] >> 32) % dim),
                         (hashes[i] & 1) != 0 ? value : -value);
    i = j;
  }
  // Features that collide in one dimension add up before the norm is taken.
  std::sort(touched.begin(), touched.end());
  double norm = 0;
  for (size_t i = 0; i < touched.size();) {
    float sum = 0;
    size_t j = i;
    for (; j < touched.size() && touched[j].first == touched[i].first; ++j)
      sum += touched[j].second;
    norm += static_cast<double>(sum) * sum;
    i = j;
  }
  if (norm <= 0) return;
  const auto scale = static_cast<float>(weight / std::sqrt(norm));
  for (const auto& [dimension, value] : touched) (*out)[dimension] += value * scale;
}

void Normalize(Vector* v) {
  double norm = 0;
  for (const float x : *v) norm += static_cast<double>(x) * x;
  if (norm <= 0) return;
  const auto inverse = static_cast<float>(1.0 / std::sqrt(norm));
  for (float& x : *v) x *= inverse;
}

}  // namespace

Result<std::unique_ptr<BuiltinEmbedder>> BuiltinEmbedder::Create(BuiltinEmbedderOptions options) {
  if (options.dimension < kMinDimension) {
    return Status::InvalidArgument("builtin embedder dimension must be at least 8");
  }
  if (options.word_weight < 0 || options.phrase_weight < 0 || options.char_weight < 0 ||
      options.concept_weight < 0) {
    return Status::InvalidArgument("builtin embedder weights must not be negative");
  }
  if (options.word_weight + options.char_weight <= 0) {
    // Phrases alone would leave one-word texts without any feature.
    return Status::InvalidArgument("builtin embedder needs a word or character weight");
  }
  Result<std::unique_ptr<text::Stemmer>> stemmer = text::Stemmer::Create("english");
  if (!stemmer.ok()) return Status::Internal("builtin embedder: " + stemmer.status().message());
  return std::make_unique<BuiltinEmbedder>(options, std::move(stemmer).value());
}

BuiltinEmbedder::BuiltinEmbedder(BuiltinEmbedderOptions options,
                                 std::unique_ptr<text::Stemmer> stemmer)
    : options_(options),
      stemmer_(std::move(stemmer)),
      expander_(text::Lexicon::BuiltIn(), options_.semantic) {}

std::string BuiltinEmbedder::Name() const {
  const auto permille = [](float w) { return std::to_string(std::lround(w * 1000.0f)); };
  return "builtin-hash-v" + std::to_string(kFeatureVersion) + "-d" +
         std::to_string(options_.dimension) + "-w" + permille(options_.word_weight) + "-p" +
         permille(options_.phrase_weight) + "-c" + permille(options_.char_weight) + "-t" +
         permille(options_.concept_weight) + "-l" + std::to_string(options_.semantic.links) + "-" +
         expander_.lexicon().Digest().substr(0, 8);
}

Result<std::vector<Vector>> BuiltinEmbedder::Embed(const std::vector<std::string>& texts) {
  std::vector<Vector> vectors;
  vectors.reserve(texts.size());
  for (const std::string& text : texts) vectors.push_back(EmbedOne(text));
  return vectors;
}

BuiltinEmbedder::Features BuiltinEmbedder::ExtractFeatures(std::string_view text) const {
  std::vector<std::string> words = text::Tokenize(text);
  std::vector<std::string> content;
  for (const std::string& word : words) {
    if (IsContent(word)) content.push_back(word);
  }
  // Texts of stopwords only ("how are you") still deserve a vector of their own.
  if (content.empty()) content = std::move(words);
  std::vector<std::string> stems = content;
  stemmer_->StemAll(&stems);
  Features features;
  for (size_t i = 0; i < stems.size(); ++i) {
    features.words.push_back(HashBytes(kWordSeed, stems[i]));
    if (i > 0) features.phrases.push_back(HashBytes(kPhraseSeed, stems[i - 1] + " " + stems[i]));
    AddCharGrams(content[i], &features.chars);
  }
  for (const text::ConceptHit& hit : expander_.Expand(content, /*query=*/false)) {
    features.concepts.push_back(
        HashBytes(kConceptSeed, text::ConceptExpander::TermOf(hit.concept_id)));
  }
  return features;
}

Vector BuiltinEmbedder::EmbedOne(std::string_view text) const {
  Features features = ExtractFeatures(text);
  Vector result(static_cast<size_t>(options_.dimension), 0.0f);
  if (features.words.empty()) {
    // No letters or digits at all: one fixed vector, so empty texts are duplicates of each other.
    AddKind({HashBytes(kEmptySeed, "")}, 1.0f, &result);
    return result;
  }
  AddKind(std::move(features.words), options_.word_weight, &result);
  AddKind(std::move(features.phrases), options_.phrase_weight, &result);
  AddKind(std::move(features.chars), options_.char_weight, &result);
  AddKind(std::move(features.concepts), options_.concept_weight, &result);
  Normalize(&result);
  return result;
}

}  // namespace memoryd
