#include "gateway/runner/screens.hpp"

#include "gateway/flow/engine.hpp"
#include "gateway/flow/flow.hpp"

namespace paygham::runner {

std::string draw_language_picker(const text::catalog& texts, const std::vector<std::string>& offered,
                                 std::string_view reason) {
  std::string header;
  for (const auto& lang : offered) {
    const text::entry* e = texts.find(lang, flow::keys::choose_language);
    if (e && header.find(e->text) == std::string::npos) header += (header.empty() ? "" : " / ") + e->text;
  }
  std::string screen = reason.empty() ? header : std::string(reason) + "\n" + header;
  for (std::size_t i = 0; i < offered.size(); ++i) {
    const text::entry* name = texts.find(offered[i], flow::keys::language_name);
    screen += "\n" + std::to_string(i + 1) + " " + (name ? name->text : offered[i]);
  }
  return screen;
}

std::string draw_resume(const text::catalog& texts, const std::vector<std::string>& langs, std::string_view reason) {
  const auto text = [&](std::string_view key) {
    const text::entry* e = texts.resolve(key, langs);
    return e ? e->text : std::string(key);
  };
  const text::entry* e = texts.resolve(flow::keys::resume, langs);
  const std::string lang = e ? e->lang : "en";
  return (reason.empty() ? "" : std::string(reason) + "\n") + text(flow::keys::resume) + "\n" +
         flow::option_number(1, lang) + " " + text(flow::keys::resume_continue) + "\n" +
         flow::option_number(2, lang) + " " + text(flow::keys::resume_restart);
}

}  // namespace paygham::runner
