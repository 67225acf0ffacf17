#include "dnsproxy/learned_addresses.h"

#include <gtest/gtest.h>

namespace defender::dnsproxy {
namespace {

std::string v4(std::uint8_t a, std::uint8_t b, std::uint8_t c, std::uint8_t d) {
  return std::string{static_cast<char>(a), static_cast<char>(b), static_cast<char>(c), static_cast<char>(d)};
}

TEST(LearnedAddresses, RemembersWhileTtlLasts) {
  LearnedAddresses table({.capacity = 10, .min_ttl_s = 5, .max_ttl_s = 100});
  const auto now = LearnedAddresses::Clock::now();
  table.learn(v4(192, 0, 2, 1), "www.example", 60, now);
  const auto address = boost::asio::ip::make_address("192.0.2.1");
  EXPECT_EQ(table.lookup(address, now + std::chrono::seconds(59)), "www.example");
  EXPECT_EQ(table.lookup(address, now + std::chrono::seconds(61)), std::nullopt);
  table.learn(v4(192, 0, 2, 2), "short.example", 1, now);  // raised to min_ttl_s
  EXPECT_EQ(table.lookup(boost::asio::ip::make_address("192.0.2.2"), now + std::chrono::seconds(4)),
            "short.example");
  std::string v6(16, '\0');
  v6[0] = 0x20;
  v6[1] = 0x01;
  v6[15] = 1;
  table.learn(v6, "six.example", 60, now);
  EXPECT_EQ(table.lookup(boost::asio::ip::make_address("2001::1"), now), "six.example");
  table.learn("abc", "bad.example", 60, now);  // neither 4 nor 16 bytes
  EXPECT_EQ(table.size(), 3u);
}

TEST(LearnedAddresses, IsBounded) {
  LearnedAddresses table({.capacity = 100});
  const auto now = LearnedAddresses::Clock::now();
  for (int i = 0; i < 5000; ++i) {
    table.learn(v4(10, 0, static_cast<std::uint8_t>(i / 256), static_cast<std::uint8_t>(i % 256)),
                "n" + std::to_string(i), 60, now);
    table.learn(v4(10, 9, 9, 9), "same.example", 60, now);  // re-learned all along
  }
  EXPECT_LE(table.size(), 128u);  // the capacity rounded up to a power of two
  // The newest are kept, the early ones mostly gone.
  EXPECT_EQ(table.lookup(boost::asio::ip::make_address("10.0.19.135"), now), "n4999");
  EXPECT_EQ(table.lookup(boost::asio::ip::make_address("10.9.9.9"), now), "same.example");
  int early = 0;
  for (int i = 0; i < 1000; ++i) {
    const auto address = boost::asio::ip::make_address_v4(std::array<unsigned char, 4>{
        10, 0, static_cast<unsigned char>(i / 256), static_cast<unsigned char>(i % 256)});
    if (table.lookup(address, now)) ++early;
  }
  EXPECT_LT(early, 20);
}

TEST(LearnedAddresses, ExpiredEntriesMakeRoom) {
  LearnedAddresses table({.capacity = 8, .min_ttl_s = 1, .max_ttl_s = 100});
  const auto now = LearnedAddresses::Clock::now();
  for (int i = 0; i < 8; ++i) table.learn(v4(10, 0, 0, static_cast<std::uint8_t>(i)), "old", 1, now);
  const auto later = now + std::chrono::seconds(5);
  table.learn(v4(10, 1, 0, 0), "new.example", 60, later);
  EXPECT_EQ(table.lookup(boost::asio::ip::make_address("10.1.0.0"), later), "new.example");
  EXPECT_EQ(table.lookup(boost::asio::ip::make_address("10.0.0.1"), later), std::nullopt);
}

}  // namespace
}  // namespace defender::dnsproxy
