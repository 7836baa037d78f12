# initlab: measure how initializers carry variance through deep networks.
# Targets: all (build/initlab), mpi (build/initlab-mpi), check, reproduce, plots, bench, fuzz, lint,
# install, uninstall, clean.

PKG_CONFIG ?= pkg-config
CC ?= cc
GNUPLOT ?= gnuplot
# make install: $(DESTDIR)$(PREFIX)/bin/initlab, its man page, and the plot
# scripts and experiments under $(PREFIX)/share/initlab, a path compiled into
# the binary (ILAB_DATADIR) so that it finds them once installed.
PREFIX ?= /usr/local
DATADIR = $(PREFIX)/share/initlab
MANDIR = $(PREFIX)/share/man/man1
INSTALL ?= install

# GSL's flags, with its reference CBLAS (-lgslcblas) replaced by OpenBLAS:
# gsl_blas_dgemm at n = 512 runs ~15x faster with it on the machines we use.
GSL_CFLAGS := $(shell $(PKG_CONFIG) --cflags gsl 2>/dev/null)
GSL_LIBS := $(subst -lgslcblas,-lopenblas,$(shell $(PKG_CONFIG) --libs gsl 2>/dev/null || echo -lgsl -lgslcblas -lm))

# Warning-free under these.  -Wconversion is not on yet: see the count in
# the comment of 'make lint'.
WARN = -Wall -Wextra -Wpedantic -Wshadow -Wstrict-prototypes -Wmissing-prototypes
# -O2 vectorizes only loops that need no remainder; the dynamic cost model
# vectorizes the per-element passes (conversions, maxima, counts) too.  It
# cannot change a result: without -ffast-math no sum is reordered, and in
# -std=c11 no multiply and add is fused (-ffp-contract=off).  No -march: the
# binary runs on any x86-64; OpenBLAS dispatches its own kernels.
# clang has no such flag (it vectorizes these loops at -O2): asked of $(CC).
VECT := $(shell $(CC) -fvect-cost-model=dynamic -E -x c /dev/null >/dev/null 2>&1 && echo -fvect-cost-model=dynamic)
OPT = -O2 $(VECT)
ALL_CFLAGS = -std=c11 -D_POSIX_C_SOURCE=200809L $(WARN) $(OPT) -g -MMD -MP $(GSL_CFLAGS) -Isrc \
             -DILAB_DATADIR='"$(DATADIR)"' $(CFLAGS)
LIBS = -llapacke $(GSL_LIBS) -lzip -ljansson -lpthread -lm

LIB_SRC := $(filter-out src/main.c src/cmd_%.c,$(wildcard src/*.c))
CMD_SRC := src/main.c $(filter-out src/cmd_mpi.c,$(wildcard src/cmd_*.c))
TEST_SRC := $(wildcard tests/test_*.c)

OBJ := $(LIB_SRC:src/%.c=build/obj/%.o)
CMD_OBJ := $(CMD_SRC:src/%.c=build/obj/%.o)
TEST_BIN := $(TEST_SRC:tests/%.c=build/tests/%)

# build/initlab-mpi: the command layer compiled again by Open MPI's mpicc
# with -DILAB_MPI, plus src/cmd_mpi.c (its main and the only file that
# includes mpi.h), over the same library; build/initlab links no MPI.
MPICC ?= mpicc
MPI_OBJ := $(CMD_SRC:src/%.c=build/mpi/obj/%.o) build/mpi/obj/cmd_mpi.o
# its include path, for clang-tidy over src/cmd_mpi.c (expanded when used,
# after scripts/deps.sh has run)
MPI_CFLAGS = $(shell $(MPICC) --showme:compile 2>/dev/null)

# The same library and tests built with AddressSanitizer and UBSan.
SAN = -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
ASAN_OBJ := $(LIB_SRC:src/%.c=build/asan/obj/%.o)
ASAN_TEST_BIN := $(TEST_SRC:tests/%.c=build/asan/tests/%)

# The parsers' libFuzzer targets (tests/fuzz/fuzz_NAME.c), built with clang
# against the library compiled again with the same instrumentation, and the
# seconds each runs for in 'make fuzz'.  -ftrivial-auto-var-init=pattern fills
# every uninitialised local with 0xAA bytes, so that a string read from one
# runs on into ASan's red zone instead of stopping at a stale NUL.
FUZZ_CC ?= clang
FUZZ_SECONDS ?= 60
FUZZ_SAN = -fsanitize=fuzzer,address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined \
           -ftrivial-auto-var-init=pattern
FUZZ_NAMES := config scheme npy npz safetensors text
FUZZ_OBJ := $(LIB_SRC:src/%.c=build/fuzz/obj/%.o)
FUZZ_BIN := $(FUZZ_NAMES:%=build/fuzz/fuzz_%)

EXPERIMENTS := $(wildcard experiments/*.cfg)

.PHONY: all mpi check reproduce run plots plots-draw bench fuzz deps clean install uninstall lint

all: build/initlab

# The flags each object was compiled with: rewritten when they change (a new
# PREFIX, say), so that every object depending on it is rebuilt.
build/flags: FORCE | build/obj
	@echo '$(ALL_CFLAGS)' | cmp -s - $@ || echo '$(ALL_CFLAGS)' >$@
FORCE:

build/obj/%.o: src/%.c build/flags | build/obj
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

build/libinitlab.a: $(OBJ)
	$(AR) rcs $@ $^

build/initlab: $(CMD_OBJ) build/libinitlab.a
	$(CC) $(ALL_CFLAGS) -o $@ $(CMD_OBJ) build/libinitlab.a $(LIBS)

mpi: build/initlab-mpi

build/mpi/obj/%.o: src/%.c build/flags | build/mpi/obj
	$(MPICC) $(ALL_CFLAGS) -DILAB_MPI -c -o $@ $<

build/initlab-mpi: $(MPI_OBJ) build/libinitlab.a
	$(MPICC) $(ALL_CFLAGS) -o $@ $(MPI_OBJ) build/libinitlab.a $(LIBS)

build/tests/%: tests/%.c tests/test.h build/libinitlab.a | build/tests
	$(CC) $(ALL_CFLAGS) -Itests -o $@ $< build/libinitlab.a $(LIBS)

build/asan/obj/%.o: src/%.c build/flags | build/asan/obj
	$(CC) $(ALL_CFLAGS) $(SAN) -c -o $@ $<

build/asan/libinitlab.a: $(ASAN_OBJ)
	$(AR) rcs $@ $^

build/asan/tests/%: tests/%.c tests/test.h build/asan/libinitlab.a | build/asan/tests
	$(CC) $(ALL_CFLAGS) $(SAN) -Itests -o $@ $< build/asan/libinitlab.a $(LIBS)

build/fuzz/obj/%.o: src/%.c build/flags | build/fuzz/obj
	$(FUZZ_CC) $(filter-out $(VECT),$(ALL_CFLAGS)) $(FUZZ_SAN) -c -o $@ $<

build/fuzz/libinitlab.a: $(FUZZ_OBJ)
	$(AR) rcs $@ $^

build/fuzz/fuzz_%: tests/fuzz/fuzz_%.c tests/fuzz/fuzz_calls.h build/fuzz/libinitlab.a
	$(FUZZ_CC) $(filter-out $(VECT),$(ALL_CFLAGS)) $(FUZZ_SAN) -Itests/fuzz -o $@ $< build/fuzz/libinitlab.a $(LIBS)

# The regression test replays tests/fuzz/regress/ through the fuzz targets' calls.
build/tests/test_fuzz_regress build/asan/tests/test_fuzz_regress: tests/fuzz/fuzz_calls.h
# The spectrum test compares against NumPy's answers (scripts/spectrum_reference.py).
build/tests/test_spectrum build/asan/tests/test_spectrum: tests/spectrum_fixture.h

build/obj build/tests build/asan/obj build/asan/tests build/fuzz/obj build/mpi/obj:
	mkdir -p $@

deps:
	@scripts/deps.sh

# make check: install what is missing, build, run every unit test (plain and
# under the sanitizers) and the command-line tests; the last line of output is
# "N passed, N failed".  build/initlab-mpi too where mpicc is (tests/cli_mpi.sh).
check: deps
	@$(MAKE) --no-print-directory build/initlab $(TEST_BIN) $(ASAN_TEST_BIN) \
	  $(if $(shell command -v $(MPICC) >/dev/null 2>&1 && echo yes),build/initlab-mpi)
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

# make plots: every results folder gets its figures, and only what changed is
# redrawn (each figure depends on its tables and scripts).  The gallery
# experiments, those with a hand-made plots/NAME.gp, get RESULTS/NAME/NAME.png
# and .svg; every other folder with a summary.tsv, a user's own included, gets
# 'initlab plot''s figures (RESULTS/NAME/variance.png, hist.png, claims.png,
# ...).  The README's gallery figures are copied to docs/.
RESULTS ?= results
PLOT_FORMATS ?= png svg
comma := ,
empty :=
space := $(empty) $(empty)
GALLERY := $(filter-out style fig_% coordcheck,$(basename $(notdir $(wildcard plots/*.gp))))
PLOT_LIB := plots/style.gp
# the table a gallery figure is given as infile, where it is not summary.tsv
GALLERY_TABLE_criticality := chi
GALLERY_TABLE_weights := hist
GALLERY_TABLE_isometry := spectrum
GALLERY_TABLE_he2015train := train
GALLERY_TABLE_saxe := train
GALLERY_TABLE_coordcheck_sgd := train_layers
GALLERY_TABLE_coordcheck_adam := train_layers
GALLERY_TABLE_phase := grid
RESULT_DIRS := $(patsubst %/summary.tsv,%,$(wildcard $(RESULTS)/*/summary.tsv))
# gallery figures whose experiment has run; weights needs no run
GALLERY_DONE := $(filter $(GALLERY),$(notdir $(RESULT_DIRS))) weights
GALLERY_PNG := $(foreach n,$(GALLERY_DONE),$(RESULTS)/$(n)/$(n).png)
AUTO_PNG := $(addsuffix /variance.png,$(filter-out $(addprefix $(RESULTS)/,$(GALLERY)),$(RESULT_DIRS)))
# the README's gallery, refreshed from the default results folder only
DOCS_PNG := $(if $(filter results,$(RESULTS)),$(addprefix docs/,$(addsuffix .png,$(filter depth fan frameworks criticality isometry activations fluctuation phase,$(GALLERY_DONE)))))

plots: build/initlab
	@command -v $(GNUPLOT) >/dev/null 2>&1 || { echo "make plots: $(GNUPLOT) is not installed (scripts/deps.sh installs it)" >&2; exit 1; }
	@$(MAKE) --no-print-directory plots-draw
plots-draw: $(GALLERY_PNG) $(AUTO_PNG) $(DOCS_PNG)

.SECONDEXPANSION:
.DELETE_ON_ERROR:

# A gallery figure: plots/NAME.gp over its experiment's tables.
$(RESULTS)/%.png: $$(wildcard $(RESULTS)/$$(*D)/*.tsv) plots/$$(*F).gp $(PLOT_LIB)
	$(GNUPLOT) -e "infile='$(RESULTS)/$(*D)/$(or $(GALLERY_TABLE_$(*F)),summary).tsv'; outfile='$(RESULTS)/$*'; formats='$(PLOT_FORMATS)'" plots/$(*F).gp
	@echo "plots: $@"

# Tables that gallery figures draw from, made by their scripts.
$(RESULTS)/criticality/criticality.png: $(RESULTS)/criticality/chi.tsv
$(RESULTS)/criticality/chi.tsv: $(RESULTS)/criticality/summary.tsv scripts/criticality.sh scripts/cols.sh build/initlab
	scripts/criticality.sh $(RESULTS)/criticality build/initlab
$(RESULTS)/phase/phase.png: $(RESULTS)/phase/grid.tsv
$(RESULTS)/phase/grid.tsv: $(RESULTS)/phase/rates.tsv scripts/phase.sh scripts/cols.sh build/initlab
	scripts/phase.sh $(RESULTS)/phase build/initlab
$(RESULTS)/weights/weights.png: $(RESULTS)/weights/hist.tsv
$(RESULTS)/lsuv/lsuv.png: $(wildcard $(RESULTS)/lsuv_batch4/layers.tsv)
# the coordinate checks draw the standard parametrization's run beside muP's
$(RESULTS)/coordcheck_sgd/coordcheck_sgd.png: $(wildcard $(RESULTS)/coordcheck_sgd_sp/train_layers.tsv) plots/coordcheck.gp
$(RESULTS)/coordcheck_adam/coordcheck_adam.png: $(wildcard $(RESULTS)/coordcheck_adam_sp/train_layers.tsv) plots/coordcheck.gp
$(RESULTS)/precision/precision.png: $(wildcard $(RESULTS)/precision_bf16/summary.tsv $(RESULTS)/precision_loss/summary.tsv \
		$(RESULTS)/precision_loss_scaled/summary.tsv)
$(RESULTS)/weights/hist.tsv: scripts/weights.sh build/initlab
	scripts/weights.sh $(RESULTS)/weights build/initlab

# Any other folder: initlab plot draws what its tables allow.
$(RESULTS)/%/variance.png: $(RESULTS)/%/summary.tsv $$(wildcard $(RESULTS)/$$*/*.tsv) plots/fig_variance.gp \
		plots/fig_hist.gp plots/fig_claims.gp plots/fig_width.gp plots/fig_phase.gp $(PLOT_LIB) build/initlab
	build/initlab plot $(RESULTS)/$* --format $(subst $(space),$(comma),$(strip $(PLOT_FORMATS)))

docs/%.png: $(RESULTS)/$$*/$$*.png
	cp $< $@

# make bench: initlab bench, then NumPy on the same products if $(PYTHON)
# has numpy (results/bench/numpy.tsv), for comparison only, on the BLAS
# kernels initlab ran (OPENBLAS_CORETYPE: NumPy's OpenBLAS would otherwise
# fall back to Prescott's where initlab's platform.c does not).
PYTHON ?= /usr/bin/python3
# ... then cells per second for 1, 2, 3 threads and 1, 2, 3 MPI ranks
# (scripts/bench-mpi.sh; skipped, with a line, where mpicc is missing).
bench: deps
	@$(MAKE) --no-print-directory build/initlab \
	  $(if $(shell command -v $(MPICC) >/dev/null 2>&1 && echo yes),build/initlab-mpi)
	@build/initlab bench -o results/bench
	@if $(PYTHON) -c 'import numpy' 2>/dev/null; then \
	  core=$$(sed -n '1s/.*BLAS kernels \([A-Za-z0-9]*\).*/\1/p' results/bench/bench.tsv); \
	  case $$core in ''|unknown) ;; *) OPENBLAS_CORETYPE=$$core; export OPENBLAS_CORETYPE ;; esac; \
	  $(PYTHON) scripts/bench_numpy.py --threads $$(nproc) | tee results/bench/numpy.tsv; \
	else echo "numpy not found: no NumPy comparison"; fi
	@scripts/bench-mpi.sh results/bench

# make fuzz: install clang and libFuzzer's runtime if missing, build the fuzz
# targets and run each for FUZZ_SECONDS from its seed corpus
# (tests/fuzz/corpus_NAME/, and the saved inputs of tests/fuzz/regress/),
# inputs at most 4096 bytes.  New corpus entries go to build/fuzz/corpus/NAME/,
# the log to build/fuzz/NAME.log, a crashing input to build/fuzz/NAME-crash-*;
# the target fails if any fuzz target crashes.
fuzz:
	@scripts/deps.sh fuzz
	@$(MAKE) --no-print-directory $(FUZZ_BIN)
	@fail=0; for n in $(FUZZ_NAMES); do \
	  mkdir -p build/fuzz/corpus/$$n; \
	  echo "fuzz_$$n: $(FUZZ_SECONDS) s, log in build/fuzz/$$n.log"; \
	  UBSAN_OPTIONS=print_stacktrace=1 build/fuzz/fuzz_$$n -max_total_time=$(FUZZ_SECONDS) \
	    -max_len=4096 -timeout=10 -print_final_stats=1 -dict=tests/fuzz/$$n.dict \
	    -artifact_prefix=build/fuzz/$$n- build/fuzz/corpus/$$n tests/fuzz/corpus_$$n \
	    tests/fuzz/regress >build/fuzz/$$n.log 2>&1; st=$$?; \
	  grep -E '^#[0-9]+[[:space:]]+(INITED|DONE)|^stat::(number_of_executed_units|average_exec_per_sec|new_units_added|peak_rss_mb)' \
	    build/fuzz/$$n.log | sed 's/^/  /'; \
	  if [ $$st -ne 0 ]; then fail=1; echo "fuzz_$$n: FAILED (exit $$st):"; \
	    grep -E -A 30 '^==[0-9]+==|runtime error|^fuzz_' build/fuzz/$$n.log | head -n 60; \
	    ls build/fuzz/$$n-* 2>/dev/null; fi; \
	done; exit $$fail

# make lint: cppcheck and clang-tidy over src/, clean or failing.  Their
# configuration is checked in: .clang-tidy (the checks, and why some are left
# out) and scripts/cppcheck.supp (each suppression with its reason); a finding
# on one line is silenced in the source, beside the reason.
CPPCHECK ?= cppcheck
CLANG_TIDY ?= clang-tidy
LINT_DEFS = -std=c11 -D_POSIX_C_SOURCE=200809L $(GSL_CFLAGS) $(MPI_CFLAGS) -Isrc -DILAB_DATADIR='"$(DATADIR)"'
lint: deps
	$(CPPCHECK) --std=c11 --enable=warning,style,performance,portability --error-exitcode=1 \
	  --inline-suppr --suppressions-list=scripts/cppcheck.supp -q -Isrc -D__GNUC__ \
	  --template='{file}:{line}: {severity}: {message} [{id}]' src/
	@echo "$(CLANG_TIDY) --quiet src/*.c -- $(LINT_DEFS)"
	@mkdir -p build; $(CLANG_TIDY) --quiet $(wildcard src/*.c) -- $(LINT_DEFS) >build/clang-tidy.log 2>&1; \
	  st=$$?; grep -v '^[0-9]* warnings\{0,1\} generated\.$$' build/clang-tidy.log; exit $$st

# The man page: help2man over 'initlab --help' and every command's --help.
build/initlab.1: build/initlab scripts/manpage.sh
	scripts/manpage.sh build/initlab >$@.tmp && mv $@.tmp $@

install: build/initlab build/initlab.1
	$(INSTALL) -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(MANDIR) \
	  $(DESTDIR)$(DATADIR)/plots $(DESTDIR)$(DATADIR)/experiments
	$(INSTALL) -m 755 build/initlab $(DESTDIR)$(PREFIX)/bin/initlab
	$(INSTALL) -m 644 build/initlab.1 $(DESTDIR)$(MANDIR)/initlab.1
	$(INSTALL) -m 644 plots/*.gp $(DESTDIR)$(DATADIR)/plots/
	$(INSTALL) -m 644 experiments/*.cfg $(DESTDIR)$(DATADIR)/experiments/

# Removes what install put there, and initlab's own folders once empty.
uninstall:
	rm -f $(DESTDIR)$(PREFIX)/bin/initlab $(DESTDIR)$(MANDIR)/initlab.1 \
	  $(DESTDIR)$(DATADIR)/plots/*.gp $(DESTDIR)$(DATADIR)/experiments/*.cfg
	-rmdir $(DESTDIR)$(DATADIR)/plots $(DESTDIR)$(DATADIR)/experiments $(DESTDIR)$(DATADIR) 2>/dev/null

clean:
	rm -rf build

-include $(OBJ:.o=.d) $(CMD_OBJ:.o=.d) $(ASAN_OBJ:.o=.d) $(FUZZ_OBJ:.o=.d) $(MPI_OBJ:.o=.d)
