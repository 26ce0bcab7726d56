/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * flushmech.h - how this machine flushes remote TLBs, which decides what
 * the flush counters mean:
 *   IPIs        the classic path: the initiator IPIs every other CPU in the
 *               mm's cpumask and waits; busy CPUs take the IPI, lazy ones
 *               are skipped (the TLB row of /proc/interrupts counts them);
 *   broadcast   AMD INVLPGB with Linux >= 6.15: an mm active on 4 or more
 *               CPUs gets a global ASID and is flushed by broadcast, with no
 *               IPI, no TLB interrupt and no remote tlb_flush event, busy and
 *               idle CPUs alike (Intel RAR would be the same in kind);
 *   KVM PV      a KVM guest offered KVM_FEATURE_PV_TLB_FLUSH: a preempted
 *               vCPU is not IPI'd, it flushes at its next entry.
 * PCID/INVPCID and PTI change what a flush costs; the kernel flushes page
 * by page up to tlb_single_page_flush_ceiling pages, the whole TLB above.
 */
#ifndef COWBENCH_FLUSHMECH_H
#define COWBENCH_FLUSHMECH_H

#include <stdbool.h>
#include <stddef.h>

#define FLUSH_BROADCAST_MIN_CPUS 4	/* mm_active_cpus_exceeds(mm, 3) */

struct flush_mech {
	/* inputs */
	bool invlpgb, pcid, invpcid;	/* /proc/cpuinfo flags */
	bool kvm_pv_flush;		/* CPUID 0x40000001 EAX bit 9, KVM only */
	int pti;			/* 1 on, 0 off, -1 unknown (meltdown) */
	int kernel_major, kernel_minor;	/* -1 unknown */
	int ceiling;			/* tlb_single_page_flush_ceiling, -1 */
	char ceiling_why[96];		/* how it was read, or why not */
	/* the judgement (flush_judge) */
	bool broadcast;			/* INVLPGB and a kernel that uses it */
	char summary[200];
};

/* Read the inputs under root ("" for this machine): root/proc/cpuinfo,
 * root/proc/sys/kernel/osrelease, root/sys/devices/system/cpu/
 * vulnerabilities/meltdown, root/sys/kernel/debug/x86/
 * tlb_single_page_flush_ceiling. For this machine only, the CPUID bit is
 * read (kvm: the hypervisor is KVM), and debugfs is mounted as root when
 * it is not, for the read, and unmounted after. Then flush_judge(). */
void flush_probe(struct flush_mech *f, const char *root, bool kvm);

/* The judgement from the inputs (pure). */
void flush_judge(struct flush_mech *f);

/* Is a cell of this many CPUs flushed by broadcast (no IPIs to count)? */
bool flush_broadcast_at(const struct flush_mech *f, unsigned int cpus);

#endif
