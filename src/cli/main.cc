// memoryd's entry point: everything lives in cli/.
#include "cli/commands.h"

int main(int argc, char** argv) { return memoryd::RunCommandLine(argc, argv); }
