#include "runtime/log.h"

#include "runtime/clock.h"
#include "runtime/err.h"

#include <string.h>
#include <strings.h>

const char *const v2x_log_level_names[] = { "error", "warn", "info", "debug", NULL };

static const char *const level_tags[] = { "ERROR", "WARN", "INFO", "DEBUG" };

int v2x_log_level_parse(const char *name, enum v2x_log_level *out)
{
	for (int i = 0; v2x_log_level_names[i]; i++) {
		if (strcasecmp(name, v2x_log_level_names[i]) == 0) {
			*out = (enum v2x_log_level)i;
			return 0;
		}
	}
	/* "warning" is what people type after years of syslog. */
	if (strcasecmp(name, "warning") == 0) {
		*out = V2X_LOG_WARN;
		return 0;
	}
	return V2X_EINVAL;
}

int v2x_log_init(struct v2x_log *log, const char *component, const char *level)
{
	log->level = V2X_LOG_INFO;
	log->component = component;
	log->stream = stderr;
	if (!level)
		return 0;
	return v2x_log_level_parse(level, &log->level);
}

const char *v2x_log_level_tag(enum v2x_log_level level)
{
	if ((unsigned)level > V2X_LOG_DEBUG)
		return "?";
	return level_tags[level];
}

bool v2x_log_enabled(const struct v2x_log *log, enum v2x_log_level level)
{
	return log && log->stream && level <= log->level;
}

/* Drops trailing newlines and turns the others into spaces; returns the length. */
static size_t one_line(char *s, size_t len)
{
	while (len && (s[len - 1] == '\n' || s[len - 1] == '\r'))
		s[--len] = '\0';
	for (size_t i = 0; i < len; i++) {
		if (s[i] == '\n' || s[i] == '\r')
			s[i] = ' ';
	}
	return len;
}

void v2x_vlogf(const struct v2x_log *log, enum v2x_log_level level, const char *fmt, va_list ap)
{
	/* The body may use all but two bytes: the newline and vsnprintf's NUL. */
	char line[V2X_LOG_LINE_MAX];
	char when[V2X_CLOCK_ISO_LEN];
	size_t room, len;
	int head, body;

	if (!v2x_log_enabled(log, level))
		return;
	v2x_clock_format_iso(v2x_clock_wall_ms(), when, sizeof(when));
	head = snprintf(line, sizeof(line), "%s %s %s: ", when, v2x_log_level_tag(level),
	                log->component ? log->component : "-");
	if (head < 0 || (size_t)head + 8 > sizeof(line))
		return;
	room = sizeof(line) - 1 - (size_t)head;
	body = vsnprintf(line + head, room, fmt, ap);
	if (body < 0)
		return;
	len = (size_t)body < room ? (size_t)body : room - 1;
	len = one_line(line + head, len);
	if ((size_t)body >= room && len >= 3)
		memset(line + head + len - 3, '.', 3);
	len += (size_t)head;
	line[len++] = '\n';
	fwrite(line, 1, len, log->stream);
	fflush(log->stream);
}

void v2x_logf(const struct v2x_log *log, enum v2x_log_level level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	v2x_vlogf(log, level, fmt, ap);
	va_end(ap);
}
