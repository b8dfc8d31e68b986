/*
 * Logging: common/ never opens syslog itself; the caller (the PAM module
 * through pam_syslog, tfa-enroll through syslog and stderr) supplies a sink.
 */
#ifndef TFA_LOG_H
#define TFA_LOG_H

#include <stdarg.h>
#include <syslog.h>

struct tfa_log {
	void (*fn)(void *arg, int prio, const char *msg);
	void *arg;
};

void tfa_log(const struct tfa_log *log, int prio, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
