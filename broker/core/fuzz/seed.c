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
	V2x__Wire__Hello h = V2X__WIRE__HELLO__INIT;
	V2x__Wire__Frame f = V2X__WIRE__FRAME__INIT;
	char id[16];
	uint8_t tok[16];
	size_t len;

	memcpy(id, role == 1 ? "rsu-1" : "oem-a", 6);
	memcpy(tok, role == 1 ? "tok-agent" : "tok-sub", role == 1 ? 9 : 7);
	h.has_role = 1;
	h.role = role == 1 ? V2X__WIRE__ROLE__ROLE_AGENT : V2X__WIRE__ROLE__ROLE_SUBSCRIBER;
	h.id = id;
	h.has_credential = 1;
	h.credential.data = tok;
	h.credential.len = role == 1 ? 9 : 7;
	h.has_protocol_version = 1;
	h.protocol_version = 1;
	f.msg_case = V2X__WIRE__FRAME__MSG_HELLO;
	f.hello = &h;
	return v2x_frame_encode(&f, buf, cap, &len) == 0 ? len : 0;
}
