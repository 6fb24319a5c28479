// Numbered, append-only migrations. A migration that has landed is never edited: add a new one.
#include <SQLiteCpp/SQLiteCpp.h>
#include <sqlite3.h>

#include <array>
#include <string>

#include "gateway/core/clock.hpp"
#include "gateway/store/rules.hpp"
#include "gateway/store/sqlite/database.hpp"

namespace paygham::store::sqlite {
namespace {

constexpr std::array<const char*, 55> migrations = {
    // 1: contacts, inbound events, flow runs, outbound messages with their history, jobs.
    R"sql(
CREATE TABLE contacts (
  id          INTEGER PRIMARY KEY,
  phone       TEXT NOT NULL UNIQUE,          -- E.164
  language    TEXT,                          -- NULL until chosen; falls back to the default
  created_at  INTEGER NOT NULL,
  updated_at  INTEGER NOT NULL
);

CREATE TABLE inbound_events (
  id           INTEGER PRIMARY KEY,
  channel_id   TEXT NOT NULL,
  external_id  TEXT NOT NULL,
  kind         TEXT NOT NULL CHECK (kind IN ('sms', 'ussd', 'status')),
  contact_id   INTEGER REFERENCES contacts(id),
  body         TEXT NOT NULL,
  received_at  INTEGER NOT NULL,
  UNIQUE (channel_id, external_id)
);

CREATE TABLE flow_runs (
  id          INTEGER PRIMARY KEY,
  contact_id  INTEGER NOT NULL REFERENCES contacts(id),
  channel_id  TEXT NOT NULL,
  medium      TEXT NOT NULL CHECK (medium IN ('ussd', 'sms')),
  session_id  TEXT,                          -- the aggregator's USSD session id
  flow_id     TEXT NOT NULL,
  flow_hash   TEXT NOT NULL,                 -- the flow version the run is pinned to
  status      TEXT NOT NULL CHECK (status IN ('active', 'waiting', 'completed', 'expired', 'failed')),
  state       TEXT NOT NULL,                 -- engine state, JSON
  last_input  TEXT,                          -- USSD: the input of the last hop, to answer retries
  last_reply  TEXT,                          -- USSD: the screen sent for it
  created_at  INTEGER NOT NULL,
  updated_at  INTEGER NOT NULL
);
CREATE UNIQUE INDEX flow_runs_session ON flow_runs (channel_id, session_id)
  WHERE session_id IS NOT NULL;
CREATE INDEX flow_runs_waiting ON flow_runs (contact_id) WHERE status = 'waiting';

CREATE TABLE outbound_messages (
  id           INTEGER PRIMARY KEY,
  channel_id   TEXT NOT NULL,
  contact_id   INTEGER REFERENCES contacts(id),
  run_id       INTEGER REFERENCES flow_runs(id),
  to_phone     TEXT NOT NULL,
  body         TEXT NOT NULL,
  priority     INTEGER NOT NULL,             -- 0 alert, 1 reminder, 2 reply, 3 bulk
  status       TEXT NOT NULL CHECK (status IN ('queued', 'sending', 'sent', 'delivered', 'failed',
                 'retrying', 'expired', 'cancelled', 'unconfirmed')),
  attempts     INTEGER NOT NULL DEFAULT 0,
  next_at      INTEGER NOT NULL,             -- when it may next be claimed
  external_id  TEXT,                         -- the aggregator's message id
  error        TEXT,
  created_at   INTEGER NOT NULL,
  updated_at   INTEGER NOT NULL
);
CREATE INDEX outbound_messages_due ON outbound_messages (priority, next_at)
  WHERE status IN ('queued', 'retrying');
CREATE INDEX outbound_messages_pending ON outbound_messages (status)
  WHERE status IN ('queued', 'retrying', 'sending');

CREATE TABLE message_events (
  id          INTEGER PRIMARY KEY,
  message_id  INTEGER NOT NULL REFERENCES outbound_messages(id),
  status      TEXT NOT NULL,
  source      TEXT NOT NULL,                 -- 'runner', 'outbox', 'report', …
  raw_code    TEXT,                          -- the aggregator's own code, as received
  at          INTEGER NOT NULL
);
CREATE INDEX message_events_message ON message_events (message_id);

CREATE TABLE jobs (
  id          INTEGER PRIMARY KEY,
  kind        TEXT NOT NULL,
  due_at      INTEGER NOT NULL,
  payload     TEXT NOT NULL,
  status      TEXT NOT NULL CHECK (status IN ('pending', 'running', 'done', 'cancelled')),
  created_at  INTEGER NOT NULL
);
CREATE INDEX jobs_due ON jobs (due_at) WHERE status = 'pending';
)sql",
    // 2: contact fields and opt-out, the human inbox, indexes for resuming and dropped sessions.
    R"sql(
ALTER TABLE contacts ADD COLUMN fields TEXT NOT NULL DEFAULT '{}';  -- JSON, set by flows
ALTER TABLE contacts ADD COLUMN opted_out INTEGER NOT NULL DEFAULT 0;

CREATE TABLE inbox (
  id          INTEGER PRIMARY KEY,
  contact_id  INTEGER NOT NULL REFERENCES contacts(id),
  run_id      INTEGER REFERENCES flow_runs(id),
  channel_id  TEXT NOT NULL,
  flow_id     TEXT,                          -- NULL: no flow claimed it
  body        TEXT NOT NULL,
  status      TEXT NOT NULL CHECK (status IN ('new', 'read', 'done')),
  created_at  INTEGER NOT NULL
);
CREATE INDEX inbox_new ON inbox (created_at) WHERE status = 'new';

CREATE INDEX flow_runs_active_ussd ON flow_runs (updated_at)
  WHERE status = 'active' AND medium = 'ussd';
CREATE INDEX flow_runs_contact_flow ON flow_runs (contact_id, flow_id) WHERE status = 'active';
)sql",
    // 3: sending through aggregators: parts, cost and times per message, events that were
    // recorded but not applied (a regression), and every delivery report as received.
    R"sql(
ALTER TABLE outbound_messages ADD COLUMN parts INTEGER;       -- as the aggregator reported
ALTER TABLE outbound_messages ADD COLUMN cost TEXT;           -- as the aggregator reported
ALTER TABLE outbound_messages ADD COLUMN sent_at INTEGER;     -- when the aggregator accepted it
CREATE UNIQUE INDEX outbound_messages_external ON outbound_messages (channel_id, external_id)
  WHERE external_id IS NOT NULL;
-- Claims take a channel's due messages in priority order, straight from the index.
DROP INDEX outbound_messages_due;
CREATE INDEX outbound_messages_due ON outbound_messages (channel_id, priority, next_at)
  WHERE status IN ('queued', 'retrying');
CREATE INDEX outbound_messages_sent ON outbound_messages (channel_id, sent_at) WHERE status = 'sent';
CREATE INDEX outbound_messages_unsent_age ON outbound_messages (channel_id, created_at)
  WHERE status IN ('queued', 'retrying');
ALTER TABLE message_events ADD COLUMN applied INTEGER NOT NULL DEFAULT 1;  -- 0: recorded only

CREATE TABLE delivery_reports (
  id           INTEGER PRIMARY KEY,
  channel_id   TEXT NOT NULL,
  external_id  TEXT NOT NULL,
  reference    TEXT,
  status       TEXT NOT NULL,
  raw_code     TEXT NOT NULL,
  error        TEXT,
  message_id   INTEGER REFERENCES outbound_messages(id),  -- NULL: no message known yet
  outcome      TEXT NOT NULL CHECK (outcome IN ('applied', 'duplicate', 'regression', 'waiting')),
  received_at  INTEGER NOT NULL
);
CREATE INDEX delivery_reports_waiting ON delivery_reports (channel_id, external_id)
  WHERE outcome = 'waiting';
)sql",
    // 4: the hop before the last one, with its answer, so that hop sent again after a newer
    // one gets its own screen instead of stepping the run (a retry is never a new answer).
    R"sql(
ALTER TABLE flow_runs ADD COLUMN prev_input TEXT;
ALTER TABLE flow_runs ADD COLUMN prev_reply TEXT;
)sql",
    // 5: a report of the state a message is already in, seen for the first time (Africa's
    // Talking's "Sent" after the send reply), is 'confirmed', not a 'duplicate'. SQLite cannot
    // change a CHECK in place: the table is rebuilt.
    R"sql(
CREATE TABLE delivery_reports_v5 (
  id           INTEGER PRIMARY KEY,
  channel_id   TEXT NOT NULL,
  external_id  TEXT NOT NULL,
  reference    TEXT,
  status       TEXT NOT NULL,
  raw_code     TEXT NOT NULL,
  error        TEXT,
  message_id   INTEGER REFERENCES outbound_messages(id),
  outcome      TEXT NOT NULL CHECK (outcome IN ('applied', 'duplicate', 'confirmed', 'regression', 'waiting')),
  received_at  INTEGER NOT NULL
);
INSERT INTO delivery_reports_v5 SELECT id, channel_id, external_id, reference, status, raw_code, error,
  message_id, outcome, received_at FROM delivery_reports;
DROP TABLE delivery_reports;
ALTER TABLE delivery_reports_v5 RENAME TO delivery_reports;
CREATE INDEX delivery_reports_waiting ON delivery_reports (channel_id, external_id)
  WHERE outcome = 'waiting';
)sql",
    // 6: leases on claimed messages (the node that claimed one, and until when), the nodes
    // sharing the store, parked jobs (kept when no handler knows them), and indexes for
    // pruning. The jobs table is rebuilt for its new CHECK.
    R"sql(
ALTER TABLE outbound_messages ADD COLUMN lease_owner TEXT;     -- the node sending it
ALTER TABLE outbound_messages ADD COLUMN lease_until INTEGER;  -- another node may re-queue it after
CREATE INDEX outbound_messages_sending ON outbound_messages (lease_until) WHERE status = 'sending';

CREATE TABLE nodes (
  id          TEXT PRIMARY KEY,
  seen_at     INTEGER NOT NULL,              -- its last heartbeat
  started_at  INTEGER NOT NULL
);

CREATE TABLE jobs_v6 (
  id          INTEGER PRIMARY KEY,
  kind        TEXT NOT NULL,
  due_at      INTEGER NOT NULL,
  payload     TEXT NOT NULL,
  status      TEXT NOT NULL CHECK (status IN ('pending', 'running', 'done', 'cancelled', 'parked')),
  created_at  INTEGER NOT NULL,
  problem     TEXT                           -- parked: why no handler could apply it
);
INSERT INTO jobs_v6 (id, kind, due_at, payload, status, created_at)
  SELECT id, kind, due_at, payload, status, created_at FROM jobs;
DROP TABLE jobs;
ALTER TABLE jobs_v6 RENAME TO jobs;
CREATE INDEX jobs_due ON jobs (due_at) WHERE status = 'pending';
CREATE INDEX jobs_done ON jobs (due_at) WHERE status = 'done';
CREATE INDEX delivery_reports_received ON delivery_reports (received_at);
)sql",
    // 7: a channel paused for every node (its aggregator unreachable, credentials refused).
    R"sql(
CREATE TABLE channel_pauses (
  channel_id  TEXT PRIMARY KEY,
  paused_until INTEGER NOT NULL,             -- no node sends on it before this
  reason      TEXT NOT NULL,                 -- 'unreachable' or 'misconfigured'
  node        TEXT NOT NULL,                 -- the node that found it
  at          INTEGER NOT NULL
);
)sql",
    // 8: numbers whose messages keep failing (R-S13): failures in a row, and whether the
    // number is held back until the person writes in.
    R"sql(
ALTER TABLE contacts ADD COLUMN failures_in_row INTEGER NOT NULL DEFAULT 0;
ALTER TABLE contacts ADD COLUMN unreachable INTEGER NOT NULL DEFAULT 0;
)sql",
    // 9: programmes (R-S5): the one a message belongs to, and the ones a contact stopped.
    R"sql(
ALTER TABLE outbound_messages ADD COLUMN programme TEXT;
CREATE INDEX outbound_messages_newest ON outbound_messages (contact_id, id);  -- last_programme
CREATE TABLE contact_optouts (
  contact_id  INTEGER NOT NULL REFERENCES contacts(id),
  programme   TEXT NOT NULL,
  at          INTEGER NOT NULL,
  PRIMARY KEY (contact_id, programme)
);
)sql",
    // 10: messages repeated to a person at a local time of day (health reminders).
    R"sql(
CREATE TABLE series (
  id           INTEGER PRIMARY KEY,
  contact_id   INTEGER NOT NULL REFERENCES contacts(id),
  channel_id   TEXT NOT NULL,
  programme    TEXT NOT NULL,
  template     TEXT NOT NULL,                -- a text key, rendered in the person's language
  at_minute    INTEGER NOT NULL,             -- local time of day, minutes after midnight
  time_zone    TEXT NOT NULL,
  active       INTEGER NOT NULL DEFAULT 1,
  created_at   INTEGER NOT NULL,
  updated_at   INTEGER NOT NULL
);
)sql",
    // 11: series anchored to a day (antenatal care: days after the last menstrual period).
    R"sql(
ALTER TABLE series ADD COLUMN anchor_day INTEGER;  -- days since 1970-01-01; NULL: every day
ALTER TABLE series ADD COLUMN offsets TEXT;        -- JSON list of days after the anchor
)sql",
    // 12: clinic appointments (R-B1–R-B3): a place in a clinic's window on a day.
    R"sql(
CREATE TABLE bookings (
  id           INTEGER PRIMARY KEY,
  contact_id   INTEGER NOT NULL REFERENCES contacts(id),
  run_id       INTEGER,                      -- the run that holds or booked it
  channel_id   TEXT NOT NULL,
  clinic       TEXT NOT NULL,
  service      TEXT NOT NULL,
  day          INTEGER NOT NULL,             -- days since 1970-01-01, the clinic's calendar
  window_from  INTEGER NOT NULL,             -- minutes after midnight, the clinic's clock
  window_to    INTEGER NOT NULL,
  starts_at    INTEGER NOT NULL,
  code         TEXT NOT NULL,                -- 4 digits, unique per clinic and day
  status       TEXT NOT NULL CHECK (status IN ('held', 'released', 'booked', 'cancelled', 'attended', 'missed')),
  for_whom     TEXT NOT NULL DEFAULT 'self',
  hold_until   INTEGER NOT NULL DEFAULT 0,
  created_at   INTEGER NOT NULL,
  updated_at   INTEGER NOT NULL
);
CREATE UNIQUE INDEX bookings_code ON bookings (clinic, day, code);
CREATE INDEX bookings_slot ON bookings (clinic, service, day, window_from);
CREATE INDEX bookings_contact ON bookings (contact_id, starts_at);
CREATE INDEX bookings_held ON bookings (run_id) WHERE status = 'held';
)sql",
    // 13: subscriptions to a programme's alerts by area, and broadcasts to them (R-M).
    R"sql(
CREATE TABLE subscriptions (
  contact_id  INTEGER NOT NULL REFERENCES contacts(id),
  topic       TEXT NOT NULL,                 -- the programme: mine_safety
  area        TEXT NOT NULL,                 -- a province or border route: herat, islam_qala
  channel_id  TEXT NOT NULL,                 -- alerts go where the person subscribed
  created_at  INTEGER NOT NULL,
  PRIMARY KEY (contact_id, topic, area)
);
CREATE INDEX subscriptions_area ON subscriptions (topic, area, contact_id);
CREATE INDEX subscriptions_topic ON subscriptions (topic, contact_id);  -- every-area broadcasts
CREATE TABLE broadcasts (
  id          INTEGER PRIMARY KEY,
  topic       TEXT NOT NULL,
  area        TEXT NOT NULL,                 -- '' for every area
  template    TEXT NOT NULL,
  priority    INTEGER NOT NULL,
  not_before  INTEGER NOT NULL,
  done        INTEGER NOT NULL DEFAULT 0,
  cursor      INTEGER NOT NULL DEFAULT 0,    -- the last contact queued
  audience    INTEGER NOT NULL,
  queued      INTEGER NOT NULL DEFAULT 0,
  created_at  INTEGER NOT NULL,
  updated_at  INTEGER NOT NULL
);
ALTER TABLE outbound_messages ADD COLUMN broadcast_id INTEGER REFERENCES broadcasts(id);
CREATE INDEX outbound_messages_broadcast ON outbound_messages (broadcast_id, id) WHERE broadcast_id IS NOT NULL;
)sql",
    // 14: moving subscriptions to a new SIM (R-M2).
    R"sql(
CREATE TABLE transfer_codes (
  code        TEXT PRIMARY KEY,              -- 6 digits, drawn at random
  contact_id  INTEGER NOT NULL REFERENCES contacts(id),
  topic       TEXT NOT NULL,
  expires_at  INTEGER NOT NULL,
  used_at     INTEGER
);
CREATE TABLE transfer_failures (
  contact_id  INTEGER NOT NULL REFERENCES contacts(id),
  at          INTEGER NOT NULL
);
CREATE INDEX transfer_failures_contact ON transfer_failures (contact_id, at);
)sql",
    // 15: health workers and the patients they enrol (R-H3, R-H4): users with a PIN, series a
    // worker started, and escalations when a patient stops answering.
    R"sql(
CREATE TABLE users (
  id            INTEGER PRIMARY KEY,
  name          TEXT NOT NULL,
  role          TEXT NOT NULL CHECK (role IN ('admin', 'operator', 'health_worker')),
  facility      TEXT NOT NULL DEFAULT '',    -- a clinic id (health workers)
  phone         TEXT UNIQUE,                 -- E.164; NULL: none
  pin_hash      TEXT NOT NULL DEFAULT '',    -- Argon2id; '' : no PIN
  failed_pins   INTEGER NOT NULL DEFAULT 0,
  locked_until  INTEGER NOT NULL DEFAULT 0,
  disabled      INTEGER NOT NULL DEFAULT 0,
  created_at    INTEGER NOT NULL,
  updated_at    INTEGER NOT NULL
);
ALTER TABLE series ADD COLUMN worker_id INTEGER REFERENCES users(id);
ALTER TABLE series ADD COLUMN flow_id TEXT NOT NULL DEFAULT '';
ALTER TABLE series ADD COLUMN node TEXT NOT NULL DEFAULT '';
ALTER TABLE series ADD COLUMN misses INTEGER NOT NULL DEFAULT 0;
CREATE INDEX series_contact ON series (contact_id, programme) WHERE active = 1;
CREATE TABLE escalations (
  id           INTEGER PRIMARY KEY,
  worker_id    INTEGER NOT NULL REFERENCES users(id),
  contact_id   INTEGER NOT NULL REFERENCES contacts(id),
  series_id    INTEGER REFERENCES series(id),
  reason       TEXT NOT NULL,
  misses       INTEGER NOT NULL DEFAULT 0,
  created_at   INTEGER NOT NULL,
  resolved_at  INTEGER
);
CREATE INDEX escalations_open ON escalations (worker_id, id) WHERE resolved_at IS NULL;
CREATE UNIQUE INDEX escalations_series_open ON escalations (series_id) WHERE resolved_at IS NULL;
)sql",
    // 16: the REST API: tokens for machines (only a hash kept) and the append-only audit log.
    R"sql(
CREATE TABLE api_tokens (
  id          INTEGER PRIMARY KEY,
  name        TEXT NOT NULL,
  role        TEXT NOT NULL CHECK (role IN ('admin', 'operator', 'health_worker')),
  facility    TEXT NOT NULL DEFAULT '',
  hash        TEXT NOT NULL UNIQUE,          -- hex SHA-256 of the token
  created_at  INTEGER NOT NULL,
  revoked_at  INTEGER
);
CREATE TABLE audit_log (
  id      INTEGER PRIMARY KEY,
  at      INTEGER NOT NULL,
  actor   TEXT NOT NULL,                     -- token:3, user:1, cli
  action  TEXT NOT NULL,                     -- messages.send, tokens.revoke, …
  target  TEXT NOT NULL,                     -- message:42
  detail  TEXT NOT NULL DEFAULT '{}'         -- JSON
);
CREATE TRIGGER audit_log_append_only_update BEFORE UPDATE ON audit_log
  BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER audit_log_append_only_delete BEFORE DELETE ON audit_log
  BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
)sql",
    // 17: numbers that stopped messages, kept as salted hashes after their data is erased (R-S7).
    R"sql(
CREATE TABLE deployment (
  name   TEXT PRIMARY KEY,
  value  TEXT NOT NULL
);
INSERT INTO deployment (name, value) VALUES ('suppression_salt', lower(hex(randomblob(16))));
CREATE TABLE suppressions (
  hash       TEXT NOT NULL,                  -- store/rules.hpp: suppression_hash
  programme  TEXT NOT NULL DEFAULT '',       -- '': every message
  at         INTEGER NOT NULL,
  PRIMARY KEY (hash, programme)
);
)sql",
    // 18: the web console: users log in with a name and a password; a session is a token that
    // belongs to a user and expires.
    R"sql(
ALTER TABLE users ADD COLUMN login TEXT;
ALTER TABLE users ADD COLUMN password_hash TEXT NOT NULL DEFAULT '';
ALTER TABLE users ADD COLUMN failed_logins INTEGER NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN login_locked_until INTEGER NOT NULL DEFAULT 0;
CREATE UNIQUE INDEX users_login ON users (login);
ALTER TABLE api_tokens ADD COLUMN user_id INTEGER REFERENCES users(id);
ALTER TABLE api_tokens ADD COLUMN expires_at INTEGER NOT NULL DEFAULT 0;
CREATE INDEX api_tokens_sessions ON api_tokens (user_id) WHERE user_id IS NOT NULL;
)sql",
    // 19: the inbox worked by people: who has an item, and when it last changed.
    R"sql(
ALTER TABLE inbox ADD COLUMN assigned_to INTEGER REFERENCES users(id);
ALTER TABLE inbox ADD COLUMN updated_at INTEGER NOT NULL DEFAULT 0;
)sql",
    // 20: what a health worker records of a person (R-D2): whether others read SMS on the phone,
    // and the consents they gave (when, how, to whom); reminders paused for a while.
    R"sql(
ALTER TABLE contacts ADD COLUMN shared_phone TEXT NOT NULL DEFAULT 'unknown'
  CHECK (shared_phone IN ('unknown', 'yes', 'no'));
CREATE TABLE consents (
  id           INTEGER PRIMARY KEY,
  contact_id   INTEGER NOT NULL REFERENCES contacts(id),
  programme    TEXT NOT NULL,                -- health, appointments, mine_safety
  via          TEXT NOT NULL,                -- in_person, phone_call, written
  recorded_by  TEXT NOT NULL,                -- user:3, token:2 (as the audit log names them)
  at           INTEGER NOT NULL
);
CREATE INDEX consents_contact ON consents (contact_id);
ALTER TABLE series ADD COLUMN paused_until INTEGER NOT NULL DEFAULT 0;
)sql",
    // 21: who asked for a broadcast and who approved it (an urgent alert needs a second person,
    // R-M3), whether it was cancelled before it went, and when its unsent messages expire.
    R"sql(
ALTER TABLE broadcasts ADD COLUMN requested_by TEXT NOT NULL DEFAULT '';
ALTER TABLE broadcasts ADD COLUMN approved_by TEXT NOT NULL DEFAULT 'migrated';
ALTER TABLE broadcasts ADD COLUMN cancelled INTEGER NOT NULL DEFAULT 0;
ALTER TABLE broadcasts ADD COLUMN expires_at INTEGER NOT NULL DEFAULT 0;
)sql",
    // 22: the reminder series a message belongs to: pausing or ending one series cancels what
    // of it still waits (held for sending hours), and nothing of the patient's other series.
    R"sql(
ALTER TABLE outbound_messages ADD COLUMN series_id INTEGER REFERENCES series(id);
CREATE INDEX outbound_messages_series ON outbound_messages (series_id) WHERE series_id IS NOT NULL;
)sql",
    // 23: when a message may no longer go (an urgent alert's expiry): never claimed after it,
    // and expired by the outbox's sweep whatever state it came back to (a retry, a crash). A
    // person's recent inbox items (one urgent report an hour wakes the operators).
    R"sql(
ALTER TABLE outbound_messages ADD COLUMN expires_at INTEGER NOT NULL DEFAULT 0;
CREATE INDEX inbox_contact ON inbox (contact_id, created_at);
)sql",
    // 24: when a subscription ends unless renewed (R-M1: six months); 0: never.
    R"sql(
ALTER TABLE subscriptions ADD COLUMN expires_at INTEGER NOT NULL DEFAULT 0;
)sql",
    // 25: where in the province, as the person wrote it, and the crossing or route (R-M1).
    R"sql(
ALTER TABLE subscriptions ADD COLUMN district TEXT NOT NULL DEFAULT '';
ALTER TABLE subscriptions ADD COLUMN route TEXT NOT NULL DEFAULT '';
)sql",
    // 26: a hazard report's province, and the earlier report from there within a day it may
    // repeat (R-M4: flagged, never merged; no foreign key: an erased person's report goes alone).
    R"sql(
ALTER TABLE inbox ADD COLUMN area TEXT NOT NULL DEFAULT '';
ALTER TABLE inbox ADD COLUMN duplicate_of INTEGER;
CREATE INDEX inbox_area ON inbox (flow_id, area, created_at) WHERE area <> '';
)sql",
    // 27: an operator's duty hours (R-M4), "08:00-16:00" on their own clock; '': sending hours.
    R"sql(
ALTER TABLE users ADD COLUMN duty TEXT NOT NULL DEFAULT '';
)sql",
    // 28: texts that name the person's care, which they asked for, only on a phone nobody else
    // reads (R-S11).
    R"sql(
ALTER TABLE contacts ADD COLUMN explicit_texts INTEGER NOT NULL DEFAULT 0
  CHECK (explicit_texts = 0 OR shared_phone = 'no');
)sql",
    // 29: a health worker's enrolments of the last day, counted on every SMS enrolment (the cap
    // of 50), without reading every series there is.
    R"sql(
CREATE INDEX series_worker ON series (worker_id, created_at) WHERE worker_id IS NOT NULL;
)sql",
    // 30: whether the reporter said someone is hurt, a column of its own (NULL: not said): it
    // was the menu's value at the end of the text (" / hurt", " / nobody_hurt"), read raw.
    R"sql(
ALTER TABLE inbox ADD COLUMN someone_hurt INTEGER CHECK (someone_hurt IN (0, 1));
UPDATE inbox SET someone_hurt = 1, body = substr(body, 1, length(body) - 7)
 WHERE flow_id = 'mine_safety' AND body LIKE '% / hurt';
UPDATE inbox SET someone_hurt = 0, body = substr(body, 1, length(body) - 14)
 WHERE flow_id = 'mine_safety' AND body LIKE '% / nobody_hurt';
)sql",
    // 31: when the language picker went to the person by SMS: their next message, a bare
    // number, answers it ("۱", as people reply, not only "زبان ۱"). 0: not asked.
    R"sql(
ALTER TABLE contacts ADD COLUMN language_asked_at INTEGER NOT NULL DEFAULT 0;
)sql",
    // 32: who recorded what the person said of their phone, and when (shared_phone,
    // explicit_texts): user:N or token:N as in the audit log, or "person" (the phone's holder
    // answered). NULL: nobody since this column came.
    R"sql(
ALTER TABLE contacts ADD COLUMN privacy_recorded_by TEXT;
ALTER TABLE contacts ADD COLUMN privacy_recorded_at INTEGER;
)sql",
    // 33: free text with the words of someone in danger (R-H3, lexicon/urgent.yaml).
    R"sql(
ALTER TABLE inbox ADD COLUMN urgent INTEGER NOT NULL DEFAULT 0 CHECK (urgent IN (0, 1));
)sql",
    // 34: the answer to the day-before reminder (R-H3): coming, or none in time (unconfirmed).
    R"sql(
ALTER TABLE bookings ADD COLUMN reminder_answer TEXT NOT NULL DEFAULT ''
  CHECK (reminder_answer IN ('', 'coming', 'none'));
)sql",
    // 35: a weekly series (a check-in, R-H3): its ISO weekday; 0: every day.
    R"sql(
ALTER TABLE series ADD COLUMN weekday INTEGER NOT NULL DEFAULT 0 CHECK (weekday BETWEEN 0 AND 7);
)sql",
    // 36: how soon a call is due (R-H3: 0 urgent, 1 high, 2 normal, 3 low), a pregnancy flagged
    // high risk, the health workers who supervise a clinic, and when they heard of a high call.
    R"sql(
ALTER TABLE escalations ADD COLUMN priority INTEGER NOT NULL DEFAULT 2 CHECK (priority BETWEEN 0 AND 3);
UPDATE escalations SET priority = 0 WHERE reason = 'urgent';
ALTER TABLE series ADD COLUMN high_risk INTEGER NOT NULL DEFAULT 0 CHECK (high_risk IN (0, 1));
ALTER TABLE users ADD COLUMN supervisor INTEGER NOT NULL DEFAULT 0 CHECK (supervisor IN (0, 1));
ALTER TABLE escalations ADD COLUMN notified_at INTEGER;
)sql",
    // 37: a person's own sending hours (R-S8): "22:00-09:00" (quiet from, to); NULL: the
    // programme's.
    R"sql(
ALTER TABLE contacts ADD COLUMN quiet_hours TEXT CHECK (quiet_hours IS NULL OR length(quiet_hours) = 11);
)sql",
    // 38: a high call still open a working day after the supervisors were told: when they were
    // told again (R-H3).
    R"sql(
ALTER TABLE escalations ADD COLUMN overdue_told_at INTEGER;
)sql",
    // 39: retention (R-D3). How far each pass over a big table has gone: rows up to last_id are
    // done, so no pass reads them again. Messages past their delivery retention leave only
    // their counts, by hour, channel and state. A hazard report may lose its reporter. Indexes
    // for each pass: a message's reports (for its deletion, and the foreign key's check), inbox
    // items done, reports still naming their reporter, visits by their time.
    R"sql(
CREATE TABLE retention_marks (
  name     TEXT PRIMARY KEY,
  last_id  INTEGER NOT NULL
);
CREATE TABLE delivery_totals (
  hour        INTEGER NOT NULL,              -- unix ms, the hour the messages were created in
  channel_id  TEXT NOT NULL,
  status      TEXT NOT NULL,
  messages    INTEGER NOT NULL,
  PRIMARY KEY (hour, channel_id, status)
);
CREATE INDEX delivery_reports_message ON delivery_reports (message_id) WHERE message_id IS NOT NULL;
CREATE INDEX bookings_starts ON bookings (starts_at);
-- A hazard report keeps who sent it only for store.reporter_retention: its contact may be NULL.
-- SQLite changes a column's constraint by copying the table.
CREATE TABLE inbox_v39 (
  id            INTEGER PRIMARY KEY,
  contact_id    INTEGER REFERENCES contacts(id),  -- NULL: a report whose reporter is no longer kept
  run_id        INTEGER REFERENCES flow_runs(id),
  channel_id    TEXT NOT NULL,
  flow_id       TEXT,                            -- NULL: no flow claimed it
  body          TEXT NOT NULL,
  status        TEXT NOT NULL CHECK (status IN ('new', 'read', 'done')),
  created_at    INTEGER NOT NULL,
  assigned_to   INTEGER REFERENCES users(id),
  updated_at    INTEGER NOT NULL DEFAULT 0,
  area          TEXT NOT NULL DEFAULT '',
  duplicate_of  INTEGER,
  someone_hurt  INTEGER CHECK (someone_hurt IN (0, 1)),
  urgent        INTEGER NOT NULL DEFAULT 0 CHECK (urgent IN (0, 1))
);
INSERT INTO inbox_v39 (id, contact_id, run_id, channel_id, flow_id, body, status, created_at, assigned_to,
                       updated_at, area, duplicate_of, someone_hurt, urgent)
  SELECT id, contact_id, run_id, channel_id, flow_id, body, status, created_at, assigned_to, updated_at, area,
         duplicate_of, someone_hurt, urgent FROM inbox;
DROP TABLE inbox;
ALTER TABLE inbox_v39 RENAME TO inbox;
CREATE INDEX inbox_new ON inbox (created_at) WHERE status = 'new';
CREATE INDEX inbox_contact ON inbox (contact_id, created_at);
CREATE INDEX inbox_area ON inbox (flow_id, area, created_at) WHERE area <> '';
CREATE INDEX inbox_done_words ON inbox (created_at) WHERE status = 'done' AND body <> '';
CREATE INDEX inbox_reporters ON inbox (created_at) WHERE contact_id IS NOT NULL AND (area <> '' OR someone_hurt IS NOT NULL);
)sql",
    // 40: whether a hazard reporter agreed to be called back (NULL: not asked). One who did
    // keeps their number with the report until it is done (R-D3), counted from done_at (the
    // first time it was marked done, not any later change): each pass its own index.
    R"sql(
ALTER TABLE inbox ADD COLUMN may_call INTEGER CHECK (may_call IN (0, 1));
DROP INDEX inbox_reporters;
CREATE INDEX inbox_reporters ON inbox (created_at)
  WHERE contact_id IS NOT NULL AND (area <> '' OR someone_hurt IS NOT NULL) AND COALESCE(may_call, 0) = 0;
ALTER TABLE inbox ADD COLUMN done_at INTEGER;
CREATE INDEX inbox_reporters_agreed ON inbox (created_at) WHERE contact_id IS NOT NULL AND may_call = 1;
)sql",
    // 41: a language chosen by SMS whose letters check is unanswered (R-L1).
    R"sql(
ALTER TABLE contacts ADD COLUMN pending_language TEXT;
)sql",
    // 42: when the person was last invited by SMS to finish a flow they left (R-U15).
    R"sql(
ALTER TABLE contacts ADD COLUMN invited_at INTEGER;
)sql",
    // 43: a broadcast to the subscribers who come by one crossing or route (R-M1).
    R"sql(
ALTER TABLE broadcasts ADD COLUMN route TEXT NOT NULL DEFAULT '';
)sql",
    // 44: the PIN a person chose for the screens that show their visits (R-S12): a hash.
    R"sql(
ALTER TABLE contacts ADD COLUMN visit_pin TEXT;
ALTER TABLE contacts ADD COLUMN visit_pin_failed INTEGER NOT NULL DEFAULT 0;
ALTER TABLE contacts ADD COLUMN visit_pin_locked_until INTEGER NOT NULL DEFAULT 0;
)sql",
    // 45: reminders of a medicine refill, every so many days from a first day (R-H1), and
    // when the person last acknowledged a series' reminder (a refill's asks again until then).
    R"sql(
ALTER TABLE series ADD COLUMN every_days INTEGER NOT NULL DEFAULT 0;
ALTER TABLE series ADD COLUMN from_day INTEGER NOT NULL DEFAULT 0;
ALTER TABLE series ADD COLUMN answered_at INTEGER NOT NULL DEFAULT 0;
)sql",
    // 46: a question that waits for the one open on the person's phone to be answered
    // (runner::waits_turn): whose answer wakes it, and since when it waits.
    R"sql(
ALTER TABLE jobs ADD COLUMN turn_of INTEGER;
ALTER TABLE jobs ADD COLUMN turn_since INTEGER;
CREATE INDEX jobs_turn ON jobs (turn_of) WHERE status = 'pending' AND turn_of IS NOT NULL;
)sql",
    // 47: days a clinic closed after its file was written (R-B5: reception, an emergency).
    R"sql(
CREATE TABLE clinic_closures (
  clinic     TEXT NOT NULL,
  day        INTEGER NOT NULL,  -- days since 1970-01-01, the clinic's calendar
  closed_by  TEXT NOT NULL,     -- as the audit log names them
  closed_at  INTEGER NOT NULL,
  PRIMARY KEY (clinic, day)
);
)sql",
    // 48: alerts to one district (R-M1): the district a subscriber's own words name, by the
    // districts file ('' when none does), and a broadcast's district.
    R"sql(
ALTER TABLE subscriptions ADD COLUMN district_key TEXT NOT NULL DEFAULT '';
ALTER TABLE broadcasts ADD COLUMN district TEXT NOT NULL DEFAULT '';
ALTER TABLE broadcasts ADD COLUMN unknown_district INTEGER NOT NULL DEFAULT 1;  -- 1: and those whose district is not known
CREATE INDEX subscriptions_district ON subscriptions (area, district);
)sql",
    // 49: the district a hazard report's place names by the districts file ('' when none does):
    // reports are flagged as possibly the same by district where both say one (R-M4).
    R"sql(
ALTER TABLE inbox ADD COLUMN district TEXT NOT NULL DEFAULT '';
)sql",
    // 50: a clinic's week as reception changed it, in place of the clinics file's (R-B1).
    R"sql(
CREATE TABLE clinic_hours (
  clinic      TEXT PRIMARY KEY,
  week        TEXT NOT NULL,     -- {"open": [...], "windows": [...]}
  changed_by  TEXT NOT NULL,     -- as the audit log names them
  changed_at  INTEGER NOT NULL
);
)sql",
    // 51: no index on every message's state: each change of it (queued, sending, sent,
    // delivered) rewrote an entry there. What waits is counted from the partial indexes of
    // those waiting and those in flight; the unconfirmed have their own, in the order they
    // were sent, as the sent have, for polling to ask about both in turns.
    R"sql(
DROP INDEX outbound_messages_pending;
CREATE INDEX outbound_messages_unconfirmed ON outbound_messages (channel_id, sent_at) WHERE status = 'unconfirmed';
)sql",
    // 52: the other numbers a person writes from (R-L6: a second SIM), each one person's; the
    // main number stays contacts.phone.
    R"sql(
CREATE TABLE contact_numbers (
  phone       TEXT PRIMARY KEY,              -- E.164
  contact_id  INTEGER NOT NULL REFERENCES contacts(id),
  added_at    INTEGER NOT NULL
);
CREATE INDEX contact_numbers_contact ON contact_numbers (contact_id);
)sql",
    // 53: the number an inbox item came from when it is another the person writes from (R-L6):
    // a reply, a call back, goes to it. NULL: their main number.
    R"sql(
ALTER TABLE inbox ADD COLUMN from_phone TEXT;
)sql",
    // 54: a transfer code kept only as its salted hash (R-D2: store::transfer_code_hash, which
    // migrate() gives this SQL as paygham_transfer_code_hash), never as the code.
    R"sql(
ALTER TABLE transfer_codes RENAME COLUMN code TO code_hash;
UPDATE transfer_codes SET code_hash = paygham_transfer_code_hash(
  (SELECT value FROM deployment WHERE name = 'suppression_salt'), code_hash);
)sql",
    // 55: when the health worker was told of a call by SMS, for the reason and priority it has
    // now (NULL: not told of those): one SMS an hour for calls of one reason (R-H3).
    R"sql(
ALTER TABLE escalations ADD COLUMN told_at INTEGER;
)sql",
};

// paygham_transfer_code_hash(salt, code) for migration 54: store::transfer_code_hash in SQL.
void transfer_code_hash_sql(sqlite3_context* ctx, int, sqlite3_value** args) {
  const auto text = [&](int i) {
    const auto* p = reinterpret_cast<const char*>(sqlite3_value_text(args[i]));
    return std::string(p ? p : "", static_cast<std::size_t>(sqlite3_value_bytes(args[i])));
  };
  const std::string hash = transfer_code_hash(text(0), text(1));
  sqlite3_result_text(ctx, hash.data(), static_cast<int>(hash.size()), SQLITE_TRANSIENT);
}

}  // namespace

int latest_version() { return static_cast<int>(migrations.size()); }

int migrate(SQLite::Database& db, int target) {
  if (target < 0) target = latest_version();
  db.exec(
      "CREATE TABLE IF NOT EXISTS schema_migrations ("
      " version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)");
  int version = db.execAndGet("SELECT COALESCE(MAX(version), 0) FROM schema_migrations").getInt();
  if (version > latest_version()) {
    throw std::runtime_error("database schema version " + std::to_string(version) +
                             " is newer than this build knows (" +
                             std::to_string(latest_version()) + "); use a newer paygham");
  }
  if (version < target)
    db.createFunction("paygham_transfer_code_hash", 2, true, nullptr, transfer_code_hash_sql);
  for (int v = version + 1; v <= target; ++v) {
    SQLite::Transaction tx(db);
    db.exec(migrations[static_cast<std::size_t>(v - 1)]);
    SQLite::Statement mark(db, "INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)");
    mark.bind(1, v);
    mark.bind(2, static_cast<std::int64_t>(core::now_ms()));
    mark.exec();
    tx.commit();
    version = v;
  }
  return version;
}

}  // namespace paygham::store::sqlite
