// ServiceOptions: every limit the service enforces, with the defaults of a self-hosted server.
// The seed-004 hosted figures (200 memories, 20 tags, 60 requests a minute) are reachable by
// setting the matching flags.
#pragma once

#include <cstdint>

namespace memoryd {

struct ServiceOptions {
  // Live memories one space may hold; 0 means unlimited.
  int64_t max_memories_per_space = 1'000'000;
  // Tags one space may hold; 0 means unlimited.
  int64_t max_tags_per_space = 10'000;
  // Requests per minute per account, across every surface; 0 turns rate limiting off.
  int64_t rate_limit_per_minute = 0;
  // Largest value (text), in bytes; larger gets kTooLarge.
  int64_t max_value_bytes = 1 << 20;
  // Largest metadata object, serialised, in bytes.
  int64_t max_metadata_bytes = 64 << 10;
  // Largest title, in bytes.
  int64_t max_title_bytes = 4 << 10;
  // Keys are 1..max_key_bytes bytes of UTF-8 without control characters.
  int64_t max_key_bytes = 512;
  // Tags are 1..max_tag_bytes bytes without control characters; at most max_tags_per_memory.
  int64_t max_tag_bytes = 64;
  int64_t max_tags_per_memory = 64;
  // Space names are 1..max_space_bytes bytes without control characters or '/'.
  int64_t max_space_bytes = 128;
  // Bulk operations.
  int64_t max_bulk_set_items = 20;
  int64_t max_bulk_keys = 50;
};

}  // namespace memoryd
