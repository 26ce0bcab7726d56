/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * cellmain.h - `cowbench cell`: the process that measures one repetition
 * of one cell for `cowbench run` (internal: it reads its spec on stdin and
 * writes records on stdout, see wire.h).
 */
#ifndef COWBENCH_CELLMAIN_H
#define COWBENCH_CELLMAIN_H

/* Returns the exit code: 0 (records written, whatever the cell's status),
 * 2 for a bad spec, 1 when it could not run. */
int cellmain(int argc, char **argv);

#endif
