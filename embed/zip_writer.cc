#include "embed/zip_writer.h"

#include <zlib.h>

#include <limits>
#include <stdexcept>

namespace defender::embed {
namespace {

constexpr std::uint64_t kMax32 = std::numeric_limits<std::uint32_t>::max();
constexpr std::uint16_t kDosTime = 0;               // 00:00:00
constexpr std::uint16_t kDosDate = (46 << 9) | (1 << 5) | 1;  // 2026-01-01

void put16(std::string& out, std::uint32_t v) {
  out.push_back(static_cast<char>(v & 0xff));
  out.push_back(static_cast<char>((v >> 8) & 0xff));
}
void put32(std::string& out, std::uint32_t v) {
  put16(out, v & 0xffff);
  put16(out, v >> 16);
}

// Raw deflate of `data`; returns false when it would not be smaller (then store).
bool deflate_raw(std::string_view data, std::string& out) {
  z_stream stream{};
  if (deflateInit2(&stream, Z_BEST_COMPRESSION, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
    throw std::runtime_error("zip: deflateInit2 failed");
  }
  out.resize(deflateBound(&stream, static_cast<uLong>(data.size())));
  stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  stream.avail_in = static_cast<uInt>(data.size());
  stream.next_out = reinterpret_cast<Bytef*>(out.data());
  stream.avail_out = static_cast<uInt>(out.size());
  const int rc = deflate(&stream, Z_FINISH);
  const std::size_t produced = out.size() - stream.avail_out;
  deflateEnd(&stream);
  if (rc != Z_STREAM_END) throw std::runtime_error("zip: deflate failed");
  out.resize(produced);
  return produced < data.size();
}

}  // namespace

void ZipWriter::add(const std::string& name, std::string_view data, std::uint32_t mode) {
  if (name.empty() || name.front() == '/' || name.find("..") != std::string::npos ||
      name.size() > 0xffff) {
    throw std::runtime_error("zip: bad entry name '" + name + "'");
  }
  if (data.size() >= kMax32 || count_ == 0xffff) {
    throw std::runtime_error("zip: entry '" + name + "' too large (no ZIP64 support)");
  }
  std::uint32_t crc = static_cast<std::uint32_t>(crc32(0L, Z_NULL, 0));
  // crc32 takes uInt lengths: feed in chunks.
  for (std::size_t done = 0; done < data.size();) {
    const std::size_t chunk = std::min<std::size_t>(data.size() - done, 1u << 30);
    crc = static_cast<std::uint32_t>(
        crc32(crc, reinterpret_cast<const Bytef*>(data.data() + done), static_cast<uInt>(chunk)));
    done += chunk;
  }
  std::string compressed;
  const bool deflated = !data.empty() && deflate_raw(data, compressed);
  const std::string_view payload = deflated ? std::string_view(compressed) : data;
  const std::uint16_t method = deflated ? 8 : 0;
  const std::uint64_t offset = body_.size();
  if (offset + 30 + name.size() + payload.size() >= kMax32) {
    throw std::runtime_error("zip: archive too large (no ZIP64 support)");
  }

  put32(body_, 0x04034b50);  // local file header
  put16(body_, 20);          // version needed: 2.0 (deflate)
  put16(body_, 0x0800);      // flags: names are UTF-8
  put16(body_, method);
  put16(body_, kDosTime);
  put16(body_, kDosDate);
  put32(body_, crc);
  put32(body_, static_cast<std::uint32_t>(payload.size()));
  put32(body_, static_cast<std::uint32_t>(data.size()));
  put16(body_, static_cast<std::uint32_t>(name.size()));
  put16(body_, 0);  // extra length
  body_ += name;
  body_.append(payload);

  put32(central_, 0x02014b50);  // central directory header
  put16(central_, (3 << 8) | 20);  // made by: Unix, spec 2.0 (so external attrs are Unix modes)
  put16(central_, 20);
  put16(central_, 0x0800);
  put16(central_, method);
  put16(central_, kDosTime);
  put16(central_, kDosDate);
  put32(central_, crc);
  put32(central_, static_cast<std::uint32_t>(payload.size()));
  put32(central_, static_cast<std::uint32_t>(data.size()));
  put16(central_, static_cast<std::uint32_t>(name.size()));
  put16(central_, 0);  // extra
  put16(central_, 0);  // comment
  put16(central_, 0);  // disk
  put16(central_, 0);  // internal attributes
  put32(central_, (0100000u | (mode & 07777)) << 16);  // S_IFREG | mode
  put32(central_, static_cast<std::uint32_t>(offset));
  central_ += name;
  ++count_;
}

std::string ZipWriter::finish() {
  std::string out = std::move(body_);
  const std::uint64_t central_offset = out.size();
  if (central_offset + central_.size() >= kMax32) throw std::runtime_error("zip: archive too large");
  out += central_;
  put32(out, 0x06054b50);  // end of central directory
  put16(out, 0);
  put16(out, 0);
  put16(out, count_);
  put16(out, count_);
  put32(out, static_cast<std::uint32_t>(central_.size()));
  put32(out, static_cast<std::uint32_t>(central_offset));
  put16(out, 0);  // comment length
  body_.clear();
  central_.clear();
  count_ = 0;
  return out;
}

}  // namespace defender::embed
