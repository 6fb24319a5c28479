#include "gateway/text/lint.hpp"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <set>

#include "gateway/core/utf8.hpp"
#include "gateway/text/catalog.hpp"
#include "gateway/text/format.hpp"
#include "gateway/text/segments.hpp"

namespace paygham::text {
namespace {

std::vector<std::string> specs(std::string_view text) {
  std::vector<std::string> out;
  for (const auto& inside : braces(text)) {
    if (const auto bar = inside.find('|'); bar != std::string::npos) out.push_back(inside.substr(bar + 1));
  }
  return out;
}

// A '{' never closed ("Emergency: {emergency.") or a lone '}': render shows it as written.
bool unclosed_brace(std::string_view text) {
  for (std::size_t i = 0; i < text.size(); ++i) {
    if ((text[i] == '{' || text[i] == '}') && i + 1 < text.size() && text[i + 1] == text[i]) {
      ++i;
    } else if (text[i] == '}') {
      return true;
    } else if (text[i] == '{') {
      const std::size_t close = text.find_first_of("{}", i + 1);
      if (close == std::string_view::npos || text[close] == '{') return true;
      i = close;
    }
  }
  return false;
}

}  // namespace

std::string listed_placeholders(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "{" : ", {") + n + "}";
  return out.empty() ? "no placeholders" : out;
}

std::size_t sms_budget(std::string_view key) {
  if (key.find("reminder") != std::string_view::npos) return 1;
  if (key.find("confirm") != std::string_view::npos || key.find("alert") != std::string_view::npos) {
    return 2;
  }
  return 3;
}

std::size_t sms_budget(const entry& e, std::string_view key) {
  return e.parts > 0 ? static_cast<std::size_t>(e.parts) : sms_budget(key);
}

std::string expand_with_samples(std::string_view text, std::string_view lang) {
  const bool rtl = persian_script(lang);
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '{' && i + 1 < text.size() && text[i + 1] == '{') {
      out += '{';
      ++i;
      continue;
    }
    const auto close = text[i] == '{' ? text.find('}', i) : std::string_view::npos;
    if (close == std::string_view::npos) {
      out += text[i];
      continue;
    }
    // Each placeholder becomes the longest value its formatter can produce.
    const std::string_view inside = text.substr(i + 1, close - i - 1);
    const auto bar = inside.find('|');
    const std::string_view spec =
        bar == std::string_view::npos ? std::string_view{} : inside.substr(bar + 1);
    const std::string_view name = spec.substr(0, spec.find(':'));
    if (name == "date") {
      out += rtl ? "۳۱ اردیبهشت ۱۴۰۵" : "31 Ordibehesht 1405 (30 September 2026)";
    } else if (name == "day") {
      out += rtl ? "چهارشنبه ۳۱ اردیبهشت" : "Wed 31 Ordibehesht (21 May)";
    } else if (name == "time") {
      out += rtl ? "۲۳:۵۹" : "23:59";
    } else if (name == "weekday") {
      out += rtl ? "چهارشنبه" : "Chaharshanbe";  // Wednesday, in Latin letters
    } else if (name == "number") {
      out += rtl ? "۹۹۹۹۹" : "99999";
    } else if (name == "phone_masked") {
      out += rtl ? "\u200E+93******001" : "+93******001";
    } else if (name == "phone") {
      out += rtl ? "\u200E+989123456789" : "+989123456789";
    } else {
      out += rtl ? "نننننننننننننننننننن" : "XXXXXXXXXXXXXXXXXXXX";
    }
    i = close;
  }
  return out;
}

void lint_templates(const catalog& texts, std::vector<std::string>& problems, std::vector<std::string>* warnings) {
  const auto langs = texts.languages();
  for (const auto& lang : langs) {
    if (!warnings || (lang != "fa" && lang != "prs")) continue;
    for (const auto& [key, e] : *texts.keys_of(lang)) {
      for (const char32_t c : core::decode_utf8(e.text)) {
        if ((c >= 0x064B && c <= 0x065F) || c == 0x0670) {
          char code[8];
          std::snprintf(code, sizeof code, "%04X", static_cast<unsigned>(c));
          warnings->push_back(e.where + ": '" + key + "' has the combining mark U+" + code +
                              (c == 0x064B ? " (tanwin)" : c == 0x0654 ? " (hamza above)" : "") +
                              ", which many feature phones show as a box; write the word without it");
          break;
        }
      }
    }
  }
  std::set<std::string> keys;
  for (const auto& lang : langs) {
    for (const auto& [key, _] : *texts.keys_of(lang)) keys.insert(key);
  }
  // The reference language for comparisons: English when it has the key.
  const auto reference = [&](const std::string& key) -> const entry* {
    if (const entry* e = texts.find("en", key)) return e;
    for (const auto& lang : langs) {
      if (const entry* e = texts.find(lang, key)) return e;
    }
    return nullptr;
  };
  for (const auto& key : keys) {
    const entry* ref = reference(key);
    auto ref_names = placeholders(ref->text);
    std::sort(ref_names.begin(), ref_names.end());
    for (const auto& lang : langs) {
      const entry* e = texts.find(lang, key);
      // `script.*`: about a language's own letters, only in the languages that have them.
      if (!e && key.rfind("script.", 0) == 0) continue;
      if (!e) {
        // The missing file's path, beside the one that has the key.
        const std::string ref_file = ref->where.substr(0, ref->where.find(':'));
        const auto path = std::filesystem::path(ref_file).parent_path() / (lang + ".yaml");
        problems.push_back(path.string() + ": missing '" + key + "' (" + ref->where + " has it)");
        continue;
      }
      if (unclosed_brace(e->text)) {
        problems.push_back(e->where + ": '" + key + "' has a brace that is not closed or not opened: write a " +
                           "placeholder as {name}, and a brace meant as a brace twice ({{ or }})");
      }
      auto names = placeholders(e->text);
      std::sort(names.begin(), names.end());
      if (names != ref_names) {
        problems.push_back(e->where + ": '" + key + "' uses " + listed_placeholders(names) + " but " +
                           ref->where + " uses " + listed_placeholders(ref_names));
      }
      // An explicit variant (R-S11) is filled with what its neutral text is filled with.
      if (key.size() > explicit_suffix.size() && key.ends_with(explicit_suffix)) {
        const entry* neutral = texts.find(lang, std::string_view(key).substr(0, key.size() - explicit_suffix.size()));
        auto neutral_names = neutral ? placeholders(neutral->text) : std::vector<std::string>{};
        std::sort(neutral_names.begin(), neutral_names.end());
        if (neutral && names != neutral_names) {
          problems.push_back(e->where + ": the explicit variant of '" + key.substr(0, key.size() - explicit_suffix.size()) +
                             "' uses " + listed_placeholders(names) + " but its text uses " + listed_placeholders(neutral_names) +
                             ": both are filled from the same values");
        }
      }
      for (const auto& spec : specs(e->text)) {
        if (!formatter::known(spec)) {
          problems.push_back(e->where + ": '" + key + "' uses an unknown formatter '" + spec +
                             "' (known: date, time, weekday, number, phone, phone_masked, label)");
        }
      }
      const std::string sent = e->smart ? smart_gsm(e->text) : e->text;
      const segment_report raw = measure_sms(sent);
      if (raw.enc == encoding::ucs2 && measure_sms(smart_gsm(sent)).enc == encoding::gsm7) {
        // Only invisible or typographic characters keep this text out of GSM-7.
        std::string culprits;
        for (const auto& c : raw.non_gsm) culprits += (culprits.empty() ? "" : " ") + c;
        problems.push_back(e->where + ": '" + key + "' is sent as UCS-2 only because of " +
                           culprits + "; use plain quotes, dashes and spaces, or mark it smart: true");
      }
      const auto expanded = measure_sms(expand_with_samples(sent, lang));
      const std::size_t budget = sms_budget(*e, key);
      if (expanded.parts > budget) {
        problems.push_back(e->where + ": '" + key + "' takes " + std::to_string(expanded.parts) +
                           " SMS parts (" + to_string(expanded.enc) + ", " +
                           std::to_string(expanded.units) + " units with long values); its budget is " +
                           std::to_string(budget));
      }
    }
  }
}

}  // namespace paygham::text
