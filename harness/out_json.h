/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * out_json.h - run.json (schema cowbench-run/2, results/README.md) and the
 * declaration of a variant as JSON (run.json "variants", `cowbench list
 * --json`).
 */
#ifndef COWBENCH_OUT_JSON_H
#define COWBENCH_OUT_JSON_H

#include <stdio.h>

#include "json.h"
#include "run.h"

#define OUT_JSON_SCHEMA "cowbench-run/2"

void out_json_run(const struct run *r, FILE *f);
/* {"value", "lo", "hi", "level", "method", "n"} of an interval. */
void out_json_interval(struct json_writer *w, const char *key,
		       const struct stats_interval *iv);
/* The "derived" member (out_derived.c). */
void out_derived_json(const struct run *r, struct json_writer *w);
/* out_model.c: "model" inside "derived". */
void out_model_json(const struct run *r, struct json_writer *w);
void out_json_variant(struct json_writer *w, const struct variant_ref *vr);
/* The command line, shell-quoted so that a shell given it runs it again. */
void out_command_line(int argc, char **argv, char *buf, size_t len);

#endif
