#include "gateway/app/commands.hpp"

int main(int argc, char** argv) { return paygham::app::run_cli(argc, argv); }
