#include "gateway/channels/parties.hpp"

#include <catch2/catch.hpp>

using namespace paygham::channels;

namespace {

std::vector<std::string> described(const std::vector<party_gap>& gaps) {
  std::vector<std::string> out;
  for (const auto& g : gaps) out.push_back(std::string(g.code()) + " " + g.name);
  return out;
}

}  // namespace

TEST_CASE("channels: every channel that reaches a network needs its carrier named, with a current agreement (R-D5)",
          "[channels]") {
  const std::vector<channel_ref> chans = {{"console", "console", ""}, {"at", "africastalking", ""}, {"kannel", "kannel", ""}};
  const long long today = 20'800;  // 2026-12-13

  // Nobody named: both networked channels are open, the demo console channel is not.
  CHECK(described(party_gaps({}, chans, today)) == std::vector<std::string>{"no_party at", "no_party kannel"});

  // A host reads every channel's messages but carries none: it covers no channel.
  const party host{"Hetzner", "host", {}, "Hosting 12/2026", std::nullopt, "paygham.yaml:40:5"};
  CHECK(described(party_gaps({host}, chans, today)) == std::vector<std::string>{"no_party at", "no_party kannel"});

  // Kannel's messages go straight to the mobile operator over SMPP: it is the carrier there.
  const party at{"Africa's Talking", "aggregator", {"at"}, "DPA-14", std::nullopt, ""};
  party mci{"MCI", "mobile_operator", {"kannel"}, "", std::nullopt, "paygham.yaml:44:5"};
  const auto gaps = party_gaps({at, mci, host}, chans, today);
  CHECK(described(gaps) == std::vector<std::string>{"no_agreement MCI"});
  CHECK(gaps[0].sentence().rfind("paygham.yaml:44:5: party 'MCI'", 0) == 0);  // lint places it at its entry

  // An agreement is good through its last day, and has ended the day after.
  mci.agreement = "SLA 2025/7";
  mci.until = today;
  CHECK(party_gaps({at, mci}, chans, today).empty());
  CHECK(described(party_gaps({at, mci}, chans, today + 1)) == std::vector<std::string>{"ended MCI"});
  // A last day long ago is a day like any other, not "no end".
  mci.until = 0;
  CHECK(mci.ended(today));

  // An aggregator naming no channels carries them all.
  const party all{"Infobip", "aggregator", {}, "DPA-2", std::nullopt, ""};
  CHECK(party_gaps({all}, chans, today).empty());
}
