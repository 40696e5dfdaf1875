#include "rsu-agent/ingest/framing.h"

#include <string.h>

const char *const agent_framing_mode_names[] = { "raw", "vendor", NULL };
const char *const agent_framing_layout_names[] = { "auto", "list", "count", NULL };

/* Where a walk over length+frame entries ended. */
struct walk {
	size_t lead;   /* the count byte: 1 in the count layout, else 0 */
	size_t frames; /* whole, valid entries */
	size_t used;   /* bytes of them, after the lead */
	int err;       /* 0 when the entries end exactly at the end */
};

const char *agent_framing_layout_name(enum agent_framing_layout layout)
{
	switch (layout) {
	case AGENT_FRAMING_LAYOUT_AUTO:
		return "auto";
	case AGENT_FRAMING_LAYOUT_LIST:
		return "list";
	case AGENT_FRAMING_LAYOUT_COUNT:
		return "count";
	case AGENT_FRAMING_LAYOUT_RAW:
		return "raw";
	}
	return "?";
}

void agent_framing_config_default(struct agent_framing_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->mode = AGENT_FRAMING_RAW;
	cfg->vendor_layout = AGENT_FRAMING_LAYOUT_AUTO;
	cfg->max_datagram = AGENT_FRAMING_DEFAULT_MAX_DATAGRAM;
	cfg->max_frame = AGENT_FRAMING_DEFAULT_MAX_FRAME;
}

static size_t max_datagram(const struct agent_framing_config *cfg)
{
	return cfg->max_datagram ? cfg->max_datagram : AGENT_FRAMING_DEFAULT_MAX_DATAGRAM;
}

static size_t max_frame(const struct agent_framing_config *cfg)
{
	return cfg->max_frame ? cfg->max_frame : AGENT_FRAMING_DEFAULT_MAX_FRAME;
}

int agent_framing_config_check(const struct agent_framing_config *cfg)
{
	if (cfg->mode != AGENT_FRAMING_RAW && cfg->mode != AGENT_FRAMING_VENDOR)
		return V2X_ECONFIG;
	if (cfg->vendor_layout != AGENT_FRAMING_LAYOUT_AUTO &&
	    cfg->vendor_layout != AGENT_FRAMING_LAYOUT_LIST &&
	    cfg->vendor_layout != AGENT_FRAMING_LAYOUT_COUNT)
		return V2X_ECONFIG;
	if (max_frame(cfg) > 0xffff || max_frame(cfg) > max_datagram(cfg))
		return V2X_ECONFIG;
	return 0;
}

static uint16_t le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | (unsigned)p[1] << 8);
}

static uint64_t le64(const uint8_t *p)
{
	uint64_t v = 0;

	for (int i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

/* Judges one length of an entry with room bytes left after it. */
static int check_length(size_t length, size_t room, size_t limit)
{
	if (length == 0)
		return V2X_EMALFORMED;
	if (length > limit)
		return V2X_ETOO_BIG;
	if (length > room)
		return V2X_ETRUNCATED;
	return 0;
}

/*
 * Walks up to max_entries length+frame entries of p[0..n).  Stops at the
 * first bad length.  Bytes left once max_entries are walked are trailing;
 * a single byte left in an open-ended list (max_entries SIZE_MAX) after at
 * least one frame is trailing too, since it cannot hold a length.
 */
static struct walk walk_entries(const uint8_t *p, size_t n, size_t max_entries, size_t limit)
{
	struct walk w = { 0, 0, 0, 0 };
	bool short_of;

	while (w.frames < max_entries && w.used < n) {
		size_t room = n - w.used;

		if (room < 2) {
			bool stray = max_entries == SIZE_MAX && w.frames > 0;
			w.err = stray ? V2X_ETRAILING : V2X_ETRUNCATED;
			return w;
		}
		w.err = check_length(le16(p + w.used), room - 2, limit);
		if (w.err)
			return w;
		w.used += 2 + (size_t)le16(p + w.used);
		w.frames++;
	}
	/* Fewer entries than the count said, or an open-ended list of none. */
	short_of = max_entries != SIZE_MAX ? w.frames < max_entries : w.frames == 0;

	if (w.used < n)
		w.err = V2X_ETRAILING;
	else if (short_of)
		w.err = V2X_ETRUNCATED;
	return w;
}

/* The count layout: a count byte, then that many entries. */
static struct walk walk_count(const uint8_t *body, size_t n, size_t limit)
{
	struct walk w;

	if (n == 0)
		return (struct walk){ 0, 0, 0, V2X_ETRUNCATED };
	w = walk_entries(body + 1, n - 1, body[0], limit);
	w.lead = 1;
	return w;
}

/* Whether walk a kept more of the datagram than walk b (rule 3): more
 * frames, or more bytes of frames; a count byte alone keeps nothing. */
static bool went_further(const struct walk *a, const struct walk *b)
{
	if (a->frames != b->frames)
		return a->frames > b->frames;
	return a->used > b->used;
}

/* Chooses the layout of a vendor body by the rule of framing.h. */
static enum agent_framing_layout pick_layout(const uint8_t *body, size_t n, size_t limit,
                                             struct walk *w, uint32_t *flags)
{
	struct walk count = walk_count(body, n, limit);
	struct walk list = walk_entries(body, n, SIZE_MAX, limit);

	if (count.err == 0 || (list.err != 0 && went_further(&count, &list))) {
		if (count.err == 0 && list.err == 0)
			*flags |= AGENT_FRAMING_F_AMBIGUOUS;
		*w = count;
		return AGENT_FRAMING_LAYOUT_COUNT;
	}
	*w = list;
	return AGENT_FRAMING_LAYOUT_LIST;
}

static void read_header(const uint8_t *buf, struct agent_framing_result *out)
{
	memcpy(out->rsu_id, buf, AGENT_FRAMING_RSU_ID_LEN);
	out->vendor_time_ms = (int64_t)le64(buf + AGENT_FRAMING_RSU_ID_LEN);
	out->has_header = true;
}

static int split_vendor(const struct agent_framing_config *cfg, const uint8_t *buf, size_t len,
                        struct agent_framing_result *out)
{
	const uint8_t *body = buf + AGENT_FRAMING_HEADER_LEN;
	size_t n = len - AGENT_FRAMING_HEADER_LEN;
	struct walk w;

	read_header(buf, out);
	if (cfg->vendor_layout == AGENT_FRAMING_LAYOUT_COUNT) {
		out->layout = AGENT_FRAMING_LAYOUT_COUNT;
		w = walk_count(body, n, max_frame(cfg));
	} else if (cfg->vendor_layout == AGENT_FRAMING_LAYOUT_LIST) {
		out->layout = AGENT_FRAMING_LAYOUT_LIST;
		w = walk_entries(body, n, SIZE_MAX, max_frame(cfg));
	} else {
		out->layout = pick_layout(body, n, max_frame(cfg), &w, &out->flags);
	}
	out->n_frames = w.frames;
	out->err = w.err;
	out->err_offset = w.err ? AGENT_FRAMING_HEADER_LEN + w.lead + w.used : 0;
	out->next_ = body + w.lead;
	out->left_ = w.used;
	return out->err;
}

static int split_raw(const struct agent_framing_config *cfg, const uint8_t *buf, size_t len,
                     struct agent_framing_result *out)
{
	out->layout = AGENT_FRAMING_LAYOUT_RAW;
	if (len == 0)
		out->err = V2X_ETRUNCATED;
	else if (len > max_frame(cfg))
		out->err = V2X_ETOO_BIG;
	if (out->err)
		return out->err;
	out->n_frames = 1;
	out->next_ = buf;
	out->left_ = len;
	return 0;
}

int agent_framing_split(const struct agent_framing_config *cfg, const uint8_t *buf, size_t len,
                        struct agent_framing_result *out)
{
	memset(out, 0, sizeof(*out));
	out->layout =
	        cfg->mode == AGENT_FRAMING_VENDOR ? cfg->vendor_layout : AGENT_FRAMING_LAYOUT_RAW;
	if (len > max_datagram(cfg)) {
		/* The header is still read, so that the log can name the RSU. */
		if (cfg->mode == AGENT_FRAMING_VENDOR && len >= AGENT_FRAMING_HEADER_LEN)
			read_header(buf, out);
		out->err = V2X_ETOO_BIG;
		return out->err;
	}
	if (cfg->mode != AGENT_FRAMING_VENDOR)
		return split_raw(cfg, buf, len, out);
	if (len < AGENT_FRAMING_HEADER_LEN) {
		out->err = V2X_ETRUNCATED;
		out->err_offset = len;
		return out->err;
	}
	return split_vendor(cfg, buf, len, out);
}

bool agent_framing_next(struct agent_framing_result *r, const uint8_t **frame, size_t *len)
{
	size_t n;

	if (r->yielded_ >= r->n_frames)
		return false;
	if (r->layout == AGENT_FRAMING_LAYOUT_RAW) {
		*frame = r->next_;
		*len = r->left_;
		r->yielded_++;
		return true;
	}
	/* split already checked every entry up to n_frames. */
	n = le16(r->next_);
	*frame = r->next_ + 2;
	*len = n;
	r->next_ += 2 + n;
	r->left_ -= 2 + n;
	r->yielded_++;
	return true;
}

/* Whether id is 1..8 printable ASCII characters followed only by NULs. */
static size_t text_id_len(const uint8_t *id)
{
	size_t n = 0;

	while (n < AGENT_FRAMING_RSU_ID_LEN && id[n] >= 0x20 && id[n] < 0x7f)
		n++;
	for (size_t i = n; i < AGENT_FRAMING_RSU_ID_LEN; i++) {
		if (id[i] != 0)
			return 0;
	}
	return n;
}

int agent_framing_rsu_id_format(const uint8_t id[AGENT_FRAMING_RSU_ID_LEN], char *buf, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	size_t text = text_id_len(id);

	if (len < AGENT_FRAMING_RSU_ID_STR) {
		if (len)
			buf[0] = '\0';
		return V2X_EINVAL;
	}
	if (text) {
		memcpy(buf, id, text);
		buf[text] = '\0';
		return 0;
	}
	for (size_t i = 0; i < AGENT_FRAMING_RSU_ID_LEN; i++) {
		buf[2 * i] = hex[id[i] >> 4];
		buf[2 * i + 1] = hex[id[i] & 0xf];
	}
	buf[(size_t)2 * AGENT_FRAMING_RSU_ID_LEN] = '\0';
	return 0;
}
