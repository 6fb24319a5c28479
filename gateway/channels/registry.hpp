// The explicit list of channel types: config `type:` → factory. Adding an aggregator is a
// codec file pair and one line in registry.cpp; nothing registers itself.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "gateway/channels/channel.hpp"

namespace paygham::channels {

// Builds a channel, or an error naming the setting that is wrong or unknown.
core::result<std::unique_ptr<channel>> make_channel(const settings& s);
// The same, with every problem of the channel's settings appended to `problems` (null then),
// so lint names them all at once.
std::unique_ptr<channel> make_channel(const settings& s, std::vector<std::string>& problems);

// Whether `url` (scheme://[user@]host[:port]/…) names this machine: localhost, 127.x.x.x, ::1.
bool names_this_machine(std::string_view url);
// Whether `host` (a name or an address, lower case) is this machine: localhost, 127.x.x.x, ::1.
bool is_this_machine(std::string_view host);

// The type names the registry knows, for messages and --help.
std::vector<std::string> known_types();

// The channel people's messages go by when nothing names one (staff SMS, people imported, the
// API's messages, enrolments and bookings): the first listed that reaches phones, so a
// `console` channel kept for trying flows never takes them to the log; the first of all when
// none does. `id` and `type` read a list item's.
template <class List, class Id, class Type>
std::string default_channel(const List& list, Id id, Type type) {
  for (const auto& c : list) {
    if (type(c) != "console") return id(c);
  }
  return list.empty() ? std::string() : std::string(id(*list.begin()));
}

}  // namespace paygham::channels
