// SPDX-License-Identifier: GPL-2.0
/*
 * kipc-bench: the statistics of a row, without libm. A row's ratio is
 * taken per round (kipc's run and the kernel side's run of the same
 * round, next to each other in time) and summarised by the median of
 * those ratios and a distribution-free interval for it from order
 * statistics: the k-th smallest and k-th largest of n values bracket the
 * median with probability 1 - 2 P(B < k), B ~ Binomial(n, 1/2).
 */

#include <stdlib.h>

#include "bench.h"

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Sorts @v in place and returns its median. */
double median_of(double *v, int n)
{
	qsort(v, n, sizeof(v[0]), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/*
 * The interval for the median of @n sorted values is [v[k], v[n - 1 - k]]
 * for the k returned: the largest whose coverage is at least 95%, else 0
 * (min-max, the most there is below 6 values). *@conf gets its coverage.
 */
int median_interval(int n, double *conf)
{
	double p = 1, c = 1, cdf;
	int i, k = 0;

	for (i = 0; i < n; i++)
		p /= 2; /* P(B = 0) */
	cdf = p;
	*conf = 1 - 2 * cdf; /* of [v[0], v[n - 1]] */
	for (i = 1; 2 * i < n; i++) {
		c = c * (n - i + 1) / i; /* C(n, i) */
		cdf += c * p; /* P(B <= i) */
		if (1 - 2 * cdf < 0.95)
			break;
		k = i;
		*conf = 1 - 2 * cdf;
	}
	if (*conf < 0)
		*conf = 0;
	return k;
}
