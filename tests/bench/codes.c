/*
 * The codes the benchmark types, computed with liboath from each user's
 * secret, independently of any module's own TOTP code.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <liboath/oath.h>

#include "bench.h"

/* The widest window of the three modules (GA ±1, pam_tfa and oath ±2). */
#define WRONG_SPAN 3

void
bench_code(const struct bench_user *u, time_t when, char *out)
{
	if (oath_totp_generate((const char *)u->totp.secret,
	    u->totp.secret_len, when, BENCH_STEP, 0, 6, out) != OATH_OK) {
		fprintf(stderr, "bench: oath_totp_generate failed\n");
		abort();
	}
}

/* A six-digit code that matches no step within WRONG_SPAN of when. */
void
bench_wrong_code(const struct bench_user *u, time_t when, char *out)
{
	char near[2 * WRONG_SPAN + 1][8];
	unsigned v;
	int i, hit;

	for (i = -WRONG_SPAN; i <= WRONG_SPAN; i++)
		bench_code(u, when + (time_t)i * BENCH_STEP,
		    near[i + WRONG_SPAN]);
	v = ((unsigned)strtoul(near[WRONG_SPAN], NULL, 10) + 500000) % 1000000;
	do {
		snprintf(out, 7, "%06u", v);
		for (hit = 0, i = 0; i < 2 * WRONG_SPAN + 1; i++)
			hit |= strcmp(out, near[i]) == 0;
		v = (v + 1) % 1000000;
	} while (hit);
}
