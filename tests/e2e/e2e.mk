# End-to-end tests against real Dovecot, Postfix and saslauthd (issue 4),
# included from the top-level Makefile.  tests/e2e/test_e2e.sh is run by
# tests/run.sh with the rest; it needs root and the packages of the e2e
# set in scripts/deps.sh, which `make check` installs when run as root.

E2E_TOOLS	 = $(BUILD)/tests/tfa-testrec

.PHONY: e2e-deps

# Never fails: without root (or the packages) the tests skip loudly.
e2e-deps:
	@sh scripts/deps.sh e2e || echo "e2e: the mail servers are not" \
	    "installed; the end-to-end tests will be skipped"

check: e2e-deps
tests-build: $(E2E_TOOLS)

$(BUILD)/tests/tfa-testrec: tests/tools/tfa-testrec.c $(LIBTFA)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -o $@ $< $(LIBTFA) $(LIBS)
