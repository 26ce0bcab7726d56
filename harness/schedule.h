/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * schedule.h - runs the plan: each (cell, repetition) in a fresh process of
 * its own (`cowbench cell`), fed its spec, watched, and reaped.
 *
 * A process that crashes, is killed (the OOM killer, a signal) or stops
 * reporting for --hang-timeout seconds makes that repetition failed, with
 * the cause; what it streamed before is kept, and the run goes on. After a
 * repetition that failed or found the variant unsupported, the cell's
 * other repetitions are not run; after one that found the --peer down,
 * no later cell that needs the peer is run (peer.h). SIGINT, SIGTERM or
 * SIGHUP stop the run: the process in flight is told to stop (then killed
 * after a grace period), every finished repetition is kept and the run is
 * "interrupted".
 */
#ifndef COWBENCH_SCHEDULE_H
#define COWBENCH_SCHEDULE_H

#include <signal.h>

#include "run.h"

/* The signal that asked the run to stop, 0 while none has. */
extern volatile sig_atomic_t sched_signal;

/* Catch SIGINT, SIGTERM and SIGHUP (before anything that needs undoing). */
void sched_install_signals(void);

/* Run every item of r->items; sets r->status. Returns 0 or -errno (the
 * run could not go on, e.g. no process could be started). */
int sched_run(struct run *r);

#endif
