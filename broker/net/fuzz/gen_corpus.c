/*
 * gen_corpus: writes the seed corpus of fuzz_conn into a folder: sessions
 * that pass (agent, subscriber, cut in pieces), and each way a peer is
 * refused.  Byte 0 of each file is the piece size (fuzz_conn.c).
 *
 *   gen-conn-corpus DIR
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codecs/wire/frame.h"

struct seed {
	uint8_t buf[4096];
	size_t len;
};

static void put_frame(struct seed *s, const V2x__Wire__Frame *f)
{
	size_t len;

	if (v2x_frame_encode(f, s->buf + s->len, sizeof(s->buf) - s->len, &len) != 0)
		abort();
	s->len += len;
}

static void put_hello(struct seed *s, int role, const char *id, const char *token)
{
	V2x__Wire__Hello h;
	V2x__Wire__Frame f;
	char idbuf[128]; /* protobuf-c's fields are not const: copies */
	uint8_t tok[128];
	ProtobufCBinaryData cred = { strlen(token) < sizeof(tok) ? strlen(token) : sizeof(tok),
		                     tok };

	snprintf(idbuf, sizeof(idbuf), "%s", id);
	memcpy(cred.data, token, cred.len);
	v2x_frame_hello(&f, &h, (V2x__Wire__Role)role, idbuf, cred.data, cred.len);
	put_frame(s, &f);
}

static void put_heartbeat(struct seed *s)
{
	V2x__Wire__Heartbeat hb = V2X__WIRE__HEARTBEAT__INIT;
	V2x__Wire__Frame f = V2X__WIRE__FRAME__INIT;

	hb.has_send_time_us = 1;
	hb.send_time_us = 1764159031300000u;
	f.msg_case = V2X__WIRE__FRAME__MSG_HEARTBEAT;
	f.heartbeat = &hb;
	put_frame(s, &f);
}

static void put_subscribe(struct seed *s)
{
	V2x__Wire__Subscribe sub = V2X__WIRE__SUBSCRIBE__INIT;
	V2x__Wire__Unsubscribe un = V2X__WIRE__UNSUBSCRIBE__INIT;
	V2x__Wire__Frame f = V2X__WIRE__FRAME__INIT;

	sub.has_subscription_id = 1;
	sub.subscription_id = 7;
	f.msg_case = V2X__WIRE__FRAME__MSG_SUBSCRIBE;
	f.subscribe = &sub;
	put_frame(s, &f);
	f.msg_case = V2X__WIRE__FRAME__MSG_UNSUBSCRIBE;
	f.unsubscribe = &un;
	put_frame(s, &f);
}

static void put_observation(struct seed *s)
{
	V2x__Wire__Observation o = V2X__WIRE__OBSERVATION__INIT;
	V2x__Wire__Bsm bsm = V2X__WIRE__BSM__INIT;
	V2x__Wire__Frame f = V2X__WIRE__FRAME__INIT;
	char rsu_id[] = "rsu-1";

	o.rsu_id = rsu_id;
	o.has_seq = 1;
	o.seq = 1;
	o.msg_case = V2X__WIRE__OBSERVATION__MSG_BSM;
	o.bsm = &bsm;
	f.msg_case = V2X__WIRE__FRAME__MSG_OBSERVATION;
	f.observation = &o;
	put_frame(s, &f);
}

static void save(const char *dir, const char *name, uint8_t piece, const struct seed *s)
{
	char path[1024];
	FILE *fp;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fp = fopen(path, "wb");
	if (!fp || fputc(piece, fp) == EOF || fwrite(s->buf, 1, s->len, fp) != s->len ||
	    fclose(fp) != 0) {
		perror(path);
		exit(1);
	}
}

int main(int argc, char **argv)
{
	static const uint8_t garbage[] = { 5, 0xff, 0xff, 0xff, 0xff, 0xff };
	static const uint8_t huge[] = { 0x80, 0xc2, 0xd7, 0x2f };
	struct seed s;

	if (argc != 2) {
		fprintf(stderr, "usage: gen-conn-corpus DIR\n");
		return 2;
	}
	memset(&s, 0, sizeof(s));
	put_hello(&s, 1, "rsu-1", "tok-agent");
	put_heartbeat(&s);
	put_observation(&s);
	save(argv[1], "agent-session", 0, &s);
	save(argv[1], "agent-session-bytewise", 1, &s);
	save(argv[1], "agent-session-pieces", 7, &s);
	s.len = 0;
	put_hello(&s, 2, "oem-a", "tok-sub");
	put_subscribe(&s);
	put_heartbeat(&s);
	save(argv[1], "subscriber-session", 0, &s);
	s.len = 0;
	put_hello(&s, 1, "rsu-9", "tok-agent");
	save(argv[1], "agent-unbound-id", 0, &s);
	s.len = 0;
	put_hello(&s, 2, "oem-a", "tok-agent");
	save(argv[1], "wrong-role", 0, &s);
	s.len = 0;
	put_hello(&s, 1, "rsu-1", "nope");
	save(argv[1], "wrong-token", 0, &s);
	s.len = 0;
	put_heartbeat(&s);
	save(argv[1], "heartbeat-first", 0, &s);
	s.len = 0;
	put_hello(&s, 1, "rsu-1", "tok-agent");
	put_hello(&s, 1, "rsu-1", "tok-agent");
	save(argv[1], "hello-twice", 0, &s);
	memcpy(s.buf, garbage, sizeof(garbage));
	s.len = sizeof(garbage);
	save(argv[1], "garbage", 0, &s);
	memcpy(s.buf, huge, sizeof(huge));
	s.len = sizeof(huge);
	save(argv[1], "oversize-prefix", 0, &s);
	return 0;
}
