// DomainMatcher: one byte arena of records plus an open-addressing hash table keyed by name.
//
// Layout. Every distinct normalised rule name (lower case, no trailing dot, no `=` / `*.`
// prefix) is one record in `arena`:
//     [len: u8][name: len bytes][slots: u8][RuleRef x popcount(slots)]
// `slots` is a bitmask of the six (kind, verdict) pairs present for that name; the RuleRefs
// follow in slot order. The table holds one u32 per cell: the record offset shifted left by
// `tag_bits`, or'ed with the top `tag_bits` bits of the name's hash, so most probes that miss
// never touch the arena. Offset 0 is never a record (arena[0] is padding), so 0 = empty cell.
//
// Lookup. The query is lowered into a stack buffer; one right-to-left pass hashes every label
// suffix incrementally (the hash consumes bytes from the end, so the hash of "b.c" is a prefix
// state of the hash of "a.b.c"). Suffixes are then probed longest first; the first suffix with
// an applicable rule decides, since longer means more specific. Cost: O(name length), no
// allocation, whatever the rule count.
//
// Build. add() validates, lowers and appends the name to a staging buffer (no allocation per
// rule beyond amortised vector growth). build() groups entries by name in a scratch table of
// the final table's size and layout, then writes the records in insertion order and fills the
// final table at the cells the scratch table chose.
#include "policy/domain_matcher.h"

#include <algorithm>
#include <array>
#include <bit>
#include <cstring>

namespace defender::policy {
namespace {

constexpr std::size_t kMaxName = 253;
constexpr std::size_t kMaxLabel = 63;
constexpr std::size_t kMaxLabels = (kMaxName + 1) / 2 + 1;
// Offsets are u32 and leave room for at least one tag bit: the arena stays below 2^31 bytes.
constexpr std::uint64_t kMaxArena = (std::uint64_t{1} << 31) - 1;

// Slot of a (kind, verdict) pair in a record's bitmask.
constexpr unsigned slot_of(DomainRuleKind kind, bool deny) noexcept {
  return static_cast<unsigned>(kind) * 2 + (deny ? 1 : 0);
}
constexpr unsigned kSubtreeAllow = 0, kSubtreeDeny = 1, kExactAllow = 2, kExactDeny = 3,
                   kChildrenAllow = 4, kChildrenDeny = 5;

constexpr std::uint64_t kFnvOffset = 0xcbf29ce484222325ULL;
constexpr std::uint64_t kFnvPrime = 0x100000001b3ULL;

constexpr std::uint64_t step(std::uint64_t h, unsigned char c) noexcept {
  return (h ^ c) * kFnvPrime;
}
// Finaliser (murmur3 fmix64): spreads FNV's weak low bits over the whole word.
constexpr std::uint64_t finish(std::uint64_t h, std::size_t len) noexcept {
  h ^= len;
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdULL;
  h ^= h >> 33;
  h *= 0xc4ceb9fe1a85ec53ULL;
  h ^= h >> 33;
  return h;
}
// Hash of a whole (lowered) name, bytes consumed right to left as in match().
std::uint64_t hash_name(const char* p, std::size_t len) noexcept {
  std::uint64_t h = kFnvOffset;
  for (std::size_t i = len; i > 0; --i) h = step(h, static_cast<unsigned char>(p[i - 1]));
  return finish(h, len);
}

constexpr char lower(char c) noexcept {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}
constexpr bool label_char(char c) noexcept {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '_';
}

// Pattern text for messages: printable ASCII as is, anything else as \xNN, at most ~80 bytes.
std::string quote(std::string_view text) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out = "\"";
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (out.size() > 80) {
      out += "...";
      break;
    }
    const auto c = static_cast<unsigned char>(text[i]);
    if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') {
      out += static_cast<char>(c);
    } else {
      out += "\\x";
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  out += '"';
  return out;
}

std::uint32_t load_u32(const char* p) noexcept {
  std::uint32_t v;
  std::memcpy(&v, p, sizeof v);
  return v;
}
void store_u32(char* p, std::uint32_t v) noexcept { std::memcpy(p, &v, sizeof v); }

}  // namespace

// ---------------------------------------------------------------------------------------------

struct DomainMatcher::Impl {
  std::unique_ptr<char[]> arena;
  std::size_t arena_size = 0;
  std::unique_ptr<std::uint32_t[]> table;
  std::size_t table_mask = 0;  // table size - 1 (size is a power of two)
  unsigned tag_bits = 0;
  std::uint32_t tag_mask = 0;
  std::size_t rules = 0;

  std::uint32_t tag_of(std::uint64_t hash) const noexcept {
    return tag_bits == 0 ? 0 : static_cast<std::uint32_t>(hash >> (64 - tag_bits));
  }
  // Offset of the record for `name` (already lowered), or 0.
  std::uint32_t find(const char* name, std::size_t len, std::uint64_t hash) const noexcept {
    const std::uint32_t tag = tag_of(hash);
    for (std::size_t i = hash & table_mask;; i = (i + 1) & table_mask) {
      const std::uint32_t cell = table[i];
      if (cell == 0) return 0;
      if ((cell & tag_mask) != tag) continue;
      const std::uint32_t off = cell >> tag_bits;
      const char* rec = arena.get() + off;
      if (static_cast<unsigned char>(rec[0]) == len && std::memcmp(rec + 1, name, len) == 0) {
        return off;
      }
    }
  }
};

DomainMatcher::DomainMatcher() = default;
DomainMatcher::DomainMatcher(DomainMatcher&&) noexcept = default;
DomainMatcher& DomainMatcher::operator=(DomainMatcher&&) noexcept = default;
DomainMatcher::~DomainMatcher() = default;

std::optional<DomainMatch> DomainMatcher::match(std::string_view name) const noexcept {
  if (!impl_ || impl_->rules == 0) return std::nullopt;
  if (!name.empty() && name.back() == '.') name.remove_suffix(1);
  if (name.empty() || name.size() > kMaxName) return std::nullopt;

  // Lower the query and hash every label suffix, right to left. Any byte is allowed inside a
  // query's labels (no rule can contain it, but a rule on a parent name still applies).
  char buf[kMaxName];
  std::array<std::uint16_t, kMaxLabels + 1> starts;  // label start positions, rightmost first
  std::array<std::uint64_t, kMaxLabels + 1> hashes;
  std::size_t count = 0;
  const std::size_t len = name.size();
  std::uint64_t h = kFnvOffset;
  for (std::size_t i = len; i > 0; --i) {
    const char c = lower(name[i - 1]);
    buf[i - 1] = c;
    h = step(h, static_cast<unsigned char>(c));
    // A label start; suffixes beginning with an empty label cannot match any rule.
    if ((i == 1 || name[i - 2] == '.') && c != '.' && count < starts.size()) {
      const std::size_t suffix_len = len - (i - 1);
      starts[count] = static_cast<std::uint16_t>(i - 1);
      hashes[count] = finish(h, suffix_len);
      ++count;
    }
  }

  const char* arena = impl_->arena.get();
  for (std::size_t k = count; k > 0; --k) {
    const std::size_t start = starts[k - 1];
    const std::size_t suffix_len = len - start;
    const std::uint32_t off = impl_->find(buf + start, suffix_len, hashes[k - 1]);
    if (off == 0) continue;
    const char* rec = arena + off;
    const unsigned slots = static_cast<unsigned char>(rec[1 + suffix_len]);
    const bool whole = start == 0;
    // At equal length: the specific kind (=name for the name itself, *.name below it) beats
    // the subtree kind; then deny beats allow.
    const unsigned order[4] = {whole ? kExactDeny : kChildrenDeny,
                               whole ? kExactAllow : kChildrenAllow, kSubtreeDeny,
                               kSubtreeAllow};
    for (const unsigned slot : order) {
      if ((slots & (1u << slot)) == 0) continue;
      const unsigned index = static_cast<unsigned>(std::popcount(slots & ((1u << slot) - 1)));
      const char* ref = rec + 2 + suffix_len + index * 8;
      DomainMatch match;
      match.deny = (slot & 1) != 0;
      match.kind = static_cast<DomainRuleKind>(slot / 2);
      match.rule.source = load_u32(ref);
      match.rule.index = load_u32(ref + 4);
      return match;
    }
  }
  return std::nullopt;
}

std::size_t DomainMatcher::rule_count() const noexcept { return impl_ ? impl_->rules : 0; }

std::size_t DomainMatcher::memory_bytes() const noexcept {
  if (!impl_) return 0;
  return sizeof(Impl) + impl_->arena_size + (impl_->table_mask + 1) * sizeof(std::uint32_t);
}

// ---------------------------------------------------------------------------------------------

struct DomainMatcher::Builder::State {
  struct Entry {
    std::uint64_t hash;
    std::uint32_t name_offset;  // into names
    std::uint8_t len;
    std::uint8_t slot;
    RuleRef ref;
  };
  std::string names;  // lowered names back to back
  std::vector<Entry> entries;
};

DomainMatcher::Builder::Builder() : state_(std::make_unique<State>()) {}
DomainMatcher::Builder::~Builder() = default;

void DomainMatcher::Builder::reserve(std::size_t rules) {
  state_->entries.reserve(rules);
  state_->names.reserve(rules * 20);
}

std::optional<std::string> DomainMatcher::Builder::add(std::string_view pattern, bool deny,
                                                       RuleRef ref) {
  const std::string_view original = pattern;
  auto error = [&](std::string_view what) {
    return std::string("invalid domain ") + quote(original) + ": " + std::string(what);
  };
  if (pattern == "*" || pattern == "*." || pattern == "=*" || pattern == "=*.") {
    return error("'*' alone would match every name; use the section's default instead");
  }
  DomainRuleKind kind = DomainRuleKind::subtree;
  if (!pattern.empty() && pattern.front() == '=') {
    kind = DomainRuleKind::exact;
    pattern.remove_prefix(1);
  } else if (pattern.size() >= 2 && pattern[0] == '*' && pattern[1] == '.') {
    kind = DomainRuleKind::children;
    pattern.remove_prefix(2);
  }
  if (!pattern.empty() && pattern.back() == '.') pattern.remove_suffix(1);
  if (pattern.empty()) {
    if (original.empty()) return error("empty name");
    return error("no name (the root cannot be a rule)");
  }
  if (pattern.size() > kMaxName) return error("name longer than 253 bytes");

  std::size_t label = 0;
  for (std::size_t i = 0; i < pattern.size(); ++i) {
    const char c = pattern[i];
    if (c == '.') {
      if (label == 0) return error("empty label");
      label = 0;
      continue;
    }
    if (!label_char(c)) {
      if (c == '*') return error("'*' is only allowed as the whole first label, as in *.name");
      return error("invalid character " + quote(std::string_view(&c, 1)) +
                   " (labels take letters, digits, '-' and '_')");
    }
    if (++label > kMaxLabel) return error("label longer than 63 bytes");
  }
  if (label == 0) return error("empty label");

  State& s = *state_;
  if (s.names.size() + pattern.size() + s.entries.size() * 10 + 64 > kMaxArena ||
      s.entries.size() >= (std::uint64_t{1} << 31)) {
    return error("too many domain rules");
  }
  const std::size_t offset = s.names.size();
  s.names.resize(offset + pattern.size());
  char* out = s.names.data() + offset;
  for (std::size_t i = 0; i < pattern.size(); ++i) out[i] = lower(pattern[i]);
  s.entries.push_back(State::Entry{hash_name(out, pattern.size()),
                                   static_cast<std::uint32_t>(offset),
                                   static_cast<std::uint8_t>(pattern.size()),
                                   static_cast<std::uint8_t>(slot_of(kind, deny)), ref});
  return std::nullopt;
}

DomainMatcher::Builder::Result DomainMatcher::Builder::build() && {
  Result result;
  State& s = *state_;
  const std::size_t n = s.entries.size();
  if (n == 0) return result;

  // Table of power-of-two size with a load factor of at most 3/4.
  std::size_t size = 8;
  while (size * 3 < n * 4) size *= 2;
  const std::size_t mask = size - 1;

  // Pass 1: group entries by name in a scratch table of (hash >> 32, head entry + 1) cells
  // laid out exactly like the final one, so a head's cell index carries over. `next` chains
  // the distinct slots of a name (at most six); `slots` is a head's bitmask (0: not a head).
  std::vector<std::uint64_t> scratch(size, 0);
  std::vector<std::uint32_t> cell_of(n, 0);
  std::vector<std::uint32_t> next(n, 0);
  std::vector<std::uint8_t> slots(n, 0);
  std::uint64_t arena_size = 1;
  std::size_t rules = 0;
  for (std::size_t e = 0; e < n; ++e) {
    const State::Entry& entry = s.entries[e];
    const std::uint64_t high = entry.hash >> 32;
    const char* name = s.names.data() + entry.name_offset;
    std::size_t i = entry.hash & mask;
    for (;; i = (i + 1) & mask) {
      const std::uint64_t cell = scratch[i];
      if (cell == 0 || (cell >> 32) != high) {
        if (cell == 0) break;
        continue;
      }
      const State::Entry& other = s.entries[(cell & 0xffffffffu) - 1];
      if (other.len == entry.len &&
          std::memcmp(s.names.data() + other.name_offset, name, entry.len) == 0) {
        break;
      }
    }
    if (scratch[i] == 0) {
      scratch[i] = (high << 32) | (e + 1);
      cell_of[e] = static_cast<std::uint32_t>(i);
      slots[e] = static_cast<std::uint8_t>(1u << entry.slot);
      arena_size += 2 + entry.len + sizeof(std::uint32_t) * 2;
      ++rules;
      continue;
    }
    const auto head = static_cast<std::uint32_t>((scratch[i] & 0xffffffffu) - 1);
    if (slots[head] & (1u << entry.slot)) {
      std::uint32_t first = head;
      while (s.entries[first].slot != entry.slot) first = next[first] - 1;
      result.duplicates.emplace_back(entry.ref, s.entries[first].ref);
      continue;
    }
    slots[head] = static_cast<std::uint8_t>(slots[head] | (1u << entry.slot));
    std::uint32_t tail = head;
    while (next[tail] != 0) tail = next[tail] - 1;
    next[tail] = static_cast<std::uint32_t>(e + 1);
    arena_size += sizeof(std::uint32_t) * 2;
    ++rules;
  }
  scratch = {};

  // Pass 2: write the records in insertion order and put tagged offsets in the final table.
  auto impl = std::make_unique<Impl>();
  impl->arena_size = static_cast<std::size_t>(arena_size);
  impl->arena = std::make_unique_for_overwrite<char[]>(impl->arena_size);
  impl->tag_bits = static_cast<unsigned>(32 - std::bit_width(arena_size));
  impl->tag_mask = impl->tag_bits == 0 ? 0 : ((std::uint32_t{1} << impl->tag_bits) - 1);
  auto table = std::make_unique<std::uint32_t[]>(size);  // zeroed: all cells empty
  char* arena = impl->arena.get();
  arena[0] = 0;
  std::size_t pos = 1;
  for (std::uint32_t head = 0; head < n; ++head) {
    const unsigned bits = slots[head];
    if (bits == 0) continue;
    const State::Entry& entry = s.entries[head];
    const std::size_t record = pos;
    arena[pos++] = static_cast<char>(entry.len);
    std::memcpy(arena + pos, s.names.data() + entry.name_offset, entry.len);
    pos += entry.len;
    arena[pos++] = static_cast<char>(bits);
    for (unsigned slot = 0; slot < 6; ++slot) {
      if ((bits & (1u << slot)) == 0) continue;
      std::uint32_t e = head;
      while (s.entries[e].slot != slot) e = next[e] - 1;
      store_u32(arena + pos, s.entries[e].ref.source);
      store_u32(arena + pos + 4, s.entries[e].ref.index);
      pos += 8;
    }
    table[cell_of[head]] =
        (static_cast<std::uint32_t>(record) << impl->tag_bits) | impl->tag_of(entry.hash);
  }
  impl->table = std::move(table);
  impl->table_mask = mask;
  impl->rules = rules;
  result.matcher.impl_ = std::move(impl);
  s = State{};  // the staging memory goes now, not with the builder
  return result;
}

}  // namespace defender::policy
