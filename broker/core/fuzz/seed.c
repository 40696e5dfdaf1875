/*
 * seed: the fuzzed broker's credentials and Hellos (seed.h).
 */
#include <string.h>

#include "broker/core/fuzz/seed.h"
#include "codecs/wire/frame.h"

const char brk_fuzz_seed_credentials[] = "agent tok-agent rsu-1,rsu-2\n"
                                         "subscriber tok-sub oem-a\n"
                                         "subscriber tok-box oem-b box=29.5,106.4,29.7,106.6\n";

size_t brk_fuzz_seed_hello(int role, uint8_t *buf, size_t cap)
{
	V2x__Wire__Hello h;
	V2x__Wire__Frame f;
	char id[16];
	uint8_t tok[16];
	size_t len;

	memcpy(id, role == 1 ? "rsu-1" : "oem-a", 6);
	memcpy(tok, role == 1 ? "tok-agent" : "tok-sub", role == 1 ? 9 : 7);
	v2x_frame_hello(&f, &h,
	                role == 1 ? V2X__WIRE__ROLE__ROLE_AGENT : V2X__WIRE__ROLE__ROLE_SUBSCRIBER,
	                id, tok, role == 1 ? 9 : 7);
	return v2x_frame_encode(&f, buf, cap, &len) == 0 ? len : 0;
}
