/* peer.c - placeholder until the remote sink lands (issue 4). */
#include <stdio.h>

#include "peer.h"

int peer_sink_main(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "cowbench: sink: not implemented yet\n");
	return 2;
}
