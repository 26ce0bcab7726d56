/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * peer.h - the remote consumer: `cowbench sink --listen PORT` drains (and,
 * when asked, verifies) what a producer elsewhere sends with
 * `cowbench run --peer HOST:PORT`, so that zero copy is measured over a
 * real NIC, where it does not degrade to a copy as it does over loopback.
 */
#ifndef COWBENCH_PEER_H
#define COWBENCH_PEER_H

/* `cowbench sink ...`: argv[0] is "sink". Returns the exit code. */
int peer_sink_main(int argc, char **argv);

#endif
