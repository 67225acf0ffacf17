#include "cnaf/waf/request_parts.h"

#include <bit>
#include <charconv>
#include <cstring>

#include "cnaf/waf/plain_words.h"
#include "cnaf/waf/simd.h"
#include "cnaf/waf/transforms/hex.h"

namespace defender::cnaf::waf {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool json_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

std::size_t skip_json_space(std::string_view s, std::size_t i) {
  // (a byte above ' ' is none: one test for the usual case, no blank at all)
  while (i < s.size() && static_cast<unsigned char>(s[i]) <= ' ' && json_space(s[i])) ++i;
  return i;
}

// The values PartLimits::skip_inert applies to: those Transaction::visit only inspects.
constexpr bool skips_inert(Source source) noexcept {
  return source == Source::query || source == Source::form || source == Source::cookie ||
         source == Source::json || source == Source::json_key;
}

// A JSON string at s[i] == '"': its content (escapes kept) in `out`; returns the position past
// its closing quote, or npos when it is unterminated. The first quote not escaped closes it;
// a backslash escapes the byte after it. Sixteen bytes at a time up to the next quote or
// backslash. (Positions pass by value: they stay in registers.)
inline std::size_t json_string(std::string_view s, std::size_t i, std::string_view& out) {
  const std::size_t begin = ++i;
  while (true) {
    if (i + 16 <= s.size()) {
      const simd::Bytes v = simd::load(s.data() + i);
      const std::uint32_t quotes = simd::bits(simd::equal(v, '"'));
      const std::uint32_t stops = quotes | simd::bits(simd::equal(v, '\\'));
      if (stops == 0) {
        i += 16;
        continue;
      }
      const int first = std::countr_zero(stops);
      i += static_cast<std::size_t>(first);
      if ((quotes >> first) & 1u) break;  // (from the mask: no load of s[i] to wait for)
    } else {
      while (i < s.size() && s[i] != '"' && s[i] != '\\') ++i;
      if (i >= s.size()) return std::string_view::npos;
      if (s[i] == '"') break;
    }
    i += 2;
  }
  out = s.substr(begin, i - begin);
  return i + 1;
}

// A number, true, false or null at s[i]: the position past it, or npos when it is none.
inline std::size_t json_literal(std::string_view s, std::size_t i) {
  // Up to a blank, ',', '}' or ']'; a number's characters are noted on the way (one pass).
  const std::size_t begin = i;
  bool numeric = true;
  for (; i < s.size(); ++i) {
    const char d = s[i];
    if (json_space(d) || d == ',' || d == '}' || d == ']') break;
    numeric &= (d >= '0' && d <= '9') || d == '-' || d == '+' || d == '.' || d == 'e' || d == 'E';
  }
  if (i == begin) return std::string_view::npos;
  if (numeric) return i;
  const std::string_view lit = s.substr(begin, i - begin);
  return lit == "true" || lit == "false" || lit == "null" ? i : std::string_view::npos;
}

// Position of the next "--BOUNDARY" at or after `from`, or npos.
std::size_t find_delimiter(std::string_view body, std::string_view boundary, std::size_t from) {
  std::size_t p = from + 2;
  while ((p = body.find(boundary, p)) != std::string_view::npos) {
    if (p >= from + 2 && body[p - 1] == '-' && body[p - 2] == '-') return p - 2;
    ++p;
  }
  return std::string_view::npos;
}

}  // namespace

[[gnu::always_inline]] inline bool PartWalker::emit(Source source, std::string_view name,
                                                    std::string_view value, bool url_encoded,
                                                    const JsonPath* json_path) {
  if (stopped_) return false;
  if (notes_.parts >= limits_.max_parts) {
    notes_.too_many_parts = true;
    return false;
  }
  ++notes_.parts;
  if (limits_.skip_inert && skips_inert(source) && inert_token(source, value)) return true;
  if (!visitor_.visit(Part{source, name, value, url_encoded, json_path})) stopped_ = true;
  return !stopped_;
}

bool raw_entity_at(std::string_view q, std::size_t amp) noexcept {
  std::size_t k = amp + 1;
  if (k < q.size() && q[k] == '#') return true;
  if (k + 2 < q.size() && q[k] == '%' && q[k + 1] == '2' && q[k + 2] == '3') return true;
  const std::size_t b = k;
  while (k < q.size() && k < b + 10 && ((q[k] >= 'a' && q[k] <= 'z') || (q[k] >= 'A' && q[k] <= 'Z'))) ++k;
  return k > b + 1 && k < q.size() &&
         (q[k] == ';' || (k + 2 < q.size() && q[k] == '%' && q[k + 1] == '3' && (q[k + 2] == 'B' || q[k + 2] == 'b')));
}

bool has_raw_entity(std::string_view q) noexcept {
  for (std::size_t p = q.find('&'); p != std::string_view::npos; p = q.find('&', p + 1))
    if (raw_entity_at(q, p)) return true;
  return false;
}

bool PartWalker::query(std::string_view q, Source value_source, Source name_source) {
  std::size_t i = 0;
  while (i <= q.size() && !stopped_) {
    if (i > 0 && !notes_.raw_entity) notes_.raw_entity = raw_entity_at(q, i - 1);
    // The next '&' and the first '=' before it, 16 bytes at a time for the first 64 bytes (most
    // fields are short), then by memchr (long values: it reads wider).
    std::size_t amp = i, eq = std::string_view::npos;
    while (amp < q.size()) {
      if (amp >= i + 64 && eq != std::string_view::npos) {
        amp = q.find('&', amp);
        if (amp == std::string_view::npos) amp = q.size();
        break;
      }
      std::uint32_t amps, eqs;
      if (amp + 16 <= q.size()) {
        const simd::Bytes v = simd::load(q.data() + amp);
        amps = simd::bits(simd::equal(v, '&'));
        eqs = simd::bits(simd::equal(v, '='));
      } else {
        amps = q[amp] == '&';
        eqs = q[amp] == '=';
      }
      const std::uint32_t before_amp = amps == 0 ? eqs : eqs & ((amps & (0u - amps)) - 1);
      if (eq == std::string_view::npos && before_amp != 0)
        eq = amp + static_cast<std::size_t>(std::countr_zero(before_amp)) - i;
      if (amps != 0) {
        amp += static_cast<std::size_t>(std::countr_zero(amps));
        break;
      }
      amp += amp + 16 <= q.size() ? 16 : 1;
    }
    const std::string_view pair = q.substr(i, amp - i);
    if (!pair.empty()) {
      const std::string_view name = pair.substr(0, eq);
      const std::string_view value = eq == std::string_view::npos ? std::string_view{} : pair.substr(eq + 1);
      if (!name.empty() && !emit(name_source, name, name, true)) return false;
      if (!value.empty() && !emit(value_source, name, value, true)) return false;
    }
    if (amp == q.size()) break;
    i = amp + 1;
  }
  return !stopped_;
}

bool PartWalker::cookies(std::string_view h) {
  std::size_t i = 0;
  while (i < h.size() && !stopped_) {
    std::size_t semi = h.find(';', i);
    if (semi == std::string_view::npos) semi = h.size();
    const std::string_view pair = trim(h.substr(i, semi - i));
    if (!pair.empty()) {
      const std::size_t eq = pair.find('=');
      const std::string_view name = trim(pair.substr(0, eq));
      std::string_view value = eq == std::string_view::npos ? std::string_view{} : trim(pair.substr(eq + 1));
      if (value.size() >= 2 && value.front() == '"' && value.back() == '"') {
        value.remove_prefix(1);
        value.remove_suffix(1);
      }
      if (!name.empty() && !emit(Source::cookie_name, name, name, true)) return false;
      if (!value.empty() && !emit(Source::cookie, name, value, true)) return false;
    }
    i = semi + 1;
  }
  return !stopped_;
}

bool PartWalker::multipart(std::string_view body, std::string_view boundary) {
  if (boundary.empty() || boundary.size() > 200) {
    notes_.malformed_multipart = true;
    return !stopped_;
  }
  const std::size_t delim_size = boundary.size() + 2;
  std::size_t pos = find_delimiter(body, boundary, 0);
  if (pos == std::string_view::npos) {
    notes_.malformed_multipart = true;
    return !stopped_;
  }
  bool closed = false;
  while (pos != std::string_view::npos && !stopped_) {
    std::size_t i = pos + delim_size;
    if (body.substr(i, 2) == "--") {
      closed = true;
      break;
    }
    // Part headers end at an empty line.
    std::size_t head_end = body.find("\r\n\r\n", i);
    std::size_t sep = 4;
    const std::size_t lf = body.find("\n\n", i);
    if (lf != std::string_view::npos && (head_end == std::string_view::npos || lf < head_end)) {
      head_end = lf;
      sep = 2;
    }
    if (head_end == std::string_view::npos) {
      notes_.malformed_multipart = true;
      break;
    }
    const std::string_view head = body.substr(i, head_end - i);
    const std::size_t content_begin = head_end + sep;
    std::size_t next = find_delimiter(body, boundary, content_begin);
    std::size_t content_end = next == std::string_view::npos ? body.size() : next;
    if (content_end >= 2 && content_end > content_begin && body[content_end - 1] == '\n') {
      --content_end;
      if (content_end > content_begin && body[content_end - 1] == '\r') --content_end;
    }
    const std::string_view content =
        body.substr(content_begin, content_end > content_begin ? content_end - content_begin : 0);
    // Content-Disposition: form-data; name="x"; filename="y"
    std::string_view name, filename;
    std::size_t h = 0;
    while (h < head.size()) {
      std::size_t eol = head.find('\n', h);
      if (eol == std::string_view::npos) eol = head.size();
      const std::string_view line = trim(head.substr(h, eol - h));
      const std::size_t colon = line.find(':');
      if (colon == 12 && !allowed_charset(line.substr(13))) notes_.bad_charset = true;
      if (colon != std::string_view::npos && colon == 19) {
        bool cd = true;
        constexpr std::string_view kCd = "content-disposition";
        for (std::size_t k = 0; k < kCd.size(); ++k) cd &= ascii_lower(line[k]) == kCd[k];
        if (cd) {
          const auto param = [&](std::string_view key) -> std::string_view {
            std::size_t p = 0;
            while ((p = line.find(key, p)) != std::string_view::npos) {
              if (p > 0 && line[p - 1] != ' ' && line[p - 1] != ';') {
                p += key.size();
                continue;
              }
              std::size_t v = p + key.size();
              if (v < line.size() && line[v] == '"') {
                const std::size_t e = line.find('"', v + 1);
                return line.substr(v + 1, (e == std::string_view::npos ? line.size() : e) - v - 1);
              }
              std::size_t e = line.find(';', v);
              return trim(line.substr(v, (e == std::string_view::npos ? line.size() : e) - v));
            }
            return {};
          };
          name = param("name=");
          filename = param("filename=");
        }
      }
      h = eol + 1;
    }
    if (!name.empty() && !emit(Source::multipart_name, name, name, false)) break;
    if (!filename.empty() && !emit(Source::multipart_filename, name, filename, false)) break;
    if (!content.empty() && !emit(Source::multipart, name, content, false)) break;
    pos = next;
  }
  if (!closed && !stopped_) notes_.malformed_multipart = true;
  return !stopped_;
}

std::string_view JsonPath::str() const {
  text_.assign(1, '$');
  for (const Step& step : steps_) {
    if (step.array) {
      char digits[24];
      const auto end = std::to_chars(digits, digits + sizeof digits, step.index).ptr;
      text_.push_back('[');
      text_.append(digits, static_cast<std::size_t>(end - digits));
      text_.push_back(']');
    } else {
      text_.push_back('.');
      text_.append(step.key.substr(0, 64));
    }
  }
  return text_;
}

bool PartWalker::json(std::string_view body) {
  path_.steps_.clear();
  const std::size_t end = json_document(body, skip_json_space(body, 0));
  if (end == std::string_view::npos) {
    // (not when it stopped: the visitor decided, or too deep, or too many values)
    if (!stopped_ && !notes_.too_deep && !notes_.too_many_parts) notes_.malformed_json = true;
    return !stopped_;
  }
  if (skip_json_space(body, end) != body.size()) notes_.malformed_json = true;
  return !stopped_;
}

// One value at s[i], with the containers it opens, each byte read once: the position past
// it, or npos (malformed, too deep, stopped). Iterative: the open containers are the path's
// steps (at most max_depth + 1).
std::size_t PartWalker::json_document(std::string_view s, std::size_t i) {
  constexpr std::size_t npos = std::string_view::npos;
  std::vector<JsonPath::Step>& steps = path_.steps_;
  while (true) {
    // A value at i, inside steps.size() containers.
    if (stopped_ || i >= s.size()) return npos;
    if (steps.size() > limits_.max_depth) {
      notes_.too_deep = true;
      return npos;
    }
    const char c = s[i];
    bool opened = false;
    if (c == '"') {
      std::string_view str;
      if ((i = json_string(s, i, str)) == npos) return npos;
      if (!str.empty() && !emit(Source::json, {}, str, false, &path_)) return npos;
    } else if (c == '{' || c == '[') {
      ++i;
      steps.push_back(JsonPath::Step{.key = {}, .index = 0, .array = c == '['});
      opened = true;
    } else if ((i = json_literal(s, i)) == npos) {
      return npos;
    }
    // Then: the ends of containers, and the next member (after a ',' unless it is the first).
    while (true) {
      if (steps.empty()) return i;
      i = skip_json_space(s, i);
      if (i >= s.size()) return npos;
      JsonPath::Step& step = steps.back();
      if (s[i] == (step.array ? ']' : '}')) {
        ++i;
        steps.pop_back();
        opened = false;
        continue;
      }
      if (!opened) {
        if (s[i] != ',') return npos;
        ++step.index;  // (an object's counts its members; only an array's is read)
        i = skip_json_space(s, i + 1);
      }
      break;
    }
    JsonPath::Step& step = steps.back();
    if (!step.array) {
      std::string_view key;
      if (i >= s.size() || s[i] != '"' || (i = json_string(s, i, key)) == npos) return npos;
      step.key = key;
      if (!key.empty() && !emit(Source::json_key, {}, key, false, &path_)) return npos;
      i = skip_json_space(s, i);
      if (i >= s.size() || s[i] != ':') return npos;
      i = skip_json_space(s, i + 1);
    }
  }
}

bool PartWalker::xml(std::string_view body) {
  if (!emit(Source::xml_raw, {}, body, false)) return false;
  std::size_t i = 0;
  while (i < body.size() && !stopped_) {
    const std::size_t lt = body.find('<', i);
    const std::string_view text = trim(body.substr(i, (lt == std::string_view::npos ? body.size() : lt) - i));
    bool blank = true;
    for (const char c : text) blank &= c == ' ' || c == '\n' || c == '\r' || c == '\t';
    if (!blank && !emit(Source::xml, {}, text, false)) return false;
    if (lt == std::string_view::npos) break;
    if (body.substr(lt, 9) == "<![CDATA[") {
      const std::size_t end = body.find("]]>", lt + 9);
      const std::size_t stop = end == std::string_view::npos ? body.size() : end;
      const std::string_view cdata = body.substr(lt + 9, stop - lt - 9);
      if (!cdata.empty() && !emit(Source::xml, {}, cdata, false)) return false;
      i = end == std::string_view::npos ? body.size() : end + 3;
      continue;
    }
    if (body.substr(lt, 4) == "<!--") {
      const std::size_t end = body.find("-->", lt + 4);
      i = end == std::string_view::npos ? body.size() : end + 3;
      continue;
    }
    // A tag: attribute values are inspected.
    std::size_t j = lt + 1;
    while (j < body.size() && body[j] != '>') {
      if (body[j] == '"' || body[j] == '\'') {
        const std::size_t e = body.find(body[j], j + 1);
        const std::size_t stop = e == std::string_view::npos ? body.size() : e;
        const std::string_view val = body.substr(j + 1, stop - j - 1);
        if (!val.empty() && !emit(Source::xml, {}, val, false)) return false;
        j = stop + 1;
        continue;
      }
      ++j;
    }
    i = j + 1;
  }
  return !stopped_;
}

std::string_view media_type(std::string_view content_type, std::string& lower_buf) {
  std::string_view t = content_type.substr(0, content_type.find(';'));
  t = trim(t);
  lower_buf.resize(t.size());
  for (std::size_t k = 0; k < t.size(); ++k) lower_buf[k] = ascii_lower(t[k]);
  return lower_buf;
}

bool allowed_charset(std::string_view ct) {
  std::string lower;
  lower.resize(ct.size());
  for (std::size_t k = 0; k < ct.size(); ++k) lower[k] = ascii_lower(ct[k]);
  const std::size_t p = lower.find("charset=");
  if (p == std::string::npos) return true;
  std::string_view cs = std::string_view(lower).substr(p + 8);
  if (!cs.empty() && cs.front() == '"') cs.remove_prefix(1);
  cs = cs.substr(0, cs.find_first_of("\"; ,"));
  return cs == "utf-8" || cs == "utf8" || cs == "iso-8859-1" || cs == "us-ascii" ||
         cs == "windows-1252" || cs == "latin1" || cs == "iso-8859-15" || cs.empty();
}

std::string_view boundary_of(std::string_view ct) {
  std::size_t p = 0;
  while ((p = ct.find('=', p)) != std::string_view::npos) {
    std::size_t k = p;
    while (k > 0 && ct[k - 1] == ' ') --k;
    if (k >= 8) {
      bool match = true;
      constexpr std::string_view kB = "boundary";
      for (std::size_t m = 0; m < 8; ++m) match &= ascii_lower(ct[k - 8 + m]) == kB[m];
      if (match) {
        std::string_view v = trim(ct.substr(p + 1));
        if (!v.empty() && v.front() == '"') {
          const std::size_t e = v.find('"', 1);
          return v.substr(1, (e == std::string_view::npos ? v.size() : e) - 1);
        }
        return v.substr(0, v.find(';'));
      }
    }
    ++p;
  }
  return {};
}

}  // namespace defender::cnaf::waf
