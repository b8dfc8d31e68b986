/*
 * Formats a message and hands it to the caller's sink; a NULL sink drops it.
 */
#include <stdio.h>

#include "log.h"

void
tfa_log(const struct tfa_log *log, int prio, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	if (log == NULL || log->fn == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	log->fn(log->arg, prio, msg);
}
