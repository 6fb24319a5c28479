// Who besides the deployment can read the content of its messages (R-D5): the aggregators,
// the mobile operators behind them, whoever hosts the server. The config's `parties:` names
// them with their written agreements; the console shows the list to everyone who works with
// Paygham, and lint, the server's start and the console all say what is missing.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace paygham::channels {

struct party {
  std::string name;
  std::string role;                   // one of party_roles()
  std::vector<std::string> channels;  // whose messages they can read; empty: every channel's
  std::string agreement;              // the written agreement (its reference); empty: none yet
  std::optional<long long> until;     // the agreement's last day, days since 1970-01-01; none: open-ended
  std::string where;                  // file:line:column of its entry, for lint

  // The agreement's last day was before `today` (days since 1970-01-01, the deployment's).
  bool ended(long long today) const { return until && *until < today; }
};

// aggregator, mobile_operator, host, other.
const std::vector<std::string>& party_roles();

// A configured channel, as the gaps name it.
struct channel_ref {
  std::string id;
  std::string type;   // a console channel reaches no network
  std::string where;  // file:line:column, for lint; may be empty
};

// What a list of parties leaves open, each for an operator to act on.
struct party_gap {
  enum class kind {
    no_party,      // a channel that reaches a network, and no aggregator or mobile operator named for it
    no_agreement,  // a party with no written agreement
    ended,         // a party whose agreement ended before today
  };
  kind what;
  std::string name;   // the channel's id (no_party) or the party's name
  std::string where;  // where its entry is in the config, when known

  // "no_party", "no_agreement", "ended": the API's names.
  const char* code() const;
  // One line for lint and the log ("FILE:LINE:COL: …" when the entry's place is known).
  std::string sentence() const;
};

// A channel that reaches a network is covered by a party that carries its messages there:
// an aggregator or a mobile operator naming it (or naming no channels, so all of them). A
// host reads them too, but does not carry them, so it covers none. `today`: the deployment's
// day, days since 1970-01-01.
std::vector<party_gap> party_gaps(const std::vector<party>& parties, const std::vector<channel_ref>& channels,
                                  long long today);

}  // namespace paygham::channels
