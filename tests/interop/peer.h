/* Helpers for the test peers: report failures with errno names and parse numbers strictly. */
#ifndef UNIXIPC_TEST_PEER_H
#define UNIXIPC_TEST_PEER_H
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FAIL(call) do { fprintf(stderr, "%s: %s\n", call, strerrorname_np(errno)); exit(1); } while (0)

static inline long parse_long(const char *text) {
    char *end;
    errno = 0;
    long value = strtol(text, &end, 0);
    if (errno != 0 || *end != '\0' || end == text) { fprintf(stderr, "bad number: %s\n", text); exit(2); }
    return value;
}
#endif
