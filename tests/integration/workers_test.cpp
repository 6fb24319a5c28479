// `paygham user` as an operator runs it, then the health-worker menu as the worker reaches it
// over HTTP: the PIN comes from standard input and only its hash is stored; weak PINs, a phone
// already taken and an unknown clinic are refused with what to fix; a disabled worker's phone
// no longer opens the menu.
#include <SQLiteCpp/SQLiteCpp.h>

#include <catch2/catch.hpp>

#include "tests/support/support.hpp"

using namespace paygham::test;

namespace {

std::string dial(int port, const std::string& session, const std::string& text) {
  const auto r = http_call(port, "POST", "/channels/at/ussd",
                           "sessionId=" + session + "&serviceCode=*384*16%23&phoneNumber=%2B93700000900&text=" + text +
                               "&networkCode=41201");
  return r.status == 200 ? r.body : "HTTP " + std::to_string(r.status);
}

// The health-worker menu from the worker's phone: dialled, the PIN 2580, then each answer
// typed after it (as a phone sends them, joined by *); what the gateway says to the last.
std::string in_worker_menu(int port, const std::string& session, const std::vector<const char*>& answers) {
  dial(port, session, "");
  std::string typed = "2580";
  std::string said = dial(port, session, typed);
  for (const char* answer : answers) {
    typed += std::string("*") + answer;
    said = dial(port, session, typed);
  }
  return said;
}

}  // namespace

TEST_CASE("user: a health worker made with paygham user opens the health-worker menu with their PIN",
          "[integration][workers]") {
  temp_dir dir;
  const std::string config = write_test_config(dir);
  const std::vector<std::string> create = {"user",       "create",       "--config", config,      "--name",
                                           "Fatima",     "--role",       "health_worker", "--facility", "golshahr",
                                           "--phone",    "0700 000 900"};
  std::string out, err;
  CHECK(run_paygham(create, &out, &err, "1234\n") == 1);
  CHECK_THAT(err, Catch::Contains("choose another PIN: its digits run in order"));
  CHECK(run_paygham(create, &out, &err, "25\n") == 1);
  CHECK_THAT(err, Catch::Contains("a PIN is 4 to 6 digits"));
  CHECK(run_paygham(create, &out, &err, "") == 1);
  CHECK_THAT(err, Catch::Contains("no PIN on standard input"));
  auto elsewhere = create;
  elsewhere[9] = "nowhere";
  CHECK(run_paygham(elsewhere, &out, &err, "2580\n") == 1);
  CHECK_THAT(err, Catch::Contains("no clinic 'nowhere' in the clinics file (known: golshahr"));

  REQUIRE(run_paygham(create, &out, &err, "۲۵۸۰\n") == 0);
  CHECK(out == "user 1 created\n");
  CHECK(run_paygham(create, &out, &err, "3691\n") == 1);
  CHECK_THAT(err, Catch::Contains("already belongs to user 1 (Fatima)"));
  // A person's second SIM (R-L6) is theirs, never a worker's.
  std::string person;
  {
    SQLite::Database db(dir.file("paygham.db"), SQLite::OPEN_READWRITE);
    db.exec("INSERT INTO contacts (phone, created_at, updated_at) VALUES ('+93700000950', 0, 0)");
    person = std::to_string(db.getLastInsertRowid());
    db.exec("INSERT INTO contact_numbers (phone, contact_id, added_at) VALUES ('+93700000951', " +
            person + ", 0)");
  }
  auto second_sim = create;
  second_sim[11] = "0700 000 951";
  CHECK(run_paygham(second_sim, &out, &err, "3691\n") == 1);
  CHECK_THAT(err, Catch::Contains("is one of contact " + person +
                                  "'s other numbers (a person's second SIM): remove it"));

  REQUIRE(run_paygham({"user", "list", "--config", config}, &out, &err) == 0);
  CHECK_THAT(out, Catch::Contains("health_worker\tgolshahr\t"));
  CHECK_THAT(out, Catch::Contains("900\t-\tFatima"));
  CHECK(out.find("+93700000900") == std::string::npos);  // the number masked
  CHECK(out.find("argon") == std::string::npos);
  CHECK(run_paygham({"user", "create", "--config", config, "--name", "X", "--role", "boss"}, &out, &err) == 1);
  CHECK_THAT(err, Catch::Contains("--role is admin, operator or health_worker, not 'boss'"));
  // Duty hours: an operator's and a health worker's (the roster, R-H3), as HH:MM-HH:MM, shown
  // in the list, set anew or removed; an admin has none.
  CHECK(run_paygham({"user", "create", "--config", config, "--name", "Nadia", "--role", "operator", "--login", "nadia",
                     "--phone", "+93700000801", "--duty", "9-12"},
                    &out, &err) == 1);
  CHECK_THAT(err, Catch::Contains("--duty is the hours on duty as HH:MM-HH:MM (08:00-16:00), not '9-12'"));
  CHECK(run_paygham({"user", "create", "--config", config, "--name", "Ali", "--role", "admin",
                     "--login", "ali", "--duty", "09:00-12:00"},
                    &out, &err) == 1);
  CHECK_THAT(err, Catch::Contains("--duty is for operators and health workers"));
  // A worker's phone can be given its language, so the first dial opens the menu in it.
  const std::vector<std::string> omid = {"user",       "create",     "--config", config,
                                         "--name",     "Omid",       "--role",   "health_worker",
                                         "--facility", "central",    "--phone",  "+93700000902",
                                         "--duty",     "20:00-06:00"};
  auto in = [](std::vector<std::string> v, std::initializer_list<std::string> more) {
    v.insert(v.end(), more);
    return v;
  };
  CHECK(run_paygham(in(omid, {"--language", "Dari"}), &out, &err, "3691\n") == 1);
  CHECK_THAT(err, Catch::Contains(
                      "--language is a language of the templates (en, fa, prs, ps), not 'Dari'"));
  CHECK(run_paygham(in(omid, {"--language", "prs-Latn"}), &out, &err, "3691\n") == 1);
  CHECK(run_paygham({"user", "create", "--config", config, "--name", "Ali", "--role", "admin",
                     "--login", "ali", "--language", "fa"},
                    &out, &err) == 2);
  CHECK_THAT(err, Catch::Contains("--language is for create, with --phone"));
  REQUIRE(run_paygham(in(omid, {"--language", "fa"}), &out, &err, "3691\n") == 0);
  REQUIRE(run_paygham({"user", "create", "--config", config, "--name", "Nadia", "--role", "operator", "--login", "nadia",
                       "--phone", "+93700000801", "--duty", "09:00-12:00"},
                      &out, &err, "a long password here\na long password here\n") == 0);
  REQUIRE(run_paygham({"user", "list", "--config", config}, &out, &err) == 0);
  CHECK_THAT(out, Catch::Contains("Nadia\ton duty 09:00-12:00"));
  CHECK_THAT(out, Catch::Contains("Omid\ton duty 20:00-06:00"));
  REQUIRE(run_paygham({"user", "duty", "--config", config, "--phone", "0700000902", "--duty",
                       "08:00-14:00"},
                      &out, &err) == 0);
  CHECK_THAT(out, Catch::Contains("is on duty 08:00-14:00"));
  REQUIRE(run_paygham({"user", "list", "--config", config}, &out, &err) == 0);
  CHECK_THAT(out, Catch::Contains("Omid\ton duty 08:00-14:00"));
  REQUIRE(run_paygham({"user", "duty", "--config", config, "--phone", "+93700000801", "--off"},
                      &out, &err) == 0);
  CHECK_THAT(out, Catch::Contains("has no duty hours"));
  REQUIRE(run_paygham({"user", "list", "--config", config}, &out, &err) == 0);
  CHECK(out.find("Nadia\ton duty") == std::string::npos);
  CHECK(run_paygham({"user", "duty", "--config", config, "--phone", "+93700000902"}, &out, &err) ==
        2);
  CHECK_THAT(err, Catch::Contains("duty needs --phone, and --duty HH:MM-HH:MM or --off"));
  CHECK(
      run_paygham({"user", "duty", "--config", config, "--phone", "+93700000902", "--duty", "8-14"},
                  &out, &err) == 1);
  CHECK_THAT(err, Catch::Contains("not '8-14'"));
  CHECK(run_paygham({"user", "duty", "--config", config, "--phone", "+93700000999", "--off"}, &out,
                    &err) == 1);
  CHECK_THAT(err, Catch::Contains("no user has the phone"));
  CHECK(
      scalar(dir, "SELECT group_concat(detail, ' ') FROM audit_log WHERE action = 'users.duty'") ==
      R"({"duty":"08:00-14:00"} {"duty":""})");
  CHECK(run_paygham({"user", "--config", config}, &out, &err) == 2);
  CHECK_THAT(err, Catch::Contains("say create, list, pin, password, disable, supervisor or duty"));

  {
    server_process srv(config);
    CHECK(dial(srv.port(), "w1", "") == "CON Health worker menu. Your PIN:");
    CHECK(http_call(srv.port(), "POST", "/channels/at/ussd",
                    "sessionId=o1&serviceCode=*384*16%23&phoneNumber=%2B93700000902&text=&"
                    "networkCode=41201")
              .body == "CON منوی کارمند بهداشت. رمز خود را بزنید:");
    CHECK(dial(srv.port(), "w1", "2580") ==
          "CON Health worker\n1. Enrol a patient\n2. Patients to call\n3. Visit attended\n4. End reminders\n5. Forget a number");
    // Africa's Talking repeats every answer on each hop: the PIN too, and a retry of a hop
    // is still recognised though the PIN is never stored.
    CHECK(dial(srv.port(), "w1", "2580*1") == "CON Patient's phone number:\n0. Back");
    CHECK(dial(srv.port(), "w1", "2580*1") == "CON Patient's phone number:\n0. Back");
    CHECK(dial(srv.port(), "w1", "2580") ==  // the hop before, retried late: its own screen again
          "CON Health worker\n1. Enrol a patient\n2. Patients to call\n3. Visit attended\n4. End reminders\n5. Forget a number");
    CHECK(dial(srv.port(), "w1", "2580*1*0") ==
          "CON Health worker\n1. Enrol a patient\n2. Patients to call\n3. Visit attended\n4. End reminders\n5. Forget a number");
    // The session drops at the menu: a redial asks for the PIN again, it never resumes.
    CHECK(dial(srv.port(), "w1b", "") == "CON Health worker menu. Your PIN:");
    // A PIN dialled with the code (*384*16*2580*2#) is not read: networks log dial strings.
    CHECK(dial(srv.port(), "w1c", "2580*2") == "CON Health worker menu. Your PIN:");
    CHECK(dial(srv.port(), "w1c", "2580*2*2580") ==
          "CON Health worker\n1. Enrol a patient\n2. Patients to call\n3. Visit attended\n4. End reminders\n5. Forget a number");
    // An aggregator that sends the whole dial string as the code: no flow has it, and the log
    // that says so does not show the PIN in it.
    CHECK(http_call(srv.port(), "POST", "/channels/at/ussd",
                    "sessionId=w1d&serviceCode=*384*16*2580%23&phoneNumber=%2B93700000900&text=&networkCode=41201")
              .status == 200);
    CHECK_THAT(srv.log(), Catch::Contains("\"code\":\"*384*16*…\"") && !Catch::Contains("2580"));
  }
  {
    SQLite::Database db(dir.file("paygham.db"), SQLite::OPEN_READONLY);
    CHECK(db.execAndGet("SELECT COUNT(*) FROM flow_runs WHERE last_input LIKE '%2580%' OR prev_input LIKE '%2580%'"
                        " OR state LIKE '%2580%' OR last_reply LIKE '%2580%'")
              .getInt() == 0);
    CHECK(db.execAndGet("SELECT last_input FROM flow_runs WHERE session_id = 'w1'").getString() == "#*1*0");
  }
  {
    SQLite::Database db(dir.file("paygham.db"), SQLite::OPEN_READONLY);
    const std::string hash = db.execAndGet("SELECT pin_hash FROM users").getString();
    CHECK(hash.rfind("$argon2id$", 0) == 0);
    CHECK(hash.find("2580") == std::string::npos);
  }

  // A lost phone: disabled, it no longer opens the menu; pin gives a new PIN and unlocks.
  REQUIRE(run_paygham({"user", "disable", "--config", config, "--phone", "+93700000900"}, &out, &err) == 0);
  CHECK(out == "user 1 disabled\nnobody else at golshahr has a phone and a PIN for the health-worker menu: their "
               "patients' reminders go on, and a patient asking for a call is told to call the clinic; add a health worker "
               "there (paygham user create --role health_worker --facility golshahr …)\n");
  CHECK(run_paygham({"user", "pin", "--config", config, "--phone", "+93700000999"}, &out, &err, "3691\n") == 1);
  CHECK_THAT(err, Catch::Contains("no user has the phone"));
  server_process srv(config);
  CHECK(dial(srv.port(), "w2", "") == "END This number is not registered as a health worker. Ask your supervisor.");
}

TEST_CASE("user: a health worker who leaves hands her patients to a colleague, and the next one made takes over "
          "what nobody was left to take",
          "[integration][workers]") {
  temp_dir dir;
  const std::string config = write_test_config(dir);
  const auto create = [&](const char* name, const char* phone, std::string* out) {
    return run_paygham({"user", "create", "--config", config, "--name", name, "--role", "health_worker", "--facility",
                        "golshahr", "--phone", phone},
                       out, nullptr, "2580\n");
  };
  std::string out;
  REQUIRE(create("Fatima", "0700 000 900", &out) == 0);
  {
    server_process srv(config);
    REQUIRE(in_worker_menu(srv.port(), "w1", {"1", "0700000111", "1", "1", "4", "2", "1", "1"}).starts_with("END Enrolled"));
  }
  REQUIRE(create("Omid", "0700 000 901", &out) == 0);
  CHECK(out == "user 2 created\n");  // Fatima is still there: nothing to take over
  REQUIRE(run_paygham({"user", "disable", "--config", config, "--phone", "+93700000900"}, &out, nullptr) == 0);
  CHECK(out == "user 1 disabled\ntheir patients go to user 2 (Omid): 1 running reminder, 0 calls to make\n");
  REQUIRE(run_paygham({"user", "disable", "--config", config, "--phone", "+93700000901"}, &out, nullptr) == 0);
  CHECK_THAT(out, Catch::StartsWith("user 2 disabled\nnobody else at golshahr has a phone and a PIN"));
  // Zahra joins the clinic: the patient's reminders are hers now.
  REQUIRE(create("Zahra", "0700 000 902", &out) == 0);
  CHECK(out == "user 3 created\nthey take over what health workers who left had: 1 running reminder, 0 calls to make\n");
  SQLite::Database db(dir.file("paygham.db"), SQLite::OPEN_READONLY);
  CHECK(db.execAndGet("SELECT group_concat(worker_id) FROM series").getString() == "3");
}

TEST_CASE("user: what a health worker does from the menu is in the audit log, with what the patient said of their phone",
          "[integration][workers]") {
  temp_dir dir;
  const std::string config = write_test_config(dir);
  REQUIRE(run_paygham({"user", "create", "--config", config, "--name", "Fatima", "--role", "health_worker",
                       "--facility", "golshahr", "--phone", "0700 000 900"},
                      nullptr, nullptr, "2580\n") == 0);
  {
    server_process srv(config);
    // Enrol: daily medicine at 08:00, in English; nobody else reads the phone, and the patient
    // asked for texts that name the care.
    CHECK(in_worker_menu(srv.port(), "w1", {"1", "0700000111", "1", "1", "4", "2", "1", "1"}) ==
          "END Enrolled +93******111. If they stop answering, you will get an SMS.");
    // The patient writes words of danger: the worker opens the list of patients to call, whose
    // numbers it shows in full (R-D4: audited).
    REQUIRE(http_call(srv.port(), "POST", "/channels/console/sms",
                      "from=%2B93700000111&text=I+am+bleeding+a+lot")
                .status == 200);
    CHECK(in_worker_menu(srv.port(), "w5", {"2"}).starts_with("CON Call them (1 in all):"));
    // End them: care completed.
    CHECK(in_worker_menu(srv.port(), "w2", {"4", "0700000111", "2", "1"}) == "END Ended. Nothing more will be sent.");
    // Another patient enrolled, then forgotten at their wish (R-D6).
    in_worker_menu(srv.port(), "w3", {"1", "0700000112", "1", "1", "4", "2", "1", "1"});
    CHECK(in_worker_menu(srv.port(), "w4", {"5", "0700000112", "1"})
              .starts_with("END Deleted, with their reminders and visits."));
  }
  SQLite::Database db(dir.file("paygham.db"), SQLite::OPEN_READONLY);
  CHECK(db.execAndGet("SELECT COUNT(*) FROM contacts WHERE phone = '+93700000112'").getInt() == 0);
  CHECK(db.execAndGet("SELECT actor || ' ' || detail FROM audit_log WHERE action = 'contacts.erase'").getString() ==
        R"(user:1 {"via":"ussd"})");
  CHECK(db.execAndGet("SELECT COUNT(*) FROM audit_log a JOIN contacts c ON a.target = 'contact:' || c.id"
                      " WHERE a.action = 'contacts.erase' AND c.phone LIKE 'erased:%'")
            .getInt() == 1);
  CHECK(db.execAndGet("SELECT actor || ' ' || target || ' ' || detail FROM audit_log WHERE action "
                      "= 'escalations.read'")
            .getString() == R"(user:1 escalations {"count":1,"via":"ussd"})");
  SQLite::Statement q(db, "SELECT actor, action, target, detail FROM audit_log WHERE action LIKE 'enrolments.%' ORDER BY id");
  REQUIRE(q.executeStep());
  CHECK(q.getColumn(0).getString() == "user:1");
  CHECK(q.getColumn(1).getString() == "enrolments.create");
  CHECK(q.getColumn(2).getString() == "series:1");
  CHECK(q.getColumn(3).getString() ==
        R"({"explicit_texts":true,"kind":"medicine","shared_phone":"no","via":"ussd"})");
  REQUIRE(q.executeStep());
  CHECK(q.getColumn(1).getString() == "enrolments.end");
  // The contact says who recorded what the patient said of their phone: the worker, by USSD.
  CHECK(db.execAndGet("SELECT privacy_recorded_by FROM contacts WHERE phone = '+93700000111'").getString() == "user:1");
  CHECK(q.getColumn(3).getString() == R"({"reason":"done","via":"ussd"})");
  REQUIRE(q.executeStep());
  CHECK(q.getColumn(1).getString() == "enrolments.create");  // the patient then forgotten
  CHECK(q.getColumn(2).getString() == "series:2");
  CHECK_FALSE(q.executeStep());
}
