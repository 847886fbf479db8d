// A deterministic synthetic memory corpus for the semantic-search benchmarks
// (bench/semantic_search.cc, bench/semantic_http.cc, bench/hnsw_ingest.cc --data=semantic).
//
// Each memory is one to three sentences built from templates: a person (first name and surname
// from fixed lists), an action and objects drawn from one of 24 English topics (Zipf-weighted, so
// some words are common and some rare), a place, a weekday or a date, and numbers (amounts,
// times, room and order numbers). A fifth of the words come from a 5,000-word pseudo-word tail
// ("morkatin"), so the keyword index has a long tail of rare terms. Queries mix four shapes:
// words picked from a stored memory, a question about a person and a topic word, a topic phrase
// with a number, and a paraphrase of a memory's objects. Everything is a function of the seed.
//
// Header-only on purpose: every bench/<name>.cc is its own executable (see CMakeLists.txt).
#pragma once

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdint>
#include <iterator>
#include <random>
#include <string>
#include <unordered_set>
#include <vector>

namespace memoryd::bench {

class SemanticCorpus {
 public:
  explicit SemanticCorpus(uint64_t seed = 2026) : seed_(seed) { BuildTail(); }

  // Memory number `i` (any i; the same i always gives the same text).
  std::string Memory(uint64_t i) const {
    std::mt19937_64 rng(Mix(seed_, i));
    std::string text = Sentence(rng);
    const int extra = Pick(rng, 3);  // 0, 1 or 2 more sentences
    for (int s = 0; s < extra; ++s) text += " " + Sentence(rng);
    return text;
  }

  // Query number `q` about a corpus of `n` memories.
  std::string Query(uint64_t q, uint64_t n) const {
    std::mt19937_64 rng(Mix(seed_ ^ 0x5eed, q));
    switch (Pick(rng, 4)) {
      case 0:
        return WordsOf(Memory(std::uniform_int_distribution<uint64_t>(0, n - 1)(rng)), 4, rng);
      case 1:
        return "what did " + Person(rng) + " say about the " + TopicWord(rng, Pick(rng, kTopics));
      case 2: {
        const int t = Pick(rng, kTopics);
        return TopicWord(rng, t) + " " + TopicWord(rng, t) + " " + std::to_string(Pick(rng, 100));
      }
      default: {
        const int t = Pick(rng, kTopics);
        return "when was the " + TopicWord(rng, t) + " for the " + TopicWord(rng, t) + " at " +
               Pick(rng, kPlaces);
      }
    }
  }

 private:
  static constexpr int kTopics = 24;
  static constexpr int kTailWords = 5000;

  static uint64_t Mix(uint64_t a, uint64_t b) {
    uint64_t x = a * 0x9E3779B97F4A7C15ull + b + 0x632BE59BD9B4E019ull;
    x ^= x >> 31;
    x *= 0xBF58476D1CE4E5B9ull;
    x ^= x >> 29;
    return x;
  }
  static int Pick(std::mt19937_64& rng, int n) {
    return std::uniform_int_distribution<int>(0, n - 1)(rng);
  }
  template <size_t N>
  static std::string Pick(std::mt19937_64& rng, const char* const (&words)[N]) {
    return words[Pick(rng, static_cast<int>(N))];
  }
  // Zipf-like: index i with weight ~1/(i+1), by inverse transform on a log scale.
  static int Zipf(std::mt19937_64& rng, int n) {
    const double u = std::uniform_real_distribution<double>(0, 1)(rng);
    const int i = static_cast<int>(std::exp(u * std::log(n + 1.0))) - 1;
    return i < 0 ? 0 : (i >= n ? n - 1 : i);
  }

  void BuildTail() {
    static const char* const kSyllables[] = {"mor", "ka",  "tin", "vel", "do",  "ra", "sil", "qu",
                                             "en",  "bro", "fa",  "lis", "ton", "ge", "ur",  "pal"};
    std::mt19937_64 rng(seed_ ^ 0x7a11);
    std::unordered_set<std::string> seen;
    while (tail_.size() < kTailWords) {
      std::string w;
      for (int k = 2 + Pick(rng, 3); k > 0; --k) w += Pick(rng, kSyllables);
      if (seen.insert(w).second) tail_.push_back(w);
    }
  }

  std::string TopicWord(std::mt19937_64& rng, int topic) const {
    if (Pick(rng, 5) == 0) return tail_[Zipf(rng, kTailWords)];
    const auto& words = kTopicWords[topic];
    return words[Zipf(rng, static_cast<int>(std::size(words)))];
  }

  std::string Person(std::mt19937_64& rng) const {
    return Pick(rng, kFirstNames) + " " + Pick(rng, kSurnames);
  }

  std::string Sentence(std::mt19937_64& rng) const {
    const int t = Pick(rng, kTopics);
    const std::string who = Person(rng);
    switch (Pick(rng, 5)) {
      case 0:
        return who + " " + Pick(rng, kVerbs) + " the " + TopicWord(rng, t) + " and the " +
               TopicWord(rng, t) + " at the " + Pick(rng, kPlaces) + " on " + Pick(rng, kDays) +
               ".";
      case 1:
        return "On " + std::to_string(1 + Pick(rng, 28)) + " " + Pick(rng, kMonths) + " " + who +
               " paid " + std::to_string(5 + Pick(rng, 995)) + " dollars for a " +
               TopicWord(rng, t) + " " + TopicWord(rng, t) + ".";
      case 2:
        return "Remember that " + who + " prefers " + TopicWord(rng, t) + " over " +
               TopicWord(rng, t) + ", especially " + TopicWord(rng, t) + ".";
      case 3:
        return "Meeting with " + who + " about the " + TopicWord(rng, t) + " " + TopicWord(rng, t) +
               " at " + std::to_string(7 + Pick(rng, 12)) + ":" + (Pick(rng, 2) ? "30" : "00") +
               " in room " + std::to_string(100 + Pick(rng, 400)) + ".";
      default:
        return who + " said the " + TopicWord(rng, t) + " needs " + TopicWord(rng, t) +
               " before order #" + std::to_string(10000 + Pick(rng, 90000)) + " ships from the " +
               Pick(rng, kPlaces) + ".";
    }
  }

  // `count` words of `text` in a random order (punctuation dropped).
  static std::string WordsOf(const std::string& text, int count, std::mt19937_64& rng) {
    std::vector<std::string> words;
    std::string w;
    for (char c : text) {
      if (std::isalnum(static_cast<unsigned char>(c))) {
        w += c;
      } else if (!w.empty()) {
        if (w.size() > 3) words.push_back(w);
        w.clear();
      }
    }
    if (w.size() > 3) words.push_back(w);
    std::shuffle(words.begin(), words.end(), rng);
    std::string out;
    for (int i = 0; i < count && i < static_cast<int>(words.size()); ++i) {
      out += (i ? " " : "") + words[i];
    }
    return out.empty() ? text : out;
  }

  static constexpr const char* kFirstNames[] = {
      "Alice", "Bruno",  "Chen",  "Dana",   "Emeka", "Farah", "Gustav", "Hana",  "Ivan",  "Julia",
      "Kenji", "Lena",   "Mateo", "Nadia",  "Omar",  "Priya", "Quinn",  "Rosa",  "Sven",  "Tariq",
      "Uma",   "Viktor", "Wei",   "Ximena", "Yusuf", "Zoe",   "Amara",  "Björn", "Carla", "Dmitri"};
  static constexpr const char* kSurnames[] = {
      "Andersen", "Bauer",  "Costa",  "Dubois", "Eriksen", "Fischer", "Garcia", "Horvat",
      "Ito",      "Jensen", "Kowal",  "Lopez",  "Moreau",  "Nowak",   "Okafor", "Petrov",
      "Quispe",   "Rossi",  "Suzuki", "Tanaka", "Ueda",    "Vargas",  "Weber",  "Yilmaz"};
  static constexpr const char* kVerbs[] = {"moved",   "fixed",     "ordered",  "reviewed",
                                           "painted", "cancelled", "booked",   "repaired",
                                           "shipped", "planned",   "returned", "photographed"};
  static constexpr const char* kPlaces[] = {"office",  "warehouse", "cafe",    "library",
                                            "airport", "garage",    "clinic",  "school",
                                            "harbour", "studio",    "station", "market"};
  static constexpr const char* kDays[] = {"Monday", "Tuesday",  "Wednesday", "Thursday",
                                          "Friday", "Saturday", "Sunday"};
  static constexpr const char* kMonths[] = {"January",   "February", "March",    "April",
                                            "May",       "June",     "July",     "August",
                                            "September", "October",  "November", "December"};
  static constexpr const char* kTopicWords[kTopics][12] = {
      {"invoice", "budget", "payment", "refund", "receipt", "tax", "salary", "loan", "account",
       "expense", "pension", "audit"},
      {"flight", "hotel", "passport", "luggage", "visa", "itinerary", "train", "ticket", "boarding",
       "reservation", "suitcase", "layover"},
      {"server", "database", "deploy", "latency", "backup", "cluster", "kernel", "compiler",
       "network", "outage", "release", "firewall"},
      {"garden", "tomato", "compost", "seedling", "hedge", "lawn", "irrigation", "orchard", "tulip",
       "greenhouse", "mulch", "pruning"},
      {"recipe", "oven", "pasta", "bread", "spice", "dessert", "soup", "dinner", "breakfast",
       "sauce", "salad", "kitchen"},
      {"doctor", "vaccine", "allergy", "prescription", "therapy", "dentist", "fever", "clinic",
       "surgery", "vitamin", "checkup", "insurance"},
      {"guitar", "concert", "piano", "album", "rehearsal", "drummer", "melody", "orchestra",
       "violin", "playlist", "lyrics", "festival"},
      {"football", "marathon", "tennis", "swimming", "coach", "league", "stadium", "training",
       "cycling", "yoga", "tournament", "medal"},
      {"daughter", "son", "grandmother", "wedding", "birthday", "cousin", "parents", "kids",
       "anniversary", "nephew", "family", "uncle"},
      {"contract", "lawyer", "lease", "court", "patent", "license", "agreement", "clause",
       "deadline", "signature", "notary", "dispute"},
      {"painting", "canvas", "sketch", "gallery", "sculpture", "exhibition", "portrait", "brush",
       "museum", "watercolor", "pottery", "photograph"},
      {"novel", "chapter", "poetry", "author", "bookshelf", "manuscript", "library", "essay",
       "biography", "publisher", "fiction", "magazine"},
      {"car", "tire", "engine", "mechanic", "battery", "brake", "scooter", "parking", "fuel",
       "bicycle", "garage", "windshield"},
      {"apartment", "roof", "plumber", "furniture", "carpet", "heating", "window", "landlord",
       "renovation", "sofa", "ceiling", "electrician"},
      {"puppy", "cat", "veterinarian", "aquarium", "leash", "parrot", "kitten", "hamster", "kennel",
       "grooming", "horse", "rabbit"},
      {"lecture", "exam", "homework", "professor", "semester", "thesis", "tuition", "classroom",
       "scholarship", "curriculum", "seminar", "diploma"},
      {"hiring", "interview", "promotion", "manager", "onboarding", "resume", "meeting",
       "colleague", "quarterly", "roadmap", "feedback", "offsite"},
      {"phone", "laptop", "charger", "headphones", "tablet", "camera", "keyboard", "monitor",
       "printer", "router", "smartwatch", "speaker"},
      {"volunteer", "charity", "donation", "neighbour", "community", "fundraiser", "shelter",
       "election", "council", "petition", "parade", "picnic"},
      {"rain", "snow", "storm", "forecast", "heatwave", "flood", "umbrella", "temperature",
       "drought", "wind", "fog", "sunshine"},
      {"hiking", "camping", "tent", "mountain", "lake", "trail", "kayak", "forest", "beach",
       "island", "canyon", "waterfall"},
      {"stock", "portfolio", "dividend", "crypto", "bond", "broker", "mortgage", "interest",
       "savings", "inflation", "shares", "fund"},
      {"shirt", "jacket", "shoes", "tailor", "dress", "scarf", "sneakers", "wardrobe", "coat",
       "boots", "fabric", "laundry"},
      {"telescope", "planet", "rocket", "satellite", "galaxy", "eclipse", "comet", "orbit",
       "astronaut", "meteor", "nebula", "observatory"}};

  uint64_t seed_;
  std::vector<std::string> tail_;
};

}  // namespace memoryd::bench
