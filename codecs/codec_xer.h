/*
 * codec_xer: MessageFrames in ASN.1 XER, the XML form in which the
 * standard's captured vectors are written beside their UPER bytes.  For
 * the codec's own tests, which compare decoded values with those files;
 * not an interface for untrusted input (asn1c's XER decoder is not fuzzed).
 */
#ifndef V2X_CODECS_CODEC_XER_H
#define V2X_CODECS_CODEC_XER_H

#include "codecs/codec.h"

/*
 * Decodes a MessageFrame given in ASN.1 XER (the XML form that asn1c and
 * other ASN.1 tools print, as in the .xer files of captured messages) from
 * xml[0..len).  Otherwise as v2x_codec_decode: the message is owned by
 * codec; failures are V2X_EPARSE (not XER of a MessageFrame) or what
 * normalisation finds (V2X_EMALFORMED).
 */
int codec__decode_xer(struct v2x_codec *codec, const char *xml, size_t len,
                      const struct v2x_msg **out);

/*
 * Writes msg (borrowed) as XER text into buf[0..cap), NUL-terminated, the
 * length without the NUL in *len.  Fails as v2x_codec_encode does.
 */
int codec__encode_xer(struct v2x_codec *codec, const struct v2x_msg *msg, char *buf, size_t cap,
                      size_t *len);

#endif
