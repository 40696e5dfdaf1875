/*
 * framing: one UDP datagram from an RSU's radio module -> the UPER
 * MessageFrames it carries.
 *
 * Two modes, chosen by configuration:
 *
 * raw     the datagram is exactly one MessageFrame.
 *
 * vendor  the framing Chinese RSU vendors use between RSU and centre:
 *
 *           rsuID[8] timestamp_ms[8, little endian, ms since the epoch] body
 *
 *         where body is one of two layouts:
 *
 *           list   length[2, LE] frame[length], repeated to the end (a
 *                  single length+frame is a list of one)
 *           count  count[1], then count times length[2, LE] frame[length]
 *                  (what vendors send for BSMs, several to a datagram)
 *
 * Nothing in the bytes says which layout a body has, so with the layout
 * left to AGENT_FRAMING_LAYOUT_AUTO the rule is:
 *
 *   1. the count layout is taken when its entries end exactly at the end of
 *      the datagram (every length 1..max_frame, count entries, no byte left);
 *   2. else the list layout, when its entries end exactly at the end;
 *   3. else neither fits, and the datagram is reported with an error: the
 *      layout whose walk kept more whole frames before going wrong (ties: the
 *      one that got further in bytes, then list) gives the error and the
 *      frames still usable.
 *
 * The ambiguity: a list body can read as a valid count body by chance.  Its
 * first length's low byte is taken as the count, and its high byte with the
 * first frame's first byte as the first length.  For frames shorter than 256
 * bytes that length is 256 times the frame's first byte: zero (invalid) or
 * at least 256, so a list of one short frame never fits the count layout; a
 * list of several frames of more than 256 bytes in all can, improbably, when
 * every length read the count way lands exactly on the end.  When both
 * layouts fit, count is taken and the result is flagged
 * AGENT_FRAMING_F_AMBIGUOUS (counted by the pipeline).  A deployment that
 * knows its vendor's layout sets it in the configuration
 * (AGENT_FRAMING_LAYOUT_LIST or _COUNT), and then nothing is guessed.
 *
 * A length that lies (zero, above max_frame, beyond the datagram) ends the
 * walk: the frames before it are usable and the rest of the datagram is
 * dropped, since after a wrong length there is no way to find where the
 * next frame starts.  The datagram is reported with the error and the count
 * of frames still usable.
 *
 * Nothing here allocates; frames point into the caller's datagram.
 */
#ifndef V2X_RSU_AGENT_INGEST_FRAMING_H
#define V2X_RSU_AGENT_INGEST_FRAMING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "runtime/err.h"

/* Bytes of the vendor header: rsuID[8] + timestamp_ms[8]. */
#define AGENT_FRAMING_HEADER_LEN 16
#define AGENT_FRAMING_RSU_ID_LEN 8
/* Bytes agent_framing_rsu_id_format() needs: 16 hex digits and a NUL. */
#define AGENT_FRAMING_RSU_ID_STR 17

/* Defaults of struct agent_framing_config. */
#define AGENT_FRAMING_DEFAULT_MAX_DATAGRAM 32768
#define AGENT_FRAMING_DEFAULT_MAX_FRAME    16384

enum agent_framing_mode {
	AGENT_FRAMING_RAW = 0,
	AGENT_FRAMING_VENDOR = 1,
};

/* The mode names in enum order, NULL-terminated ("raw", "vendor"): usable as
 * the choices of a V2X_OPT_ENUM option. */
extern const char *const agent_framing_mode_names[];

enum agent_framing_layout {
	AGENT_FRAMING_LAYOUT_AUTO = 0,  /* configuration only: the rule above */
	AGENT_FRAMING_LAYOUT_LIST = 1,  /* vendor, length+frame repeated */
	AGENT_FRAMING_LAYOUT_COUNT = 2, /* vendor, count byte first */
	AGENT_FRAMING_LAYOUT_RAW = 3,   /* result only: raw mode */
};

/* The configurable layout names in enum order, NULL-terminated ("auto",
 * "list", "count"). */
extern const char *const agent_framing_layout_names[];

/* Returns the name of layout ("auto", "list", "count", "raw"); static. */
const char *agent_framing_layout_name(enum agent_framing_layout layout);

/* Zero fields take the defaults, so a zeroed struct is raw mode. */
struct agent_framing_config {
	enum agent_framing_mode mode;
	enum agent_framing_layout vendor_layout; /* AUTO, LIST or COUNT */
	/* Datagrams longer than this are refused whole (V2X_ETOO_BIG).  The
	 * caller's receive buffer should be one byte longer, so that an
	 * oversize datagram shows as such rather than cut. */
	size_t max_datagram;
	/* Longest MessageFrame a vendor length may announce; the codec's own
	 * limit (V2X_CODEC_DEFAULT_MAX_MSG) is the natural value. */
	size_t max_frame;
};

/* Flags of a result. */
enum agent_framing_flag {
	/* Both vendor layouts fitted the body exactly; count was taken. */
	AGENT_FRAMING_F_AMBIGUOUS = 1u << 0,
};

/*
 * What agent_framing_split() found in one datagram.  The public fields are
 * read-only for the caller; the ones ending in _ are the cursor of
 * agent_framing_next().  Frames point into the datagram, which must stay
 * valid while they are used.
 */
struct agent_framing_result {
	enum agent_framing_layout layout;
	uint32_t flags; /* enum agent_framing_flag */
	/* Vendor mode with at least a header's worth of bytes: */
	bool has_header;
	uint8_t rsu_id[AGENT_FRAMING_RSU_ID_LEN];
	int64_t vendor_time_ms; /* the RSU's clock, ms since the epoch */
	size_t n_frames;        /* frames usable, even when err != 0 */
	int err;                /* 0, or why (the rest of) the datagram was dropped */
	size_t err_offset;      /* where in the datagram it went wrong */
	const uint8_t *next_;
	size_t left_;
	size_t yielded_;
};

/* Fills cfg with the defaults (the same as zero fields). */
void agent_framing_config_default(struct agent_framing_config *cfg);

/*
 * Checks cfg: V2X_ECONFIG for an unknown mode or layout, a max_frame above
 * 65535 (a 2-byte length cannot say more) or above max_datagram.  Zero
 * fields are read as their defaults.
 */
int agent_framing_config_check(const struct agent_framing_config *cfg);

/*
 * Splits buf[0..len) (borrowed; the frames point into it) by cfg into *out.
 * Returns out->err: 0 when the whole datagram was valid framing, else
 * V2X_ETOO_BIG (a datagram above max_datagram, dropped whole, or a length
 * above max_frame), V2X_ETRUNCATED (empty, a header or length cut short, a
 * length beyond the end, fewer entries than the count said), V2X_EMALFORMED
 * (a zero length) or V2X_ETRAILING (bytes after the last whole frame, or
 * after count entries).  Even then out->n_frames frames are usable.  In raw
 * mode the frame itself is not looked into: the codec judges it.
 */
int agent_framing_split(const struct agent_framing_config *cfg, const uint8_t *buf, size_t len,
                        struct agent_framing_result *out);

/*
 * Yields the next usable frame of r in *frame / *len (pointing into the
 * datagram).  Returns false when all n_frames were yielded.
 */
bool agent_framing_next(struct agent_framing_result *r, const uint8_t **frame, size_t *len);

/*
 * Writes the text form of a vendor rsuID into buf (len >=
 * AGENT_FRAMING_RSU_ID_STR): the ASCII text when the 8 bytes are printable
 * ASCII padded with NULs ("12345\0\0\0" -> "12345"), as vendors configure
 * them, else 16 lower-case hex digits.  The two forms cannot collide (text
 * is at most 8 characters).  Returns 0, or V2X_EINVAL when len is too small.
 */
int agent_framing_rsu_id_format(const uint8_t id[AGENT_FRAMING_RSU_ID_LEN], char *buf, size_t len);

#endif
