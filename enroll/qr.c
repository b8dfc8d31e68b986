/*
 * The QR code in the terminal: libqrencode makes the modules, we draw two
 * module rows per text line with UTF-8 half blocks.
 */
#include <errno.h>
#include <qrencode.h>

#include "enroll.h"

/* ISO/IEC 18004 asks for a 4-module light margin; phones need it. */
#define QUIET_ZONE 4

/*
 * Our own colours, black on bright white, whatever the terminal's theme: a
 * QR code drawn in a dark theme's light-on-dark comes out inverted, and
 * many phone readers do not decode inverted codes.  Reset at the end of
 * every line so a resize or a pager never smears the background.
 */
#define COLOUR	"\033[30;107m"
#define RESET	"\033[0m"

static int
dark(const QRcode *qr, int x, int y)
{
	if (x < 0 || y < 0 || x >= qr->width || y >= qr->width)
		return 0;
	return qr->data[y * qr->width + x] & 1;
}

/* One character for a dark or light top and bottom module. */
static const char *
half_blocks(int top, int bottom)
{
	static const char *cell[4] = {
		" ",			/* both light */
		"\xe2\x96\x84",		/* U+2584 lower half block */
		"\xe2\x96\x80",		/* U+2580 upper half block */
		"\xe2\x96\x88",		/* U+2588 full block */
	};

	return cell[(top << 1) | bottom];
}

tfa_err
tfa_enroll_qr_print(FILE *fp, const char *text)
{
	QRcode *qr;
	int x, y;

	errno = 0;
	/* version 0: the smallest that fits; 8-bit so case is kept */
	qr = QRcode_encodeString(text, 0, QR_ECLEVEL_M, QR_MODE_8, 1);
	if (qr == NULL)
		return errno == ENOMEM ? TFA_ERR_NOMEM : TFA_ERR_INVAL;
	for (y = -QUIET_ZONE; y < qr->width + QUIET_ZONE; y += 2) {
		fputs(COLOUR, fp);
		for (x = -QUIET_ZONE; x < qr->width + QUIET_ZONE; x++)
			fputs(half_blocks(dark(qr, x, y), dark(qr, x, y + 1)),
			    fp);
		fputs(RESET "\n", fp);
	}
	/* the modules spell out the secret */
	explicit_bzero(qr->data, (size_t)qr->width * (size_t)qr->width);
	QRcode_free(qr);
	return TFA_OK;
}
