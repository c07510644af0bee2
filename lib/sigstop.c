// SPDX-License-Identifier: GPL-2.0-only
#include "sigstop.h"

#include <poll.h>
#include <signal.h>
#include <sys/signalfd.h>

static const int stop_signals[] = {
	SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGALRM, SIGUSR1, SIGUSR2,
};

static int sfd = -1;

int sigstop_block(void)
{
	struct sigaction old;
	sigset_t set;

	sigemptyset(&set);
	for (unsigned i = 0; i < sizeof(stop_signals) / sizeof(stop_signals[0]); i++) {
		if (sigaction(stop_signals[i], NULL, &old) == 0 &&
		    old.sa_handler == SIG_IGN)
			continue;	/* nohup: keep it ignored */
		sigaddset(&set, stop_signals[i]);
	}
	if (sigprocmask(SIG_BLOCK, &set, NULL))
		return -1;
	/* a closed pipe is an EPIPE from write(), handled as a quiet exit */
	signal(SIGPIPE, SIG_IGN);
	sfd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
	return sfd < 0 ? -1 : 0;
}

int sigstop_fd(void)
{
	return sfd;
}

bool sigstop_pending(void)
{
	struct pollfd p = { .fd = sfd, .events = POLLIN };

	return sfd >= 0 && poll(&p, 1, 0) == 1;
}
