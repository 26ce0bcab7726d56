# SPDX-License-Identifier: GPL-2.0-only
# Writes OUT (a C file defining cowbench_git_rev) when the revision changed.
execute_process(COMMAND git -C ${SRC} describe --always --dirty --abbrev=12
		OUTPUT_VARIABLE rev OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
if(NOT rev)
	set(rev "unknown")
endif()
set(text "const char cowbench_git_rev[] = \"${rev}\";\n")
if(EXISTS ${OUT})
	file(READ ${OUT} old)
endif()
if(NOT "${old}" STREQUAL "${text}")
	file(WRITE ${OUT} "${text}")
endif()
