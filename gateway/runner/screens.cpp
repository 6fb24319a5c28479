#include "gateway/runner/screens.hpp"

#include "gateway/flow/engine.hpp"
#include "gateway/flow/flow.hpp"

namespace paygham::runner {

std::string in_every_language(const text::catalog& texts, const std::vector<std::string>& offered,
                              std::string_view key) {
  std::string all;
  for (const auto& lang : offered) {
    const text::entry* e = texts.find(lang, key);
    if (e && all.find(e->text) == std::string::npos) all += (all.empty() ? "" : " / ") + e->text;
  }
  return all;
}

std::string numbers_reason(std::size_t options) { return "1-" + std::to_string(options) + ":"; }

std::string draw_language_picker(const text::catalog& texts,
                                 const std::vector<std::string>& offered, std::string_view reason) {
  const std::string header = in_every_language(texts, offered, flow::keys::choose_language);
  std::string screen = reason.empty() ? header : std::string(reason) + "\n" + header;
  for (std::size_t i = 0; i < offered.size(); ++i) {
    const text::entry* name = texts.find(offered[i], flow::keys::language_name);
    screen += "\n" + std::to_string(i + 1) + " " + (name ? name->text : offered[i]);
  }
  return screen;
}

const two_choices resume_screen{flow::keys::resume, flow::keys::resume_continue, flow::keys::resume_restart};
const two_choices stopped_screen{flow::keys::stopped, flow::keys::stopped_restart, flow::keys::stopped_continue};
const named_choices choice_screens[2] = {{"the resume screen", &resume_screen},
                                         {"the stopped-messages screen", &stopped_screen}};

std::string draw_choice(const text::catalog& texts, const std::vector<std::string>& langs, const two_choices& screen,
                        std::string_view reason) {
  const auto text = [&](std::string_view key) {
    const text::entry* e = texts.resolve(key, langs);
    return e ? e->text : std::string(key);
  };
  const text::entry* e = texts.resolve(screen.question, langs);
  const std::string lang = e ? e->lang : "en";
  return (reason.empty() ? "" : std::string(reason) + "\n") + text(screen.question) + "\n" +
         flow::option_number(1, lang) + " " + text(screen.first) + "\n" +
         flow::option_number(2, lang) + " " + text(screen.second);
}

}  // namespace paygham::runner
