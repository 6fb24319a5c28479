#include "gateway/channels/parties.hpp"

#include <algorithm>

namespace paygham::channels {

const std::vector<std::string>& party_roles() {
  static const std::vector<std::string> roles = {"aggregator", "mobile_operator", "host", "other"};
  return roles;
}

const char* party_gap::code() const {
  switch (what) {
    case kind::no_party: return "no_party";
    case kind::no_agreement: return "no_agreement";
    case kind::ended: return "ended";
  }
  return "";
}

std::string party_gap::sentence() const {
  std::string s = where.empty() ? std::string() : where + ": ";
  switch (what) {
    case kind::no_party:
      return s + "channel '" + name +
             "': no entry of 'parties' names the aggregator or mobile operator that carries its messages, "
             "nor the written agreement with them (R-D5)";
    case kind::no_agreement:
      return s + "party '" + name + "' can read messages with no written agreement: name it in 'agreement' (R-D5)";
    case kind::ended:
      return s + "party '" + name + "': its agreement has ended ('until'): renew it, or stop the channels it serves (R-D5)";
  }
  return s;
}

std::vector<party_gap> party_gaps(const std::vector<party>& parties, const std::vector<channel_ref>& channels,
                                  long long today) {
  std::vector<party_gap> gaps;
  for (const auto& ch : channels) {
    if (ch.type == "console") continue;  // the demo channel writes to this server's log only
    const bool carried = std::any_of(parties.begin(), parties.end(), [&](const party& p) {
      return (p.role == "aggregator" || p.role == "mobile_operator") &&
             (p.channels.empty() || std::find(p.channels.begin(), p.channels.end(), ch.id) != p.channels.end());
    });
    if (!carried) gaps.push_back({party_gap::kind::no_party, ch.id, ch.where});
  }
  for (const auto& p : parties) {
    if (p.agreement.empty()) {
      gaps.push_back({party_gap::kind::no_agreement, p.name, p.where});
    } else if (p.ended(today)) {
      gaps.push_back({party_gap::kind::ended, p.name, p.where});
    }
  }
  return gaps;
}

}  // namespace paygham::channels
