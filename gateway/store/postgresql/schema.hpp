// The PostgreSQL schema: numbered, append-only migrations (a migration that has landed is
// never edited: add a new one), applied under an advisory lock so nodes starting together
// take turns.
#pragma once

namespace paygham::store::postgresql {

class connection;

// Applies every migration newer than the database's version. Returns the version after.
int migrate(connection& c);

// The newest migration this build knows.
int latest_version();

}  // namespace paygham::store::postgresql
