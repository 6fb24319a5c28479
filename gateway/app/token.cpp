// `paygham token`: API tokens for machines that call /api/v1. The token is printed once, when
// made; only its SHA-256 is stored, so a lost token is revoked and replaced, never recovered.
#include <iostream>

#include "gateway/app/commands.hpp"
#include "gateway/app/config.hpp"
#include "gateway/auth/token.hpp"
#include "gateway/store/writer.hpp"
#include "gateway/text/readers.hpp"

namespace paygham::app {

int token(const token_options& o) {
  auto loaded = load_config(o.config, channel_secrets::unused);
  if (!loaded) {
    std::cerr << loaded.error() << "\n";
    return exit_user_error;
  }
  if (o.action == "create" && o.role != "admin" && o.role != "operator" && o.role != "health_worker") {
    std::cerr << "paygham token: --role is admin, operator or health_worker, not '" << o.role << "'\n";
    return exit_user_error;
  }
  std::int64_t revoke = 0;
  if (o.action == "revoke") {
    const auto id = text::read_id(o.id);
    if (!id) {
      std::cerr << "paygham token: --id is a token's number (paygham token list), not '" << o.id << "'\n";
      return exit_user_error;
    }
    revoke = *id;
  }
  try {
    const auto writer = store::open_writer(loaded.value().store);
    std::string secret;
    std::int64_t made = 0;
    bool revoked = false;
    std::vector<store::api_token> all;
    store::run_now(*writer, [&](store::tx& t) {
      if (o.action == "create") {
        secret = auth::new_token();
        store::api_token k;
        k.name = o.name;
        k.role = o.role;
        k.facility = o.facility;
        k.hash = auth::token_hash(secret);
        made = t.add_token(k);
        t.audit("cli", "tokens.create", "token:" + std::to_string(made), "{}");
      } else if (o.action == "revoke") {
        revoked = t.revoke_token(revoke);
        if (revoked) t.audit("cli", "tokens.revoke", "token:" + std::to_string(revoke), "{}");
      } else {
        all = t.list_tokens();
      }
    });
    writer->stop();
    if (o.action == "create") {
      std::cerr << "token " << made << " (" << o.role << ", " << o.name
                << "); keep it secret, it is shown only now:\n";
      std::cout << secret << "\n";
    } else if (o.action == "revoke") {
      if (!revoked) {
        std::cerr << "paygham token: no live token " << revoke << " (paygham token list)\n";
        return exit_user_error;
      }
      std::cout << "token " << revoke << " revoked\n";
    } else {
      for (const auto& k : all) {
        std::cout << k.id << "\t" << k.role << "\t" << (k.facility.empty() ? "-" : k.facility) << "\t" << k.name
                  << (k.revoked ? "\t(revoked)" : "") << "\n";
      }
    }
    return exit_ok;
  } catch (const std::exception& e) {
    std::cerr << "paygham token: " << e.what() << "\n";
    return exit_user_error;
  }
}

}  // namespace paygham::app
