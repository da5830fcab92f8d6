// PLANTED VIOLATION for the tier check's self-test: a driver source that
// opens a socket instead of going through core/env. Never compiled.
#include <sys/socket.h>

int LeakyListen() { return socket(AF_INET, SOCK_STREAM, 0); }
