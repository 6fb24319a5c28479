// Helpers the codecs share: reading form, query and JSON callbacks strictly, numbers through
// gateway/phone, and building send requests. Internal to gateway/channels.
#pragma once

#include <nlohmann/json.hpp>

#include <string>
#include <string_view>

#include "gateway/channels/channel.hpp"
#include "gateway/core/form.hpp"

namespace paygham::channels::util {

// The callback's parameters: the query for GET, the form body for POST (which must say
// application/x-www-form-urlencoded).
core::result<core::form> params(const core::http_request& req);

// A JSON object body (Content-Type application/json).
core::result<nlohmann::json> json_body(const core::http_request& req);

// A field that must be present, non-empty and valid UTF-8.
core::result<std::string> required(const core::form& f, std::string_view name);
// A field that may be absent (""), but must be valid UTF-8.
core::result<std::string> optional(const core::form& f, std::string_view name);
// A JSON string member (required: present and non-empty), valid UTF-8.
core::result<std::string> json_text(const nlohmann::json& j, std::string_view name, bool required);

// An E.164 number from what the aggregator sent ("+254…", "254…", "0799…"); the error names
// the field. A number that is not one of the channel's region is tried as international
// without its '+' ("2349067554729").
core::result<std::string> e164(std::string_view field, std::string_view raw, std::string_view region);

// A required form field holding a phone number, as E.164.
core::result<std::string> phone_field(const core::form& f, std::string_view name, std::string_view region);

// An inbound SMS from form fields named as the aggregator names them. Without an id (when
// `id_required` is false) the message gets a local one.
struct sms_fields {
  std::string_view id, from, text, to;
  bool id_required = true;
};
core::result<core::inbound_sms> read_sms(const core::form& f, const sms_fields& names,
                                         std::string_view channel_id, std::string_view region);

// "+93799…" → "93799…" (aggregators that want no plus).
std::string without_plus(std::string_view e164);

// A locally unique id for an inbound message that came without one.
std::string local_id();

// Basic credentials header value.
std::string basic(std::string_view user, std::string_view password);

}  // namespace paygham::channels::util
