// The PostgreSQL schema: numbered, append-only migrations (a migration that has landed is
// never edited: add a new one), applied under an advisory lock so nodes starting together
// take turns.
#pragma once

namespace paygham::store::postgresql {

class connection;

// Applies every migration newer than the database's version, up to `target` (-1: the newest;
// a test stops earlier to put rows in the shape an older build left). Returns the version after.
int migrate(connection& c, int target = -1);

// The newest migration this build knows.
int latest_version();

}  // namespace paygham::store::postgresql
