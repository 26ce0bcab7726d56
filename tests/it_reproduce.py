# SPDX-License-Identifier: GPL-2.0-only
"""summary.txt's Reproduce: block, pasted into a shell, is one command that
parses (sh -n) and has exactly the words of the command that ran, plus the
seed that fixes its order. The command here is long on purpose: a variant
list longer than a line, and an --out path with spaces and a quote, so the
block has to break words across lines without changing them; and no line
of it is over 80 columns."""
import os
import subprocess

import itlib

cowbench, src = itlib.args()
base = itlib.tmpdir()
out = os.path.join(base, "it's a run dir with spaces")
variants = ",".join(["copy/memcpy", "copy/write-pipe", "copy/send-tcp", "cow/mprotect-fresh",
                     "cow/private", "tlb/mprotect-busy"])
cmd = [cowbench, "run", "--variant", variants, "--sizes", "4K", "--cpus", "1",
       "--repetitions", "1", "--quick", "--quiet", "--out", out]
p = itlib.run(cmd)
itlib.check(p.returncode == 0, "exit %d: %s" % (p.returncode, p.stderr))
doc, rows, summary = itlib.load_run(out)
lines = summary.splitlines()
start = lines.index("Reproduce:") + 1
block = "\n".join(lines[start:])
for l in lines[start:]:
    itlib.check(len(l) <= 80, "Reproduce line over 80 columns: %r" % l)
itlib.check(len(lines) - start > 1, "the long command spans several lines")

syntax = subprocess.run(["sh", "-n", "-c", block], capture_output=True, text=True)
itlib.check(syntax.returncode == 0, "sh -n rejects the block: %s" % syntax.stderr)
words = subprocess.run(["sh", "-c", 'set -- ' + block + '\nprintf "%s\\0" "$@"'],
                       capture_output=True, text=True)
got = words.stdout.split("\0")[:-1]
want = doc["command"] + ["--seed", str(doc["options"]["seed"])]
itlib.check(got == want, "the block's words %r differ from the command %r" % (got, want))
itlib.done("it_reproduce")
