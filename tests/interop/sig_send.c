/* sig_send PID SIGNAL [VALUE]: kill(PID, SIGNAL), or sigqueue with VALUE; prints its own pid. SIGNAL is a number. */
#include "peer.h"
#include <signal.h>
#include <unistd.h>

int main(int argc, char **argv) {
    if (argc != 3 && argc != 4) { fprintf(stderr, "usage: sig_send PID SIGNAL [VALUE]\n"); return 2; }
    pid_t pid = (pid_t)parse_long(argv[1]);
    int sig = (int)parse_long(argv[2]);
    if (argc == 4) {
        union sigval value = { .sival_int = (int)parse_long(argv[3]) };
        if (sigqueue(pid, sig, value) != 0) FAIL("sigqueue");
    } else if (kill(pid, sig) != 0) FAIL("kill");
    printf("%d\n", (int)getpid());
    return 0;
}
