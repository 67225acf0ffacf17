// placeholder: being written (matches nothing yet)
#include "policy/domain_matcher.h"

namespace defender::policy {

struct DomainMatcher::Impl {};
DomainMatcher::DomainMatcher() = default;
DomainMatcher::DomainMatcher(DomainMatcher&&) noexcept = default;
DomainMatcher& DomainMatcher::operator=(DomainMatcher&&) noexcept = default;
DomainMatcher::~DomainMatcher() = default;
std::optional<DomainMatch> DomainMatcher::match(std::string_view) const noexcept { return std::nullopt; }
std::size_t DomainMatcher::rule_count() const noexcept { return 0; }
std::size_t DomainMatcher::memory_bytes() const noexcept { return 0; }

}  // namespace defender::policy
