// A small ZIP writer (PKWARE APPNOTE 6.3): deflate (zlib, raw) or stored entries, CRC-32,
// Unix permissions in the external attributes (so `defender` stays executable after
// unzip), a fixed timestamp so the same input gives the same bytes. No ZIP64: an archive or
// entry past 4 GiB is refused. Builds the archive in memory; one owner, one thread.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace defender::embed {

class ZipWriter {
 public:
  // Adds a file; `mode` is its Unix permission bits (0644, 0755). Throws std::runtime_error
  // on a name that is empty, absolute, has "..", or on sizes past the ZIP limits.
  void add(const std::string& name, std::string_view data, std::uint32_t mode = 0644);
  // Appends the central directory and returns the archive. The writer is empty afterwards.
  std::string finish();

 private:
  std::string body_;
  std::string central_;
  std::uint16_t count_ = 0;
};

}  // namespace defender::embed
