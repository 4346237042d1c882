/* sig_wait SIGNAL...: blocks the signals, prints "ready PID", waits for a line on stdin, then takes every pending
 * one with sigtimedwait (no waiting) and prints "SIGNO PID CODE VALUE" per delivery, then "end". With no line on
 * stdin (EOF) it does the same at once. The pause lets a sender queue several while they are pending. */
#include "peer.h"
#include <signal.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv) {
    if (argc < 2) { fprintf(stderr, "usage: sig_wait SIGNAL...\n"); return 2; }
    sigset_t set;
    sigemptyset(&set);
    for (int i = 1; i < argc; i++) sigaddset(&set, (int)parse_long(argv[i]));
    if (sigprocmask(SIG_BLOCK, &set, NULL) != 0) FAIL("sigprocmask");
    printf("ready %d\n", (int)getpid());
    fflush(stdout);
    char line[64];
    if (fgets(line, sizeof line, stdin) == NULL && ferror(stdin)) FAIL("fgets");
    struct timespec none = { 0, 0 };
    siginfo_t info;
    while (sigtimedwait(&set, &info, &none) > 0)
        printf("%d %d %d %d\n", info.si_signo, (int)info.si_pid, info.si_code, info.si_value.sival_int);
    printf("end\n");
    return 0;
}
