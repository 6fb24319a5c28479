#include "gateway/store/postgresql/schema.hpp"

#include <array>
#include <string>

#include "gateway/core/clock.hpp"
#include "gateway/store/postgresql/connection.hpp"

namespace paygham::store::postgresql {
namespace {

// Times are unix milliseconds (bigint), as in the SQLite engine, so both read the same.
constexpr std::array<const char*, 50> migrations = {
    // 1: the schema of SQLite's migrations 1–6 in one: contacts, inbound events, flow runs,
    // outbound messages under leases with their history, delivery reports, jobs, the inbox,
    // the nodes sharing the database.
    R"sql(
CREATE TABLE contacts (
  id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  phone       text NOT NULL UNIQUE,          -- E.164
  language    text,                          -- NULL until chosen
  fields      jsonb NOT NULL DEFAULT '{}',   -- set by flows
  opted_out   integer NOT NULL DEFAULT 0,
  created_at  bigint NOT NULL,
  updated_at  bigint NOT NULL
);

CREATE TABLE inbound_events (
  id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  channel_id   text NOT NULL,
  external_id  text NOT NULL,
  kind         text NOT NULL CHECK (kind IN ('sms', 'ussd', 'status')),
  contact_id   bigint REFERENCES contacts(id),
  body         text NOT NULL,
  received_at  bigint NOT NULL,
  UNIQUE (channel_id, external_id)
);

CREATE TABLE flow_runs (
  id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  contact_id  bigint NOT NULL REFERENCES contacts(id),
  channel_id  text NOT NULL,
  medium      text NOT NULL CHECK (medium IN ('ussd', 'sms')),
  session_id  text,
  flow_id     text NOT NULL,
  flow_hash   text NOT NULL,
  status      text NOT NULL CHECK (status IN ('active', 'waiting', 'completed', 'expired', 'failed')),
  state       text NOT NULL,
  last_input  text,
  last_reply  text,
  prev_input  text,
  prev_reply  text,
  created_at  bigint NOT NULL,
  updated_at  bigint NOT NULL
);
CREATE UNIQUE INDEX flow_runs_session ON flow_runs (channel_id, session_id) WHERE session_id IS NOT NULL;
CREATE INDEX flow_runs_waiting ON flow_runs (contact_id) WHERE status = 'waiting';
CREATE INDEX flow_runs_active_ussd ON flow_runs (updated_at) WHERE status = 'active' AND medium = 'ussd';
CREATE INDEX flow_runs_contact_flow ON flow_runs (contact_id, flow_id) WHERE status = 'active';

CREATE TABLE outbound_messages (
  id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  channel_id   text NOT NULL,
  contact_id   bigint REFERENCES contacts(id),
  run_id       bigint REFERENCES flow_runs(id),
  to_phone     text NOT NULL,
  body         text NOT NULL,
  priority     integer NOT NULL,
  status       text NOT NULL CHECK (status IN ('queued', 'sending', 'sent', 'delivered', 'failed',
                 'retrying', 'expired', 'cancelled', 'unconfirmed')),
  attempts     integer NOT NULL DEFAULT 0,
  next_at      bigint NOT NULL,
  external_id  text,
  error        text,
  parts        integer,
  cost         text,
  sent_at      bigint,
  lease_owner  text,
  lease_until  bigint,
  created_at   bigint NOT NULL,
  updated_at   bigint NOT NULL
);
CREATE INDEX outbound_messages_due ON outbound_messages (channel_id, priority, next_at)
  WHERE status IN ('queued', 'retrying');
CREATE INDEX outbound_messages_pending ON outbound_messages (status)
  WHERE status IN ('queued', 'retrying', 'sending');
CREATE UNIQUE INDEX outbound_messages_external ON outbound_messages (channel_id, external_id)
  WHERE external_id IS NOT NULL;
CREATE INDEX outbound_messages_sent ON outbound_messages (channel_id, sent_at) WHERE status = 'sent';
CREATE INDEX outbound_messages_unsent_age ON outbound_messages (channel_id, created_at)
  WHERE status IN ('queued', 'retrying');
CREATE INDEX outbound_messages_sending ON outbound_messages (lease_until) WHERE status = 'sending';
CREATE INDEX outbound_messages_contact ON outbound_messages (contact_id) WHERE status IN ('queued', 'retrying');

CREATE TABLE message_events (
  id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  message_id  bigint NOT NULL REFERENCES outbound_messages(id),
  status      text NOT NULL,
  source      text NOT NULL,
  raw_code    text,
  applied     integer NOT NULL DEFAULT 1,
  at          bigint NOT NULL
);
CREATE INDEX message_events_message ON message_events (message_id);

CREATE TABLE delivery_reports (
  id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  channel_id   text NOT NULL,
  external_id  text NOT NULL,
  reference    text,
  status       text NOT NULL,
  raw_code     text NOT NULL,
  error        text,
  message_id   bigint REFERENCES outbound_messages(id),
  outcome      text NOT NULL CHECK (outcome IN ('applied', 'duplicate', 'confirmed', 'regression', 'waiting')),
  received_at  bigint NOT NULL
);
CREATE INDEX delivery_reports_waiting ON delivery_reports (channel_id, external_id) WHERE outcome = 'waiting';
CREATE INDEX delivery_reports_received ON delivery_reports (received_at);

CREATE TABLE jobs (
  id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  kind        text NOT NULL,
  due_at      bigint NOT NULL,
  payload     text NOT NULL,
  status      text NOT NULL CHECK (status IN ('pending', 'running', 'done', 'cancelled', 'parked')),
  created_at  bigint NOT NULL,
  problem     text
);
CREATE INDEX jobs_due ON jobs (due_at) WHERE status = 'pending';
CREATE INDEX jobs_done ON jobs (due_at) WHERE status = 'done';

CREATE TABLE inbox (
  id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  contact_id  bigint NOT NULL REFERENCES contacts(id),
  run_id      bigint REFERENCES flow_runs(id),
  channel_id  text NOT NULL,
  flow_id     text,
  body        text NOT NULL,
  status      text NOT NULL CHECK (status IN ('new', 'read', 'done')),
  created_at  bigint NOT NULL
);
CREATE INDEX inbox_new ON inbox (created_at) WHERE status = 'new';

CREATE TABLE nodes (
  id          text PRIMARY KEY,
  seen_at     bigint NOT NULL,
  started_at  bigint NOT NULL
);
)sql",
    // 2: a channel paused for every node (SQLite's 7).
    R"sql(
CREATE TABLE channel_pauses (
  channel_id  text PRIMARY KEY,
  paused_until bigint NOT NULL,
  reason      text NOT NULL,
  node        text NOT NULL,
  at          bigint NOT NULL
);
)sql",
    // 3: numbers whose messages keep failing (R-S13; SQLite's 8).
    R"sql(
ALTER TABLE contacts ADD COLUMN failures_in_row integer NOT NULL DEFAULT 0,
                     ADD COLUMN unreachable integer NOT NULL DEFAULT 0;
)sql",
    // 4: programmes (R-S5; SQLite's 9).
    R"sql(
ALTER TABLE outbound_messages ADD COLUMN programme text;
CREATE INDEX outbound_messages_newest ON outbound_messages (contact_id, id);  -- last_programme
CREATE TABLE contact_optouts (
  contact_id  bigint NOT NULL REFERENCES contacts(id),
  programme   text NOT NULL,
  at          bigint NOT NULL,
  PRIMARY KEY (contact_id, programme)
);
)sql",
    // 5: repeated messages (SQLite's 10).
    R"sql(
CREATE TABLE series (
  id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  contact_id   bigint NOT NULL REFERENCES contacts(id),
  channel_id   text NOT NULL,
  programme    text NOT NULL,
  template     text NOT NULL,
  at_minute    integer NOT NULL,
  time_zone    text NOT NULL,
  active       integer NOT NULL DEFAULT 1,
  created_at   bigint NOT NULL,
  updated_at   bigint NOT NULL
);
)sql",
    // 6: anchored series (SQLite's 11).
    R"sql(
ALTER TABLE series ADD COLUMN anchor_day bigint, ADD COLUMN offsets text;
)sql",
    // 7: clinic appointments (SQLite's 12).
    R"sql(
CREATE TABLE bookings (
  id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  contact_id   bigint NOT NULL REFERENCES contacts(id),
  run_id       bigint,
  channel_id   text NOT NULL,
  clinic       text NOT NULL,
  service      text NOT NULL,
  day          bigint NOT NULL,
  window_from  integer NOT NULL,
  window_to    integer NOT NULL,
  starts_at    bigint NOT NULL,
  code         text NOT NULL,
  status       text NOT NULL CHECK (status IN ('held', 'released', 'booked', 'cancelled', 'attended', 'missed')),
  for_whom     text NOT NULL DEFAULT 'self',
  hold_until   bigint NOT NULL DEFAULT 0,
  created_at   bigint NOT NULL,
  updated_at   bigint NOT NULL
);
CREATE UNIQUE INDEX bookings_code ON bookings (clinic, day, code);
CREATE INDEX bookings_slot ON bookings (clinic, service, day, window_from);
CREATE INDEX bookings_contact ON bookings (contact_id, starts_at);
CREATE INDEX bookings_held ON bookings (run_id) WHERE status = 'held';
)sql",
    // 8: subscriptions and broadcasts (SQLite's 13).
    R"sql(
CREATE TABLE subscriptions (
  contact_id  bigint NOT NULL REFERENCES contacts(id),
  topic       text NOT NULL,
  area        text NOT NULL,
  channel_id  text NOT NULL,
  created_at  bigint NOT NULL,
  PRIMARY KEY (contact_id, topic, area)
);
CREATE INDEX subscriptions_area ON subscriptions (topic, area, contact_id);
CREATE INDEX subscriptions_topic ON subscriptions (topic, contact_id);  -- every-area broadcasts
CREATE TABLE broadcasts (
  id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  topic       text NOT NULL,
  area        text NOT NULL,
  template    text NOT NULL,
  priority    integer NOT NULL,
  not_before  bigint NOT NULL,
  done        integer NOT NULL DEFAULT 0,
  cursor      bigint NOT NULL DEFAULT 0,
  audience    bigint NOT NULL,
  queued      bigint NOT NULL DEFAULT 0,
  created_at  bigint NOT NULL,
  updated_at  bigint NOT NULL
);
ALTER TABLE outbound_messages ADD COLUMN broadcast_id bigint REFERENCES broadcasts(id);
CREATE INDEX outbound_messages_broadcast ON outbound_messages (broadcast_id, id) WHERE broadcast_id IS NOT NULL;
)sql",
    // 9: moving subscriptions to a new SIM (SQLite's 14).
    R"sql(
CREATE TABLE transfer_codes (
  code        text PRIMARY KEY,
  contact_id  bigint NOT NULL REFERENCES contacts(id),
  topic       text NOT NULL,
  expires_at  bigint NOT NULL,
  used_at     bigint
);
CREATE TABLE transfer_failures (
  contact_id  bigint NOT NULL REFERENCES contacts(id),
  at          bigint NOT NULL
);
CREATE INDEX transfer_failures_contact ON transfer_failures (contact_id, at);
)sql",
    // 10: health workers, the series they start, escalations (SQLite's 15).
    R"sql(
CREATE TABLE users (
  id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  name          text NOT NULL,
  role          text NOT NULL CHECK (role IN ('admin', 'operator', 'health_worker')),
  facility      text NOT NULL DEFAULT '',
  phone         text UNIQUE,
  pin_hash      text NOT NULL DEFAULT '',
  failed_pins   integer NOT NULL DEFAULT 0,
  locked_until  bigint NOT NULL DEFAULT 0,
  disabled      integer NOT NULL DEFAULT 0,
  created_at    bigint NOT NULL,
  updated_at    bigint NOT NULL
);
ALTER TABLE series ADD COLUMN worker_id bigint REFERENCES users(id), ADD COLUMN flow_id text NOT NULL DEFAULT '',
  ADD COLUMN node text NOT NULL DEFAULT '', ADD COLUMN misses integer NOT NULL DEFAULT 0;
CREATE INDEX series_contact ON series (contact_id, programme) WHERE active = 1;
CREATE TABLE escalations (
  id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  worker_id    bigint NOT NULL REFERENCES users(id),
  contact_id   bigint NOT NULL REFERENCES contacts(id),
  series_id    bigint REFERENCES series(id),
  reason       text NOT NULL,
  misses       integer NOT NULL DEFAULT 0,
  created_at   bigint NOT NULL,
  resolved_at  bigint
);
CREATE INDEX escalations_open ON escalations (worker_id, id) WHERE resolved_at IS NULL;
CREATE UNIQUE INDEX escalations_series_open ON escalations (series_id) WHERE resolved_at IS NULL;
)sql",
    // 11: API tokens and the audit log (SQLite's 16).
    R"sql(
CREATE TABLE api_tokens (
  id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  name        text NOT NULL,
  role        text NOT NULL CHECK (role IN ('admin', 'operator', 'health_worker')),
  facility    text NOT NULL DEFAULT '',
  hash        text NOT NULL UNIQUE,
  created_at  bigint NOT NULL,
  revoked_at  bigint
);
CREATE TABLE audit_log (
  id      bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  at      bigint NOT NULL,
  actor   text NOT NULL,
  action  text NOT NULL,
  target  text NOT NULL,
  detail  text NOT NULL DEFAULT '{}'
);
CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS
  $$ BEGIN RAISE EXCEPTION 'the audit log is append-only'; END $$;
CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
  FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
)sql",
    // 12: suppressions as salted hashes (SQLite's 17).
    R"sql(
CREATE TABLE deployment (
  name   text PRIMARY KEY,
  value  text NOT NULL
);
INSERT INTO deployment (name, value) VALUES ('suppression_salt', md5(random()::text || clock_timestamp()::text));
CREATE TABLE suppressions (
  hash       text NOT NULL,
  programme  text NOT NULL DEFAULT '',
  at         bigint NOT NULL,
  PRIMARY KEY (hash, programme)
);
)sql",
    // 13: console logins and sessions (SQLite's 18).
    R"sql(
ALTER TABLE users ADD COLUMN login text UNIQUE;
ALTER TABLE users ADD COLUMN password_hash text NOT NULL DEFAULT '';
ALTER TABLE users ADD COLUMN failed_logins integer NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN login_locked_until bigint NOT NULL DEFAULT 0;
ALTER TABLE api_tokens ADD COLUMN user_id bigint REFERENCES users(id);
ALTER TABLE api_tokens ADD COLUMN expires_at bigint NOT NULL DEFAULT 0;
CREATE INDEX api_tokens_sessions ON api_tokens (user_id) WHERE user_id IS NOT NULL;
)sql",
    // 14: who works an inbox item (SQLite's 19).
    R"sql(
ALTER TABLE inbox ADD COLUMN assigned_to bigint REFERENCES users(id);
ALTER TABLE inbox ADD COLUMN updated_at bigint NOT NULL DEFAULT 0;
)sql",
    // 15: shared phones, consents, paused reminders (SQLite's 20).
    R"sql(
ALTER TABLE contacts ADD COLUMN shared_phone text NOT NULL DEFAULT 'unknown'
  CHECK (shared_phone IN ('unknown', 'yes', 'no'));
CREATE TABLE consents (
  id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  contact_id   bigint NOT NULL REFERENCES contacts(id),
  programme    text NOT NULL,
  via          text NOT NULL,
  recorded_by  text NOT NULL,
  at           bigint NOT NULL
);
CREATE INDEX consents_contact ON consents (contact_id);
ALTER TABLE series ADD COLUMN paused_until bigint NOT NULL DEFAULT 0;
)sql",
    // 16: who asked for and approved a broadcast, cancelled, expiry (SQLite's 21).
    R"sql(
ALTER TABLE broadcasts ADD COLUMN requested_by text NOT NULL DEFAULT '';
ALTER TABLE broadcasts ADD COLUMN approved_by text NOT NULL DEFAULT 'migrated';
ALTER TABLE broadcasts ADD COLUMN cancelled integer NOT NULL DEFAULT 0;
ALTER TABLE broadcasts ADD COLUMN expires_at bigint NOT NULL DEFAULT 0;
)sql",
    // 17: the series a message belongs to (SQLite's 22).
    R"sql(
ALTER TABLE outbound_messages ADD COLUMN series_id bigint REFERENCES series(id);
CREATE INDEX outbound_messages_series ON outbound_messages (series_id) WHERE series_id IS NOT NULL;
)sql",
    // 18: when a message may no longer go; a person's recent inbox items (SQLite's 23).
    R"sql(
ALTER TABLE outbound_messages ADD COLUMN expires_at bigint NOT NULL DEFAULT 0;
CREATE INDEX inbox_contact ON inbox (contact_id, created_at);
)sql",
    // 19: when a subscription ends unless renewed (SQLite's 24).
    R"sql(
ALTER TABLE subscriptions ADD COLUMN expires_at bigint NOT NULL DEFAULT 0;
)sql",
    // 20: where in the province, as the person wrote it, and the crossing or route (SQLite's 25).
    R"sql(
ALTER TABLE subscriptions ADD COLUMN district text NOT NULL DEFAULT '';
ALTER TABLE subscriptions ADD COLUMN route text NOT NULL DEFAULT '';
)sql",
    // 21: a hazard report's province and the report it may repeat (SQLite's 26).
    R"sql(
ALTER TABLE inbox ADD COLUMN area text NOT NULL DEFAULT '';
ALTER TABLE inbox ADD COLUMN duplicate_of bigint;
CREATE INDEX inbox_area ON inbox (flow_id, area, created_at) WHERE area <> '';
)sql",
    // 22: an operator's duty hours (SQLite's 27).
    R"sql(
ALTER TABLE users ADD COLUMN duty text NOT NULL DEFAULT '';
)sql",
    // 23: texts that name the person's care (SQLite's 28).
    R"sql(
ALTER TABLE contacts ADD COLUMN explicit_texts integer NOT NULL DEFAULT 0,
  ADD CONSTRAINT contacts_explicit_texts CHECK (explicit_texts = 0 OR shared_phone = 'no');
)sql",
    // 24: a health worker's enrolments of the last day (SQLite's 29).
    R"sql(
CREATE INDEX series_worker ON series (worker_id, created_at) WHERE worker_id IS NOT NULL;
)sql",
    // 25: whether the reporter said someone is hurt, out of the text; NULL: not said (SQLite's 30).
    R"sql(
ALTER TABLE inbox ADD COLUMN someone_hurt integer CHECK (someone_hurt IN (0, 1));
UPDATE inbox SET someone_hurt = 1, body = left(body, -7)
 WHERE flow_id = 'mine_safety' AND body LIKE '% / hurt';
UPDATE inbox SET someone_hurt = 0, body = left(body, -14)
 WHERE flow_id = 'mine_safety' AND body LIKE '% / nobody_hurt';
)sql",
    // 26: when the language picker went to the person by SMS (SQLite's 31).
    R"sql(
ALTER TABLE contacts ADD COLUMN language_asked_at bigint NOT NULL DEFAULT 0;
)sql",
    // 27: who recorded what the person said of their phone, and when (SQLite's 32).
    R"sql(
ALTER TABLE contacts ADD COLUMN privacy_recorded_by text;
ALTER TABLE contacts ADD COLUMN privacy_recorded_at bigint;
)sql",
    // 28: free text with the words of someone in danger (SQLite's 33).
    R"sql(
ALTER TABLE inbox ADD COLUMN urgent integer NOT NULL DEFAULT 0 CHECK (urgent IN (0, 1));
)sql",
    // 29: the answer to the day-before reminder (SQLite's 34).
    R"sql(
ALTER TABLE bookings ADD COLUMN reminder_answer text NOT NULL DEFAULT ''
  CHECK (reminder_answer IN ('', 'coming', 'none'));
)sql",
    // 30: a weekly series (SQLite's 35).
    R"sql(
ALTER TABLE series ADD COLUMN weekday integer NOT NULL DEFAULT 0 CHECK (weekday BETWEEN 0 AND 7);
)sql",
    // 31: call priorities, high-risk pregnancies, supervisors (SQLite's 36).
    R"sql(
ALTER TABLE escalations ADD COLUMN priority integer NOT NULL DEFAULT 2 CHECK (priority BETWEEN 0 AND 3);
UPDATE escalations SET priority = 0 WHERE reason = 'urgent';
ALTER TABLE series ADD COLUMN high_risk integer NOT NULL DEFAULT 0 CHECK (high_risk IN (0, 1));
ALTER TABLE users ADD COLUMN supervisor integer NOT NULL DEFAULT 0 CHECK (supervisor IN (0, 1));
ALTER TABLE escalations ADD COLUMN notified_at bigint;
)sql",
    // 32: a person's own sending hours (SQLite's 37).
    R"sql(
ALTER TABLE contacts ADD COLUMN quiet_hours text CHECK (quiet_hours IS NULL OR length(quiet_hours) = 11);
)sql",
    // 33: a high call's second notice (SQLite's 38).
    R"sql(
ALTER TABLE escalations ADD COLUMN overdue_told_at bigint;
)sql",
    // 34: retention: marks, the counts messages leave, a report without its reporter, the
    // indexes of each pass (SQLite's 39).
    R"sql(
CREATE TABLE retention_marks (
  name     text PRIMARY KEY,
  last_id  bigint NOT NULL
);
CREATE TABLE delivery_totals (
  hour        bigint NOT NULL,
  channel_id  text NOT NULL,
  status      text NOT NULL,
  messages    bigint NOT NULL,
  PRIMARY KEY (hour, channel_id, status)
);
CREATE INDEX delivery_reports_message ON delivery_reports (message_id) WHERE message_id IS NOT NULL;
CREATE INDEX inbox_done_words ON inbox (created_at) WHERE status = 'done' AND body <> '';
CREATE INDEX bookings_starts ON bookings (starts_at);
ALTER TABLE inbox ALTER COLUMN contact_id DROP NOT NULL;
CREATE INDEX inbox_reporters ON inbox (created_at) WHERE contact_id IS NOT NULL AND (area <> '' OR someone_hurt IS NOT NULL);
)sql",
    // 35: whether a hazard reporter agreed to a call back, and when a report was done (SQLite's 40).
    R"sql(
ALTER TABLE inbox ADD COLUMN may_call integer CHECK (may_call IN (0, 1));
DROP INDEX inbox_reporters;
CREATE INDEX inbox_reporters ON inbox (created_at)
  WHERE contact_id IS NOT NULL AND (area <> '' OR someone_hurt IS NOT NULL) AND COALESCE(may_call, 0) = 0;
ALTER TABLE inbox ADD COLUMN done_at bigint;
CREATE INDEX inbox_reporters_agreed ON inbox (created_at) WHERE contact_id IS NOT NULL AND may_call = 1;
)sql",
    // 36: a language chosen by SMS whose letters check is unanswered (SQLite's 41).
    R"sql(
ALTER TABLE contacts ADD COLUMN pending_language text;
)sql",
    // 37: when the person was last invited by SMS to finish a flow they left (SQLite's 42).
    R"sql(
ALTER TABLE contacts ADD COLUMN invited_at bigint;
)sql",
    // 38: a broadcast to the subscribers who come by one crossing or route (SQLite's 43).
    R"sql(
ALTER TABLE broadcasts ADD COLUMN route text NOT NULL DEFAULT '';
)sql",
    // 39: the PIN a person chose for the screens that show their visits (R-S12; SQLite's 44).
    R"sql(
ALTER TABLE contacts ADD COLUMN visit_pin text;
ALTER TABLE contacts ADD COLUMN visit_pin_failed integer NOT NULL DEFAULT 0;
ALTER TABLE contacts ADD COLUMN visit_pin_locked_until bigint NOT NULL DEFAULT 0;
)sql",
    // 40: reminders of a medicine refill, every so many days from a first day (R-H1), and
    // when the person last acknowledged a series' reminder (SQLite's 45).
    R"sql(
ALTER TABLE series ADD COLUMN every_days integer NOT NULL DEFAULT 0, ADD COLUMN from_day bigint NOT NULL DEFAULT 0,
  ADD COLUMN answered_at bigint NOT NULL DEFAULT 0;
)sql",
    // 41: a question that waits for the one open on the person's phone to be answered
    // (SQLite's 46).
    R"sql(
ALTER TABLE jobs ADD COLUMN turn_of bigint, ADD COLUMN turn_since bigint;
CREATE INDEX jobs_turn ON jobs (turn_of) WHERE status = 'pending' AND turn_of IS NOT NULL;
)sql",
    // 42: days a clinic closed after its file was written (SQLite's 47).
    R"sql(
CREATE TABLE clinic_closures (
  clinic text NOT NULL,
  day bigint NOT NULL,
  closed_by text NOT NULL,
  closed_at bigint NOT NULL,
  PRIMARY KEY (clinic, day)
);
)sql",
    // 43: alerts to one district (SQLite's 48).
    R"sql(
ALTER TABLE subscriptions ADD COLUMN district_key text NOT NULL DEFAULT '';
ALTER TABLE broadcasts ADD COLUMN district text NOT NULL DEFAULT '', ADD COLUMN unknown_district integer NOT NULL DEFAULT 1;
CREATE INDEX subscriptions_district ON subscriptions (area, district);
)sql",
    // 44: the district a hazard report's place names (SQLite's 49).
    R"sql(
ALTER TABLE inbox ADD COLUMN district text NOT NULL DEFAULT '';
)sql",
    // 45: a clinic's week as reception changed it (SQLite's 50).
    R"sql(
CREATE TABLE clinic_hours (
  clinic text PRIMARY KEY,
  week text NOT NULL,
  changed_by text NOT NULL,
  changed_at bigint NOT NULL
);
)sql",
    // 46: the unconfirmed in the order they were sent, as the sent are, for polling to ask
    // about both in turns (SQLite's 51; the index of what waits was partial here from the start).
    R"sql(
CREATE INDEX outbound_messages_unconfirmed ON outbound_messages (channel_id, sent_at) WHERE status = 'unconfirmed';
)sql",
    // 47: the other numbers a person writes from (SQLite's 52).
    R"sql(
CREATE TABLE contact_numbers (
  phone text PRIMARY KEY,
  contact_id bigint NOT NULL REFERENCES contacts(id),
  added_at bigint NOT NULL
);
CREATE INDEX contact_numbers_contact ON contact_numbers (contact_id);
)sql",
    // 48: the number an inbox item came from, when not the main one (SQLite's 53).
    R"sql(
ALTER TABLE inbox ADD COLUMN from_phone text;
)sql",
    // 49: a transfer code kept only as its salted hash (SQLite's 54; store::transfer_code_hash).
    R"sql(
ALTER TABLE transfer_codes RENAME COLUMN code TO code_hash;
UPDATE transfer_codes SET code_hash = encode(sha256(convert_to(
  (SELECT value FROM deployment WHERE name = 'suppression_salt') || 'transfer:' || code_hash, 'UTF8')), 'hex');
)sql",
    // 50: when the health worker was told of a call by SMS (SQLite's 55).
    R"sql(
ALTER TABLE escalations ADD COLUMN told_at bigint;
)sql",
};

// Any constant shared by every node: pg_advisory_lock(key) makes them migrate one at a time.
constexpr const char* lock_sql = "SELECT pg_advisory_lock(727001)";
constexpr const char* unlock_sql = "SELECT pg_advisory_unlock(727001)";

}  // namespace

int latest_version() { return static_cast<int>(migrations.size()); }

int migrate(connection& c, int target) {
  if (target < 0) target = latest_version();
  c.exec(lock_sql);
  try {
    c.exec(
        "CREATE TABLE IF NOT EXISTS schema_migrations ("
        " version integer PRIMARY KEY, applied_at bigint NOT NULL)");
    int version = static_cast<int>(
        c.query("SELECT COALESCE(MAX(version), 0) FROM schema_migrations").int64(0, 0));
    if (version > latest_version()) {
      throw std::runtime_error("database schema version " + std::to_string(version) +
                               " is newer than this build knows (" + std::to_string(latest_version()) +
                               "); use a newer paygham");
    }
    for (int v = version + 1; v <= target; ++v) {
      c.exec("BEGIN");
      try {
        c.exec(migrations[static_cast<std::size_t>(v - 1)]);
        c.query("INSERT INTO schema_migrations (version, applied_at) VALUES ($1, $2)",
                {v, static_cast<std::int64_t>(core::now_ms())});
        c.exec("COMMIT");
      } catch (...) {
        c.exec("ROLLBACK");
        throw;
      }
      version = v;
    }
    c.exec(unlock_sql);
    return version;
  } catch (...) {
    if (c.ok()) c.exec(unlock_sql);
    throw;
  }
}

}  // namespace paygham::store::postgresql
