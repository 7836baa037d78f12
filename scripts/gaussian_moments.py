#!/usr/bin/env python3
"""Gaussian moments and gains of initlab's activations, computed independently
of the C code (GSL's adaptive Gauss-Kronrod) by double-exponential (tanh-sinh)
quadrature in plain Python: no numpy, scipy or mpmath.  Prints the values that
tests/test_theory.c pins to 1e-8.

E[f(sqrt(q) z)] = int f(sqrt(q) z) N(z) dz over z in [-40, 40] (the density
is below 1e-347 beyond), split at 0 and at every kink of phi (h = 0, and
h = +-1 for hardtanh), so that each piece is smooth and tanh-sinh converges
double-exponentially; the step is halved until two successive sums agree to
1e-15 relative.  Sums use math.fsum.

Usage: python3 scripts/gaussian_moments.py
"""
import math

SQRT2 = math.sqrt(2.0)
INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)
LAMBDA = 1.0507009873554804934193349852946
ALPHA = 1.6732632423543772848170429916717
C = math.sqrt(2.0 / math.pi)
K = 0.044715


def sigm(t):
    if t >= 0:
        return 1.0 / (1.0 + math.exp(-t))
    e = math.exp(t)
    return e / (1.0 + e)


def softplus(t):
    return t + math.log1p(math.exp(-t)) if t > 0 else math.log1p(math.exp(t))


def Phi(h):
    return 0.5 * math.erfc(-h / SQRT2)


ACTS = {
    # name: (phi, phi', kinks in h)
    "relu": (lambda h: max(h, 0.0), lambda h: 1.0 if h > 0 else 0.0, [0.0]),
    "tanh": (math.tanh, lambda h: 1.0 - math.tanh(h) ** 2, []),
    "selu": (lambda h: LAMBDA * h if h > 0 else LAMBDA * ALPHA * math.expm1(h),
             lambda h: LAMBDA if h > 0 else LAMBDA * ALPHA * math.exp(h), [0.0]),
    "gelu": (lambda h: h * Phi(h),
             lambda h: Phi(h) + h * INV_SQRT_2PI * math.exp(-0.5 * h * h), []),
    "gelu_tanh": (lambda h: 0.5 * h * (1.0 + math.tanh(C * (h + K * h ** 3))),
                  lambda h: 0.5 * (1.0 + math.tanh(C * (h + K * h ** 3)))
                  + 0.5 * h * (1.0 - math.tanh(C * (h + K * h ** 3)) ** 2) * C * (1.0 + 3.0 * K * h * h), []),
    "silu": (lambda h: h * sigm(h), lambda h: sigm(h) * (1.0 + h * (1.0 - sigm(h))), []),
    "elu:alpha=1": (lambda h: h if h > 0 else math.expm1(h),
                    lambda h: 1.0 if h > 0 else math.exp(h), [0.0]),
    "softplus:beta=1": (softplus, sigm, []),
    "mish": (lambda h: h * math.tanh(softplus(h)),
             lambda h: math.tanh(softplus(h)) + h * (1.0 - math.tanh(softplus(h)) ** 2) * sigm(h), []),
    "hardtanh": (lambda h: max(-1.0, min(h, 1.0)), lambda h: 1.0 if -1.0 < h < 1.0 else 0.0, [-1.0, 0.0, 1.0]),
}


def tanh_sinh(f, a, b):
    """int_a^b f by the tanh-sinh rule, halving the step until converged."""
    c, r = 0.5 * (a + b), 0.5 * (b - a)
    prev = None
    for level in range(3, 12):
        hstep = 2.0 ** -level
        terms = []
        k = 0
        while True:
            t = k * hstep
            u = 0.5 * math.pi * math.sinh(t)
            x = math.tanh(u)
            w = 0.5 * math.pi * math.cosh(t) / math.cosh(u) ** 2
            if w < 1e-300 or 1.0 - abs(x) == 0.0:
                break
            for s in ((1,) if k == 0 else (1, -1)):
                terms.append(w * f(c + r * s * x))
            k += 1
        total = r * hstep * math.fsum(terms)
        if prev is not None and abs(total - prev) <= 1e-15 * abs(total):
            return total
        prev = total
    return total


def expect(fn, q, kinks):
    s = math.sqrt(q)
    cuts = sorted({-40.0, 0.0, 40.0} | {k / s for k in kinks if abs(k / s) < 40.0})
    g = lambda z: fn(s * z) * INV_SQRT_2PI * math.exp(-0.5 * z * z)
    return math.fsum(tanh_sinh(g, lo, hi) for lo, hi in zip(cuts, cuts[1:]))


def main():
    print("# act q E[phi] E[phi^2] E[phi'^2] E[h phi phi']  gain_second gamma gain_critical")
    for name, (phi, dphi, kinks) in ACTS.items():
        for q in (1.0, 2.5):
            m = expect(phi, q, kinks)
            m2 = expect(lambda h: phi(h) ** 2, q, kinks)
            d2 = expect(lambda h: dphi(h) ** 2, q, kinks)
            hpd = expect(lambda h: h * phi(h) * dphi(h), q, kinks)
            line = "%s %.17g %.17g %.17g %.17g %.17g" % (name, q, m, m2, d2, hpd)
            if q == 1.0:
                line += "  %.17g %.17g %.17g" % (1 / math.sqrt(m2), 1 / math.sqrt(m2 - m * m), 1 / math.sqrt(d2))
            print(line)
    print("# exact: E[gelu(z)] = 1/(2 sqrt(pi)) = %.17g, E[relu(z)^2] = 1/2,"
          " relu gamma = 1/sqrt(1/2 - 1/(2 pi)) = %.17g"
          % (0.5 / math.sqrt(math.pi), 1 / math.sqrt(0.5 - 0.5 / math.pi)))


if __name__ == "__main__":
    main()
