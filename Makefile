# initlab: measure how initializers carry variance through deep networks.
# Targets: all (build/initlab), check, reproduce, plots, bench, clean.

PKG_CONFIG ?= pkg-config
CC ?= cc
GNUPLOT ?= gnuplot

# GSL's flags, with its reference CBLAS (-lgslcblas) replaced by OpenBLAS:
# gsl_blas_dgemm at n = 512 runs ~15x faster with it on the machines we use.
GSL_CFLAGS := $(shell $(PKG_CONFIG) --cflags gsl 2>/dev/null)
GSL_LIBS := $(subst -lgslcblas,-lopenblas,$(shell $(PKG_CONFIG) --libs gsl 2>/dev/null || echo -lgsl -lgslcblas -lm))

WARN = -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes
ALL_CFLAGS = -std=c11 -D_POSIX_C_SOURCE=200809L $(WARN) -O2 -g -MMD -MP $(GSL_CFLAGS) -Isrc $(CFLAGS)
LIBS = $(GSL_LIBS) -lpthread -lm

LIB_SRC := $(filter-out src/main.c src/cmd_%.c,$(wildcard src/*.c))
CMD_SRC := src/main.c $(wildcard src/cmd_*.c)
TEST_SRC := $(wildcard tests/test_*.c)

OBJ := $(LIB_SRC:src/%.c=build/obj/%.o)
CMD_OBJ := $(CMD_SRC:src/%.c=build/obj/%.o)
TEST_BIN := $(TEST_SRC:tests/%.c=build/tests/%)

# The same library and tests built with AddressSanitizer and UBSan.
SAN = -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
ASAN_OBJ := $(LIB_SRC:src/%.c=build/asan/obj/%.o)
ASAN_TEST_BIN := $(TEST_SRC:tests/%.c=build/asan/tests/%)

EXPERIMENTS := $(wildcard experiments/*.cfg)

.PHONY: all check check-asan reproduce run plots bench deps clean

all: build/initlab

build/obj/%.o: src/%.c | build/obj
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

build/libinitlab.a: $(OBJ)
	$(AR) rcs $@ $^

build/initlab: $(CMD_OBJ) build/libinitlab.a
	$(CC) $(ALL_CFLAGS) -o $@ $(CMD_OBJ) build/libinitlab.a $(LIBS)

build/tests/%: tests/%.c tests/test.h build/libinitlab.a | build/tests
	$(CC) $(ALL_CFLAGS) -Itests -o $@ $< build/libinitlab.a $(LIBS)

build/asan/obj/%.o: src/%.c | build/asan/obj
	$(CC) $(ALL_CFLAGS) $(SAN) -c -o $@ $<

build/asan/libinitlab.a: $(ASAN_OBJ)
	$(AR) rcs $@ $^

build/asan/tests/%: tests/%.c tests/test.h build/asan/libinitlab.a | build/asan/tests
	$(CC) $(ALL_CFLAGS) $(SAN) -Itests -o $@ $< build/asan/libinitlab.a $(LIBS)

build/obj build/tests build/asan/obj build/asan/tests:
	mkdir -p $@

deps:
	@scripts/deps.sh

# make check: install what is missing, build, run every unit test (plain and
# under the sanitizers) and the command-line tests; the last line of output is
# "N passed, N failed".
check: deps
	@$(MAKE) --no-print-directory build/initlab $(TEST_BIN) $(ASAN_TEST_BIN)
	@scripts/run-tests.sh build/tests build/asan/tests

# make reproduce: install what is missing, build, run every experiment into
# results/NAME/, then draw the figures.
reproduce: deps
	@$(MAKE) --no-print-directory build/initlab
	@$(MAKE) --no-print-directory run; st=$$?; \
	$(MAKE) --no-print-directory plots && exit $$st

# Every experiment runs even when an earlier one's claims fail; the table of
# all claims comes last, and the target fails if any claim did.
run: build/initlab
	@fail=0; for f in $(EXPERIMENTS); do \
	  n=$$(basename $$f .cfg); echo "initlab run $$f -o results/$$n"; \
	  build/initlab run $$f -o results/$$n || fail=1; done; \
	scripts/claims.sh results || fail=1; exit $$fail

plots:
	@scripts/plots.sh results

bench: deps
	@$(MAKE) --no-print-directory build/initlab
	@build/initlab bench -o results/bench

clean:
	rm -rf build

-include $(OBJ:.o=.d) $(CMD_OBJ:.o=.d) $(ASAN_OBJ:.o=.d)
