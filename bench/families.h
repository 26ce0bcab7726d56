/* Every benchmark family, once. Adding a family: one file, one line here. */
BENCH_FAMILY(bench_copy)
