#include "runtime/err.h"

#include <errno.h>
#include <stddef.h>

struct err_entry {
	const char *name;
	const char *msg;
};

#define ERR_ENTRY(name, msg) { #name, msg },
static const struct err_entry err_entries[] = { V2X_ERR_TABLE(ERR_ENTRY) };
#undef ERR_ENTRY

int v2x_err_index(int code)
{
	if (code >= 0 || code < -V2X_ERR_COUNT)
		return -1;
	return -code - 1;
}

const char *v2x_err_name(int code)
{
	int i = v2x_err_index(code);

	if (code == 0)
		return "OK";
	return i < 0 ? "UNKNOWN" : err_entries[i].name;
}

const char *v2x_strerror(int code)
{
	int i = v2x_err_index(code);

	if (code == 0)
		return "success";
	return i < 0 ? "unknown error" : err_entries[i].msg;
}

int v2x_err_from_errno(int errnum)
{
	switch (errnum) {
	case 0:
		return V2X_OK;
	case ENOMEM:
		return V2X_ENOMEM;
	case EINVAL:
		return V2X_EINVAL;
	case ENOENT:
		return V2X_ENOTFOUND;
	case ETIMEDOUT:
		return V2X_ETIMEOUT;
	case EIO:
		return V2X_EIO;
	default:
		return V2X_ESYS;
	}
}
