/* SPDX-License-Identifier: GPL-2.0-only */
/* Every benchmark family, once. Adding a family: one file, one line here. */
BENCH_FAMILY(bench_copy)
BENCH_FAMILY(bench_tlb_shootdown)
BENCH_FAMILY(bench_cow_fault)
BENCH_FAMILY(bench_vmsplice)
