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

// The type names the registry knows, for messages and --help.
std::vector<std::string> known_types();

}  // namespace paygham::channels
