# SPDX-License-Identifier: GPL-2.0-only
"""The COW rows do the work their names declare, in a real run:
- cow/fork: the producer's page faults per operation are exactly the
  buffer's pages (its stack, its control block and the family's state are
  not shared with the child), the child's CPU time is reported, and the
  helper that forks is a measured role whose CPU is recorded;
- cow/uffd-wp: the fault handler is the helper role, with CPU time of its
  own, counted in the operation's, and it copies every page it is asked to;
- cow/mprotect-reuse copies every page written while the consumer holds
  it, cow/mprotect-done none (the consumer let go first), and both
  take one fault per page;
- the consumer of a send runs on the producer's CPU ("colocated").
Counts, never times."""
import math

import itlib

cowbench, src = itlib.args()
PAGE = 4096
p, out, doc = itlib.sweep(cowbench, ["--bench", "cow", "--variant",
                                     "fork,uffd-wp,mprotect-reuse,mprotect-done",
                                     "--sizes", "4K,64K", "--cpus", "1,max",
                                     "--repetitions", "2", "--quick"])
itlib.check(p.returncode == 0, "exit code %d, stderr: %s" % (p.returncode, p.stderr))
faults_measured = doc is not None and itlib.available(doc, "page_faults")


def rep_value(r, role, name):
    s = itlib.samples(r, role, name)
    return sorted(s)[len(s) // 2] if s else None


for c in (doc or {}).get("cells", []):
    tag = itlib.tag(c)
    pages = math.ceil(c["size"] / PAGE)
    if c["status"] == "unsupported":
        itlib.check(c["variant"] == "cow/uffd-wp", tag + ": unsupported: %s" % c["reason"])
        continue
    itlib.check(c["status"] == "ok", tag + ": status %s (%s)" % (c["status"], c["reason"]))
    for r in itlib.ok_reps(c):
        t = itlib.rtag(c, r)
        faults = rep_value(r, "producer", "page_faults")
        if faults_measured:
            itlib.check(faults == pages, t + ": %s page faults per op, want %d (the "
                        "buffer's pages, no other)" % (faults, pages))
        copied = {role: rep_value(r, role, "copied_pages")
                  for role in ("producer", "helper", "op")}
        if c["variant"] == "cow/fork":
            itlib.check(r["helper_cpu"] is not None and r["helper_cpu"] >= 0,
                        t + ": the helper's (and child's) CPU recorded: %s" % r["helper_cpu"])
            itlib.check((rep_value(r, "helper", "cpu_ns") or 0) > 0,
                        t + ": the forking helper has CPU time")
            itlib.check((rep_value(r, "op", "child_cpu_ns") or 0) >= 0 and
                        itlib.samples(r, "op", "child_cpu_ns") is not None,
                        t + ": the child's CPU time is reported")
        if c["variant"] == "cow/uffd-wp":
            hcpu = rep_value(r, "helper", "cpu_ns")
            itlib.check(hcpu is not None and hcpu > 0,
                        t + ": the handler is a measured role with CPU time: %s" % hcpu)
            itlib.check(rep_value(r, "op", "cpu_ns") >= hcpu,
                        t + ": its CPU time is in the operation's")
            itlib.check(copied["helper"] == pages,
                        t + ": the handler copied %s pages per op, want %d"
                        % (copied["helper"], pages))
        if c["variant"] == "cow/mprotect-reuse":
            itlib.check(copied["producer"] == pages,
                        t + ": %s pages copied per op, want all %d" % (copied["producer"], pages))
        if c["variant"] == "cow/mprotect-done":
            itlib.check(copied["producer"] == 0,
                        t + ": %s pages copied per op, want 0" % copied["producer"])
        if c["variant"] in ("cow/uffd-wp", "cow/mprotect-reuse", "cow/mprotect-done"):
            itlib.check(c["colocated"] is True,
                        t + ": the consumer shares the producer's CPU")
itlib.done("it_cow_roles")
