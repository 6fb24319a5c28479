// Terms found in text: the health terms an unasked SMS must not name (R-S10), whole words
// and phrases in any script and letter form, and the words of someone in danger (R-H3), read
// with the endings people add, from the shipped lexicons.
#include "gateway/text/terms.hpp"

#include <catch2/catch.hpp>

#include "gateway/core/yaml.hpp"

#include "tests/support/support.hpp"

using namespace paygham;

namespace {

text::term_list shipped() {
  std::vector<std::string> problems;
  auto t = text::term_list::load(std::string(PAYGHAM_SOURCE_DIR) + "/lexicon/sensitive.yaml", problems);
  for (const auto& p : problems) UNSCOPED_INFO(p);
  REQUIRE(problems.empty());
  return t;
}

}  // namespace

TEST_CASE("sensitive terms: whole words and phrases are found, in any letter form and case", "[text]") {
  const auto terms = shipped();
  CHECK(terms.find("Your PREGNANCY check is tomorrow.") == "pregnancy");
  CHECK(terms.find("نوبت بارداری شما فردا است") == "بارداری");
  CHECK(terms.find("your blood pressure visit") == "blood pressure");
  CHECK(terms.find("د وینې فشار") == "د وینې فشار");
  // Arabic letter forms read as Persian ones (ي for ی), and punctuation ends a word.
  CHECK(terms.find("نوبت بارداري،") == "بارداری");
  // A legal status or an ethnicity (R-S10), as a health term is.
  CHECK(terms.find("Bring your Refugee card") == "refugee");
  CHECK(terms.find("جلسه برای خانواده‌های هزاره") == "هزاره");
}

TEST_CASE("sensitive terms: a word that only contains a term is not it", "[text]") {
  const auto terms = shipped();
  CHECK(terms.find("هشدار مین برای قندهار") == "");   // Kandahar is not «قند»
  CHECK(terms.find("سلام، نوبت شما فردا است") == "");  // «سلام» is not «سل»
  CHECK(terms.find("Red Crescent: your visit is tomorrow, 10:00-12:00.") == "");
  CHECK(terms.find("blood test") == "");  // one word of a phrase is not the phrase
}

namespace {

text::term_list urgent(const char* group) {
  std::vector<std::string> problems;
  auto t = text::term_list::load(std::string(PAYGHAM_SOURCE_DIR) + "/lexicon/urgent.yaml", problems, group,
                                 text::term_list::reading::generous);
  for (const auto& p : problems) UNSCOPED_INFO(p);
  REQUIRE(problems.empty());
  return t;
}

}  // namespace

TEST_CASE("urgent words: danger as people write it, with suffixes, spaces, ZWNJ and Arabic letter forms", "[text]") {
  const auto danger = urgent("danger");
  CHECK(danger.find("I am BLEEDING a lot") == "bleed");  // a stem: bleeds, bleeding
  CHECK(danger.find("she passed out") == "passed out");
  CHECK(danger.find("my wife had seizures") == "seizure");  // the ending may differ
  CHECK(danger.find("she is fainting") == "faint");
  CHECK(danger.find("خونریزی دارم") == "خونریزی");
  CHECK(danger.find("خون‌ريزيم زیاده") == "خونریزی");  // ZWNJ, Arabic ي, a suffix: "my bleeding"
  CHECK(danger.find("خون ریزی شدید") == "خون ریزی");
  CHECK(danger.find("بچه‌ام بی هوش شده") == "بی هوش");
  CHECK(danger.find("طفلم تشنج کرد") == "تشنج");
  CHECK(danger.find("khoonrizi daram") == "khoonrizi");
  CHECK(danger.find("وینه بهیږي") == "وینه بهی");
  CHECK(danger.find("وینه بهېږي") == "وینه بهی");  // ې as Pashto writes it, and ی as many type it
  // Pashto on a Persian keyboard: ښ as ش, ږ as ژ, ې as ی.
  CHECK(danger.find("بی هوشه دی") == "بی هوش");
  CHECK(danger.find("وینه بهیژی") == "وینه بهی");
  CHECK(danger.find("ماشوم می نه خوزیژی") == "نه خوځیږ");
  // No subject, and the spoken verb: "my baby does not move", in Farsi and in Pashto.
  CHECK(danger.find("بچه‌ام تکون نمیخوره") == "تکون نمیخور");
  CHECK(danger.find("ماشوم مې نه خوځېږي") == "نه خوځیږ");
  CHECK(danger.find("بیړنۍ مرسته") == "بیړني");  // ۍ and ي read alike
  CHECK(danger.find("نفسش بند اومده") == "نفسش بند");
  // Someone hurt, poisoned, in labour: as a hazard report or a plea may say it.
  CHECK(danger.find("دو نفر زخمی شدند") == "زخمی");
  CHECK(danger.find("دو نفر زخمی داریم") == "زخمی");  // as a hazard report may say it
  CHECK(danger.find("زخمیان زیاد است") == "زخمی");
  CHECK(danger.find("dota zakhmi") == "zakhmi");
  CHECK(danger.find("یک طفل کشته شد") == "کشته شد");
  CHECK(danger.find("پایش قطع شد") == "پایش قطع");
  CHECK(danger.find("یو ماشوم مړ شو") == "مړ شو");
  CHECK(danger.find("two people injured") == "injured");
  CHECK(danger.find("یو سړی ټپي شو") == "ټپي شو");
  CHECK(danger.find("خون میایه") == "خون میایه");
  CHECK(danger.find("درد زایمان دارم") == "درد زایمان");
  CHECK(danger.find("طفلم مسموم شده") == "مسموم");
  CHECK(danger.find("کیسه آبم پاره شد") == "کیسه آبم پاره");
  CHECK(danger.find("نجلۍ ټپي ده") == "ټپي ده");
  CHECK(danger.find("دوه کسه زخمي شول") == "زخمی");  // Pashto's ي read as ی
  CHECK(danger.find("a child got hurt") == "got hurt");
  CHECK(danger.find("2 people hurt") == "people hurt");
  CHECK(danger.find("someone died") == "someone died");
  // A mine that went off, and the wounded, as Dari, Farsi and Pashto reports say it.
  // What happened (`blast`, read word for word) apart from who is hurt (`danger`).
  std::vector<std::string> problems;
  const auto blast = text::term_list::load(std::string(PAYGHAM_SOURCE_DIR) + "/lexicon/urgent.yaml",
                                           problems, "blast", text::term_list::reading::folded);
  REQUIRE(problems.empty());
  CHECK(danger.find("ماین ترکید دو نفر مجروح شدند") == "مجروح");
  CHECK(danger.find("پسرم مجروح شده کمک کنید") == "مجروح");
  CHECK(blast.find("دیروز ماین ترکید") == "ماین ترکید");
  CHECK(blast.find("مین منفجر شد") == "منفجر شد");
  CHECK(blast.find("بم منفجر شده") == "منفجر شده");
  CHECK(blast.find("دو ماین منفجر شده‌اند") == "منفجر شده‌اند");
  // What people report is "unexploded": no danger in the word alone, nor in a tyre that burst.
  // Nor in explosive material: what a hazard report sees.
  for (const char* seen : {"مهمات منفجر نشده نزدیک مکتب", "ماین منفجر نشده", "لاستیک ترکید",
                           "مواد انفجاری دیدم", "explosive remnants", "enfejari"}) {
    INFO(seen);
    CHECK(danger.find(seen) == "");
    CHECK(blast.find(seen) == "");
  }
  CHECK(danger.find("ماین وچاودېد دوه ماشومان ټپیان دي") == "ټپیان");
  CHECK(blast.find("ماین د ښوونځي تر څنګ وچاودېد") == "وچاودېد");
  CHECK(blast.find("ماین د ښوونځي تر څنګ وچاودید") == "وچاودېد");  // ې typed as ی
  CHECK(blast.find("ماین ترکیده دیروز") == "ماین ترکیده");
  CHECK(blast.find("blast, 2 dead") == "blast");
  // What names an explosive without an explosion takes it out of the words read.
  const auto unexploded =
      text::term_list::load(std::string(PAYGHAM_SOURCE_DIR) + "/lexicon/urgent.yaml", problems,
                            "unexploded", text::term_list::reading::folded);
  REQUIRE(problems.empty());
  for (const char* seen :
       {"a shell, not exploded yet", "خطر انفجار دارد", "راکت انفجار نکرده", "مواد قابل انفجار"}) {
    INFO(seen);
    CHECK(blast.find(seen) != "");
    CHECK(blast.find(unexploded.without(seen)) == "");
  }
  CHECK(blast.find(unexploded.without("one has not exploded, the other exploded")) == "exploded");
  // No phrase reads across what was taken out.
  CHECK(unexploded.without("ماین منفجر نشده ترکید") == "ماین · · ترکید");
  CHECK(danger.find("یک نفر فوت کرد") == "فوت کرد");
  CHECK(danger.find("یو سړی مړ دی") == "مړ دی");
  // As a patient probe wrote them: Finglish of Farsi, Dari and Pashto, and the spoken forms.
  CHECK(danger.find("bacham tashnoj karde") == "tashnoj");
  CHECK(danger.find("zanam khonrizi dare") == "khonrizi");
  CHECK(danger.find("bihoush shode") == "bihoush");
  CHECK(danger.find("ازش خون میره") == "خون میره");
  CHECK(danger.find("پسرم رو ماین رفت") == "رو ماین رفت");
  CHECK(danger.find("zoy me tapi shawai") == "tapi shaw");
  CHECK(danger.find("halak mar sho") == "mar sho");
  CHECK(danger.find("wina ye bahegi") == "wina ye bahe");
  CHECK(danger.find("ماشوم ژوبل شوی") == "ژوبل شو");
  CHECK(danger.find("my son lost his leg near the school") == "lost his leg");
  // Who is hurt, now, as a reply to a booking question may say it (not "my back is hurting").
  CHECK(danger.find("my son is hurt") == "son is hurt");
  CHECK(danger.find("please, I'm hurt") == "i'm hurt");
  CHECK(danger.find("my back is hurting") == "");
  // The danger signs of pregnancy the reminders name (R-H5), as a pregnant woman writes them.
  for (const char* sign : {"طفلم کم حرکت میکند", "سرم بسیار درد میکند و چشمانم تار میبیند",
                           "تب دارم و دست و رویم پندیده", "خون میبینم", "درد شدید دارم",
                           "baby moving less and bad headache", "lekin khun amada", "ماشوم لږ خوځېږي",
                           "بچه کم تکان می‌خورد", "I have a fever and blurred vision", "لکه‌بینی دارم"}) {
    INFO(sign);
    CHECK(danger.find(sign) != "");
  }
  CHECK(blast.find("mina tarkid") == "mina tarkid");
}

TEST_CASE("urgent words: no word of danger holds a denial, which would take it back", "[text]") {
  // «پسرم نفس نداره» (my son has no breath) denied by «نداره» would be no yes to "is anyone hurt?".
  std::vector<std::string> problems;
  const std::string file = std::string(PAYGHAM_SOURCE_DIR) + "/lexicon/urgent.yaml";
  const auto denials = text::term_list::load(file, problems, "denial");
  const auto well = text::term_list::load(file, problems, "well");
  REQUIRE(problems.empty());
  const auto doc = core::yaml::load_file(file);
  REQUIRE(doc);
  std::size_t read = 0;
  for (const char* group : {"danger", "blast"}) {
    for (const auto& language : doc.value()[group]) {
      for (const auto& term : language.second) {
        INFO(term.Scalar());
        CHECK(denials.find(term.Scalar()) == "");
        CHECK(well.find(term.Scalar()) == "");
        ++read;
      }
    }
  }
  CHECK(read > 100);
}

TEST_CASE("urgent words: everyday messages are not urgent", "[text]") {
  const auto danger = urgent("danger");
  const auto self_harm = urgent("self_harm");
  for (const char* everyday : {"سلام، نوبت فردا ساعت ۱۰ است؟", "where is the clinic", "خون دادم", "I cannot come tomorrow",
                               "هشدار مین برای قندهار", "blood test results", "تشکر", "نفس راحت کشیدم",
                               "برای آزمایش خون میام", "الهی بمیرم برات", "فردا حرکت نمیکنیم", "خودمو میرسونم",
                               "بیرون رفتم", "رنگش بیرنگ شد", "راز وینه", "what is the deadline",
                               "قطع دسترسی به اینترنت", "قلبم تپید", "it doesn't hurt", "my phone died",
                               "my back is hurting", "it was hurt yesterday but fine now", "the battery has died",
                               "تبریک عید", "yellow fever vaccine", "کمتر حرف بزن"}) {
    INFO(everyday);
    CHECK(danger.find(everyday) == "");
    CHECK(self_harm.find(everyday) == "");
  }
  // One word of a phrase is not the phrase: "breathe" alone, «نفس» alone.
  CHECK(danger.find("I can breathe now") == "");
}

TEST_CASE("urgent words: a reply that says nobody is hurt is told apart", "[text]") {
  std::vector<std::string> problems;
  const std::string file = std::string(PAYGHAM_SOURCE_DIR) + "/lexicon/urgent.yaml";
  const auto denials = text::term_list::load(file, problems, "denial");
  const auto well = text::term_list::load(file, problems, "well", text::term_list::reading::folded);
  REQUIRE(problems.empty());
  for (const char* denied : {"کسی زخمی نشده", "نخیر، کسی زخمی نیست", "nobody injured",
                             "no one is hurt", "هیڅوک ټپي نه دی", "ما زخمی نیستیم",
                             "I am not injured", "none were hurt", "no people hurt"}) {
    INFO(denied);
    CHECK(denials.find(denied) != "");
  }
  // That all is well, a list of its own: it takes back an explosion, not someone bleeding.
  for (const char* all_well :
       {"yes, everyone is fine", "بله، همه سالم", "ټول روغ دي", "ټول جور دي"}) {
    INFO(all_well);
    CHECK(well.find(all_well) != "");
    CHECK(denials.find(all_well) == "");
  }
  // Of oneself or everyone, never a bare "fine": not a question, a negation, the elderly.
  for (const char* not_well : {"is my son fine?", "it exploded, my son is not fine",
                               "یک مرد سالمند", "پسرم سالم نیست", "آب سالم"}) {
    INFO(not_well);
    CHECK(well.find(not_well) == "");
  }
  for (const char* hurt : {"۲ نفر زخمی شدند", "two people injured", "یو سړی ټپي شو",
                           "نفر زخمی داریم", "my brother is not breathing", "ساه نه اخلي",
                           "one injured, no ambulance here", "my son isn't moving"}) {
    INFO(hurt);
    CHECK(denials.find(hurt) == "");
  }
}

TEST_CASE("urgent words: a message is read in its parts, between its marks and joining words",
          "[text]") {
  using parts = std::vector<std::string_view>;
  CHECK(text::clauses_of("my son is bleeding, nobody came") ==
        parts{"my son is bleeding", "nobody came"});
  CHECK(text::clauses_of("my son is bleeding and I am not hurt") ==
        parts{"my son is bleeding", "I am not hurt"});
  CHECK(text::clauses_of("Bleeding But fine") == parts{"Bleeding", "fine"});
  CHECK(text::clauses_of("پسرم خونریزی دارد و خودم زخمی نشدم") ==
        parts{"پسرم خونریزی دارد", "خودم زخمی نشدم"});
  CHECK(text::clauses_of("پسرم خونریزی داره، ولی من خوبم") ==
        parts{"پسرم خونریزی داره", "من خوبم"});
  // Not inside a word: "android", «وقت», "sand".
  CHECK(text::clauses_of("android sand وقت") == parts{"android sand وقت"});
  CHECK(text::clauses_of("nobody injured") == parts{"nobody injured"});
}

TEST_CASE(
    "urgent words: to 'is anyone hurt?' who or how is a yes, and only a whole reply of nobody a no",
    "[text]") {
  std::vector<std::string> problems;
  // As the gateway reads them: who or how word by word, Pashto letters also as a Persian keyboard
  // types them (a short word read generously would take «مرسی», thanks, for «مړ», dead); nobody
  // as the whole reply.
  const auto hurt = text::term_list::load(std::string(PAYGHAM_SOURCE_DIR) + "/lexicon/urgent.yaml",
                                          problems, "hurt", text::term_list::reading::folded);
  const auto nobody =
      text::term_list::load(std::string(PAYGHAM_SOURCE_DIR) + "/lexicon/urgent.yaml", problems,
                            "nobody", text::term_list::reading::folded);
  REQUIRE(problems.empty());
  for (const char* yes : {"hurt", "my son is hurt", "دو نفر", "۲ نفر", "ټپي", "تپی", "مر", "تپیان",
                          "one dead", "پسرم", "two people", "یو تن", "طفلم", "دوه کسه", "۳ تن"}) {
    INFO(yes);
    CHECK(hurt.find(yes) != "");
  }
  for (const char* neither : {"مرسی", "مرسي", "merci", "we met at the road", "تنها بودم",
                              "زنگ بزنید", "it is far", "I don't know"}) {
    INFO(neither);
    CHECK(hurt.find(neither) == "");
  }
  for (const char* no : {"nobody", "No one was hurt", "هیچ کس", "هیچکسی", "کسی نیست",
                         "کسی زخمی نشده", "هیڅوک", "هيڅوک ټپي نه دی", "هیڅوک ټپي شوی نه دی",
                         "همه سالم هستند", "everyone is fine", "hich kas"}) {
    INFO(no);
    CHECK(nobody.whole(no));
  }
  // Said in part, or with more after it: not a no.
  for (const char* more :
       {"nobody came, my son is not moving", "nobody knows", "شاید کسی زخمی نشده",
        "نمیدانم کسی زخمی نشده یا نه", "I am fine", "هیچ کس نیامد"}) {
    INFO(more);
    CHECK_FALSE(nobody.whole(more));
  }
}

TEST_CASE("urgent words: a call for help, with endings, in every language the gateway speaks",
          "[text]") {
  std::vector<std::string> problems;
  const auto help = text::term_list::load(std::string(PAYGHAM_SOURCE_DIR) + "/lexicon/urgent.yaml",
                                          problems, "help", text::term_list::reading::generous);
  REQUIRE(problems.empty());
  for (const char* call :
       {"we need help", "HELP!", "کمک کنید", "کمکم کنید", "مرسته وکړئ", "مرستې ته اړتیا لرو",
        "komak konid", "send an ambulance", "آمبولانس بفرستید", "SOS"}) {
    INFO(call);
    CHECK(help.find(call) != "");
  }
  for (const char* other : {"it is near the road", "کنار جاده", "metal", "I am fine"}) {
    INFO(other);
    CHECK(help.find(other) == "");
  }
}

TEST_CASE("urgent words: self-harm in every language the gateway speaks", "[text]") {
  const auto self_harm = urgent("self_harm");
  CHECK(self_harm.find("I want to die") == "want to die");
  CHECK(self_harm.find("he is suicidal") == "suicid");
  CHECK(self_harm.find("میخوام خودکشی کنم") == "خودکشی");
  CHECK(self_harm.find("می‌خواهم بمیرم") == "میخواهم بمیرم");  // ZWNJ joins them
  CHECK(self_harm.find("می خواهم بمیرم") == "می خواهم بمیرم");
  CHECK(self_harm.find("میخوام خودمو بکشم") == "خودمو بکشم");
  CHECK(self_harm.find("ځان وژنه") == "ځان وژن");
  CHECK(self_harm.find("غواړم مړه شم") == "غواړم مړه شم");
  CHECK(self_harm.find("khodkoshi") == "khodkoshi");
}
