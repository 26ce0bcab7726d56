/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * peer.h - the remote consumer: `cowbench sink --listen PORT` drains (and,
 * when asked, verifies) what a producer elsewhere sends with
 * `cowbench run --peer HOST:PORT`, so that zero copy is measured over a
 * real NIC, where it does not degrade to a copy as it does over loopback.
 */
#ifndef COWBENCH_PEER_H
#define COWBENCH_PEER_H

#include <stdbool.h>

struct run;
struct cell_result;
struct rep_result;

/* `cowbench sink ...`: argv[0] is "sink". Returns the exit code. */
int peer_sink_main(int argc, char **argv);

/*
 * The run's side. A cell's process that found the --peer down (it did not
 * connect, or did not answer the hello, in a few seconds: rep->peer_down)
 * is one failed cell; every later cell that needs the peer is then not
 * run, with the reason, instead of waiting for it again.
 */
/* After a repetition ran: remember the first one that found the peer down. */
void peer_note_down(const struct run *r, const struct cell_result *c,
		    const struct rep_result *rep);
/* Before one runs: true, with rep's reason set, when it needs the peer and
 * the peer is down. */
bool peer_is_down(const struct run *r, const struct cell_result *c,
		  struct rep_result *rep);

#endif
