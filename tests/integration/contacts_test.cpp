// `paygham contacts import` as an operator runs it on a partner's spreadsheet: good lines in,
// bad lines listed by number with the reason, nobody opted back in, a dry run changing
// nothing, and a second run or a resumed one changing nothing either.
#include <SQLiteCpp/SQLiteCpp.h>

#include <catch2/catch.hpp>

#include "tests/support/support.hpp"

using namespace paygham::test;

TEST_CASE("contacts: an import takes fixed-line numbers but names their lines (R-L6), and only known month names (R-L3)",
          "[integration][contacts]") {
  temp_dir dir;
  const std::string config = write_test_config(dir);
  write_file(dir.file("people.csv"),
             "phone,language,months\n"
             "+93700000201,prs,iranian\n"
             "020 210 1234,prs,\n"       // line 3: a Kabul landline
             "+98 21 8888 1234,fa,\n"    // line 4: a Tehran one
             "0700 000 202,ps,\n"
             "020 210 1235,prs,Solar\n"); // line 6: no such month names: bad, so not listed as a landline
  std::string out, err;
  CHECK(run_paygham({"contacts", "import", "--config", config, dir.file("people.csv")}, &out, &err) == 1);
  CHECK(out == "imported 4 people (4 new); 1 bad line\n");
  CHECK_THAT(err, Catch::Contains("people.csv: warning: 2 numbers are not mobiles") &&
                      Catch::Contains("(line 3, line 4)"));
  CHECK_THAT(err, Catch::Contains("line 6: months 'Solar' is iranian, afghan, or empty"));
  CHECK(scalar(dir, "SELECT COUNT(*) FROM contacts") == "4");
  CHECK(scalar(dir, "SELECT json_extract(fields, '$.months') FROM contacts WHERE phone = '+93700000201'") == "iranian");
}

TEST_CASE("contacts: an import takes the languages a person reads after their own, known ones in order (R-L2)",
          "[integration][contacts]") {
  temp_dir dir;
  const std::string config = write_test_config(dir);
  write_file(dir.file("people.csv"),
             "phone,language,languages\n"
             "+93700000211,ps,\"fa,en\"\n"
             "+93700000212,ps,\"FA, en\"\n"
             "+93700000213,ps,uz\n"          // line 4: no texts in Uzbek
             "+93700000214,ps,\"fa,en,prs\"\n"  // line 5: three
             "+93700000215,ps,\n");
  std::string out, err;
  CHECK(run_paygham({"contacts", "import", "--config", config, dir.file("people.csv")}, &out, &err) == 1);
  CHECK(out == "imported 3 people (3 new); 2 bad lines\n");
  CHECK_THAT(err, Catch::Contains("line 4: languages 'uz' is at most 2 languages with texts, in order, such as fa,en"));
  CHECK_THAT(err, Catch::Contains("line 5: languages 'fa,en,prs'"));
  CHECK(scalar(dir, "SELECT json_extract(fields, '$.languages') FROM contacts WHERE phone = '+93700000211'") == "fa,en");
  CHECK(scalar(dir, "SELECT json_extract(fields, '$.languages') FROM contacts WHERE phone = '+93700000212'") == "fa,en");
  CHECK(scalar(dir, "SELECT COALESCE(json_extract(fields, '$.languages'), 'none') FROM contacts"
                    " WHERE phone = '+93700000215'") == "none");
}

TEST_CASE("contacts: an import subscribes people with the crossing they come by (R-M1), names as flows give them",
          "[integration][contacts]") {
  temp_dir dir;
  const std::string config = write_test_config(dir);
  write_file(dir.file("people.csv"),
             "phone,topic,area,route\n"
             "+93700000211,mine_safety,herat,islam_qala\n"
             "+93700000212,mine_safety,herat,\n"
             "+93700000213,mine_safety,herat,Islam Qala\n"  // line 4: not a menu's value
             "+93700000214,mine_safety,heratt,\n"           // line 5: a typo of an area
             "+93700000215,mine_safty,herat,\n"             // line 6: of the topic
             "+93700000216,mine_safety,herat,torkam\n");    // line 7: of a route
  std::string out, err;
  CHECK(run_paygham({"contacts", "import", "--config", config, dir.file("people.csv")}, &out, &err) == 1);
  CHECK(out == "imported 2 people (2 new); 4 bad lines\n");
  CHECK_THAT(err, Catch::Contains("line 4: route 'Islam Qala' is not a name a flow gives"));
  CHECK_THAT(err, Catch::Contains(
                      "line 5: 'heratt' is not an area of mine_safety (did you mean 'herat'?)"));
  CHECK_THAT(
      err, Catch::Contains(
               "line 6: no flow subscribes people to 'mine_safty' (did you mean 'mine_safety'?)"));
  CHECK_THAT(err, Catch::Contains(
                      "line 7: 'torkam' is not a route of mine_safety (did you mean 'torkham'?)"));
  CHECK(scalar(dir, "SELECT route FROM subscriptions s JOIN contacts c ON c.id = s.contact_id"
                    " WHERE c.phone = '+93700000211'") == "islam_qala");
  // The import's subscribers are reached by a broadcast for their crossing.
  CHECK(run_paygham({"broadcast", "--config", config, "--topic", "mine_safety", "--route", "islam_qala", "--text",
                     "mine_safety.alert_floods"},
                    &out, &err) == 0);
  CHECK_THAT(out, Catch::StartsWith("broadcast 1: 1 person subscribed to mine_safety (every area) who comes by islam_qala"));
  CHECK(run_paygham({"broadcast", "--config", config, "--topic", "mine_safety", "--route", "Islam Qala", "--text",
                     "mine_safety.alert_floods"},
                    &out, &err) == 2);
  CHECK_THAT(err, Catch::Contains("--route is a value of the flow's route menu"));
}

TEST_CASE("contacts: an import keeps the district in the partner's words, read by the districts file (R-M1)",
          "[integration][contacts]") {
  temp_dir dir;
  const std::string config = write_test_config(dir);
  write_file(dir.file("people.csv"),
             "phone,topic,area,district\n"
             "+93700000221,mine_safety,herat,انجیل\n"
             "+93700000222,mine_safety,herat,Enjil\n"
             "+93700000223,mine_safety,herat,behind  the old   mosque \n"  // kept as a flow keeps words
             "+93700000224,mine_safety,,Injil\n");  // line 5: which area's Injil?
  std::string out, err;
  CHECK(run_paygham({"contacts", "import", "--config", config, dir.file("people.csv")}, &out, &err) == 1);
  CHECK(out == "imported 3 people (3 new); 1 bad line\n");
  CHECK_THAT(err, Catch::Contains("line 5: district 'Injil' without an area"));
  CHECK(scalar(dir, "SELECT group_concat(district || '=' || district_key, ';') FROM (SELECT district, district_key"
                    " FROM subscriptions ORDER BY contact_id)") == "انجیل=injil;Enjil=injil;behind the old mosque=");
  CHECK(run_paygham({"broadcast", "--config", config, "--topic", "mine_safety", "--area", "herat", "--district", "injil",
                     "--district-known-only", "--text", "mine_safety.alert_floods"},
                    &out, &err) == 0);
  CHECK_THAT(out, Catch::StartsWith("broadcast 1: 2 people subscribed to mine_safety in herat, district injil;"));
  // A header that names a district without its area is refused before any line is read.
  write_file(dir.file("no_area.csv"), "phone,topic,district\n+93700000225,mine_safety,Injil\n");
  CHECK(run_paygham({"contacts", "import", "--config", config, dir.file("no_area.csv")}, &out, &err) == 1);
  CHECK_THAT(err, Catch::Contains("a 'district' column needs an 'area' column"));
}

TEST_CASE("contacts: an import takes the good lines, lists the bad ones by number, and opts nobody in",
          "[integration][contacts]") {
  temp_dir dir;
  const std::string config = write_test_config(dir);
  REQUIRE(run_paygham({"migrate", "--config", config}) == 0);
  {
    // Someone who stopped everything before the list came.
    SQLite::Database db(dir.file("paygham.db"), SQLite::OPEN_READWRITE);
    db.exec("INSERT INTO contacts (phone, opted_out, created_at, updated_at) VALUES ('+93700000103', 1, 0, 0)");
  }
  std::string csv = "\xEF\xBB\xBFphone,language,topic,area,name\n";
  csv += "+93700000101,prs,mine_safety,herat,Gul\n";
  csv += "0700 000 102,ps,mine_safety,herat,\"Ahmad, son of Karim\"\n";
  csv += "+93700000103,fa,mine_safety,kabul,Mina\n";
  csv += "۰۷۰۰۰۰۰۱۰۴,,,,\n";                                 // Persian digits, nothing else
  csv += "12345,prs,mine_safety,herat,Bad phone\n";           // line 6
  csv += "+93700000106,klingon,mine_safety,herat,Bad language\n";  // line 7
  csv += "+93700000107,prs,mine_safety\n";                     // line 8: too few fields
  csv += "+93700000108,prs,mine_safety,herat,\"open quote\n";  // line 9
  csv += "+93700000109,prs,mine_safety,herat,\xff\xfe\n";      // line 10
  csv += "\n";
  csv += "+93700000101,prs,mine_safety,herat,Gul\n";           // again: nothing new
  write_file(dir.file("people.csv"), csv);

  std::string out, err;
  const std::vector<std::string> import = {"contacts", "import", "--config", config, dir.file("people.csv")};
  auto dry = import;
  dry.insert(dry.begin() + 2, "--dry-run");
  CHECK(run_paygham(dry, &out, &err) == 1);
  CHECK(out == "would import 5 people; 5 bad lines\n");
  CHECK(scalar(dir, "SELECT COUNT(*) FROM contacts") == "1");

  CHECK(run_paygham(import, &out, &err) == 1);
  CHECK(out == "imported 5 people (3 new); 5 bad lines\n");
  CHECK_THAT(err, Catch::Contains("people.csv: line 6: phone '12345': "));
  CHECK_THAT(err, Catch::Contains("line 7: language 'klingon' has no texts (en, fa, prs, ps)"));
  CHECK_THAT(err, Catch::Contains("line 8: 3 fields where the first line names 5"));
  CHECK_THAT(err, Catch::Contains("line 9: a quoted field is not closed on its line"));
  CHECK_THAT(err, Catch::Contains("line 10: not UTF-8 text"));
  CHECK_THAT(err, Catch::Contains("imported 5 of 5 (100%), to line 12"));
  CHECK(scalar(dir, "SELECT COUNT(*) FROM contacts") == "4");
  CHECK(scalar(dir, "SELECT json_extract(fields, '$.name') FROM contacts WHERE phone = '+93700000102'") ==
        "Ahmad, son of Karim");
  CHECK(scalar(dir, "SELECT language FROM contacts WHERE phone = '+93700000101'") == "prs");
  CHECK(scalar(dir, "SELECT COUNT(*) FROM contacts WHERE phone = '+93700000104'") == "1");
  CHECK(scalar(dir, "SELECT COUNT(*) FROM subscriptions WHERE topic = 'mine_safety'") == "3");
  // The person who had stopped is still stopped, though the list subscribes them.
  CHECK(scalar(dir, "SELECT opted_out FROM contacts WHERE phone = '+93700000103'") == "1");
  CHECK(scalar(dir, "SELECT COUNT(*) FROM audit_log WHERE action = 'contacts.import'") == "1");

  // Run again, or resumed from a line: nothing new.
  CHECK(run_paygham(import, &out, &err) == 1);
  CHECK(out == "imported 5 people (0 new); 5 bad lines\n");
  auto resumed = import;
  resumed.insert(resumed.begin() + 2, {"--from-line", "11"});
  CHECK(run_paygham(resumed, &out, &err) == 0);
  CHECK(out == "imported 1 person (0 new); 0 bad lines\n");
  CHECK(scalar(dir, "SELECT COUNT(*) FROM contacts") == "4");

  // What cannot be read at all is refused before anything is written.
  write_file(dir.file("no_phone.csv"), "number,language\n+93700000101,prs\n");
  CHECK(run_paygham({"contacts", "import", "--config", config, dir.file("no_phone.csv")}, &out, &err) == 1);
  CHECK_THAT(err, Catch::Contains("line 1: no 'phone' column"));
  // A column the config does not keep on a person (R-D2) is refused, naming it, before any line.
  write_file(dir.file("too_much.csv"), "phone,language,ethnicity\n+93700000188,prs,x\n");
  CHECK(run_paygham({"contacts", "import", "--config", config, dir.file("too_much.csv")}, &out, &err) == 1);
  CHECK_THAT(err, Catch::Contains("line 1: the column 'ethnicity' is not a field Paygham keeps on a person"));
  CHECK(scalar(dir, "SELECT COUNT(*) FROM contacts WHERE phone = '+93700000188'") == "0");
  // A name as the API takes one: a mark that reorders right-to-left text could hide another name.
  write_file(dir.file("names.csv"), "phone,name\n+93700000189,Sima\n+93700000190,\xE2\x80\xAE" "amiS\n");
  CHECK(run_paygham({"contacts", "import", "--config", config, dir.file("names.csv")}, &out, &err) == 1);
  CHECK(out == "imported 1 person (1 new); 1 bad line\n");
  CHECK_THAT(err, Catch::Contains("line 3: name is more than 100 letters, or has a control or direction character"));
  CHECK(scalar(dir, "SELECT COUNT(*) FROM contacts WHERE phone = '+93700000190'") == "0");
  CHECK(run_paygham({"contacts", "import", "--config", config}, &out, &err) == 2);
  CHECK_THAT(err, Catch::Contains("name the CSV file to import"));
}

TEST_CASE("report: deliveries of a period by channel and state, or as CSV rows with numbers masked",
          "[integration][contacts]") {
  temp_dir dir;
  const std::string config = write_test_config(dir);
  REQUIRE(run_paygham({"migrate", "--config", config}) == 0);
  {
    SQLite::Database db(dir.file("paygham.db"), SQLite::OPEN_READWRITE);
    db.exec("INSERT INTO contacts (id, phone, created_at, updated_at) VALUES (1, '+93700000101', 0, 0)");
    const std::string day = "1796083200000";  // 2026-12-01T00:00:00Z
    for (int i = 0; i < 6; ++i) {
      const std::string status = i < 3 ? "delivered" : i < 5 ? "failed" : "queued";
      const std::string error = i < 3 ? "" : i < 5 ? "absent subscriber +93700000101" : "";
      db.exec("INSERT INTO outbound_messages (channel_id, contact_id, to_phone, body, priority, status, error, created_at,"
              " updated_at, next_at) VALUES ('at', 1, '+93700000101', 'x', 2, '" + status + "', '" + error + "', " + day +
              " + " + std::to_string(i * 1000) + ", " + day + ", 0)");
    }
    db.exec("INSERT INTO outbound_messages (channel_id, contact_id, to_phone, body, priority, status, created_at,"
            " updated_at, next_at) VALUES ('at', 1, '+93700000101', 'old', 2, 'delivered', 1000, 1000, 0)");
  }
  std::string out, err;
  REQUIRE(run_paygham({"report", "deliveries", "--config", config, "--since", "2026-12-01", "--until", "2026-12-02"},
                      &out, &err) == 0);
  INFO(out << err);
  CHECK_THAT(out, Catch::Contains("messages created 2026-12-01T00:00:00.000Z to 2026-12-02T00:00:00.000Z: 6"));
  CHECK_THAT(out, Catch::Contains("channel at\n  delivered\t3\n  failed\t2\n  queued\t1\n"));
  CHECK_THAT(out, Catch::Contains("2\tabsent subscriber +93"));
  CHECK(out.find("+93700000101") == std::string::npos);
  REQUIRE(run_paygham({"report", "deliveries", "--config", config, "--since", "2026-12-01", "--until", "2026-12-02",
                       "--format", "csv"},
                      &out, &err) == 0);
  CHECK_THAT(out, Catch::StartsWith("id,created_at,updated_at,channel,programme,priority,status,error,broadcast,to\n"));
  CHECK(std::count(out.begin(), out.end(), '\n') == 7);
  CHECK(out.find("+93700000101") == std::string::npos);
  CHECK_THAT(out, Catch::Contains(",at,,2,failed,absent subscriber +93"));
  CHECK_THAT(out, Catch::Contains(",,+93******101\n"));
  // The export is in the audit log, with its period; the counts by state are not (they name
  // nobody).
  CHECK(scalar(dir,
               "SELECT group_concat(actor || ' ' || target || ' ' || detail) FROM audit_log "
               "WHERE action = 'messages.export'") ==
        R"(cli messages {"since":"2026-12-01T00:00:00.000Z","until":"2026-12-02T00:00:00.000Z"})");
  CHECK(run_paygham({"report", "deliveries", "--config", config, "--since", "tomorrow"}, &out, &err) == 2);
  CHECK(run_paygham({"report", "deliveries", "--config", config, "--format", "xml"}, &out, &err) == 2);
}

TEST_CASE("inbox: an operator at a terminal lists what people wrote and closes an item", "[integration][contacts]") {
  temp_dir dir;
  const std::string config = write_test_config(dir);
  {
    server_process srv(config);
    REQUIRE(http_call(srv.port(), "POST", "/channels/console/sms", "from=%2B93700000141&text=Is+the+clinic+open%3F&id=i1")
                .status == 200);
    REQUIRE(http_call(srv.port(), "POST", "/channels/console/sms",
                      "from=%2B93700000142&text=my+son+is+bleeding&id=i2")
                .status == 200);
  }
  std::string out, err;
  REQUIRE(run_paygham({"inbox", "--config", config}, &out, &err) == 0);
  CHECK_THAT(out, Catch::StartsWith("2\t"));  // newest first
  CHECK_THAT(out, Catch::Contains("\t+93******141\t-\t-\tnew\tIs the clinic open?\n"));
  // The words of someone in danger stand out, as in the console.
  CHECK_THAT(out, Catch::Contains("\t+93******142\t-\tURGENT\tnew\tmy son is bleeding\n"));
  REQUIRE(run_paygham({"inbox", "done", "--config", config, "--id", "1"}, &out, &err) == 0);
  CHECK(out == "item 1 done\n");
  REQUIRE(run_paygham({"inbox", "--config", config}, &out, &err) == 0);
  CHECK_THAT(out, Catch::StartsWith("2\t") && !Catch::Contains("Is the clinic open?"));
  REQUIRE(run_paygham({"inbox", "done", "--config", config, "--id", "2"}, &out, &err) == 0);
  REQUIRE(run_paygham({"inbox", "--config", config}, &out, &err) == 0);
  CHECK(out.empty());
  CHECK_THAT(err, Catch::Contains("nothing in the inbox"));
  REQUIRE(run_paygham({"inbox", "--config", config, "--status", "done"}, &out, &err) == 0);
  CHECK_THAT(out, Catch::Contains("\tdone\tIs the clinic open?"));
  CHECK(run_paygham({"inbox", "done", "--config", config, "--id", "7"}, &out, &err) == 1);
  CHECK(run_paygham({"inbox", "--config", config, "--status", "old"}, &out, &err) == 2);
  // Each listing is in the audit log (people's own words were read), the refused one not.
  CHECK(
      scalar(dir, "SELECT group_concat(detail, ' ') FROM audit_log WHERE action = 'inbox.read'") ==
      R"({"count":2,"query":{"flow":"","status":"new"}} {"count":1,"query":{"flow":"","status":"new"}} )"
      R"({"count":0,"query":{"flow":"","status":"new"}} {"count":2,"query":{"flow":"","status":"done"}})");
}
