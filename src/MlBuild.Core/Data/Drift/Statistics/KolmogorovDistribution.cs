namespace MlBuild.Core.Data.Drift.Statistics;

/// <summary>
/// Distributions behind the Kolmogorov-Smirnov p-values, computed the way scipy 1.10 computes them so the figures agree
/// to 1e-9: the one-sample two-sided distribution of D_n (scipy <c>kstwo</c>, after Simard and L'Ecuyer 2011, which picks
/// between Ruben-Gambino, the Durbin matrix of Marsaglia-Tsang-Wang, Pomeranz, Pelz-Good and the one-sided Smirnov sum by
/// n and x), the one-sided Smirnov survival function, and the exact two-sample distributions (Hodges 1958; Viehmann 2021
/// for the inside method). MathNet.Numerics has no Kolmogorov distribution, hence this file.
/// </summary>
public static class KolmogorovDistribution
{
    const int ScaleExponent = 128;
    static readonly double Scale = Math.ScaleB(1.0, ScaleExponent);
    static readonly double InverseScale = Math.ScaleB(1.0, -ScaleExponent);
    const double MinLog = -708.3964185322641; // cephes MINLOG: exp of anything smaller underflows

    /// <summary>Pr(D_n &gt;= x) for the two-sided one-sample statistic D_n (scipy <c>kstwo.sf(x, n)</c>).</summary>
    public static double TwoSidedSurvival(int n, double x)
    {
        if (n <= 0) throw new ArgumentOutOfRangeException(nameof(n));
        if (double.IsNaN(x)) return double.NaN;
        // kstwo's support is [0.5/n, 1]: below it the survival is 1, above it 0.
        if (x <= 0.5 / n) return 1.0;
        if (x >= 1.0) return 0.0;
        double t = n * x;
        if (t <= 1.0)
        {
            // Ruben-Gambino, 1/(2n) < x <= 1/n.
            double cdf;
            if (n <= 140)
            {
                cdf = 1.0;
                for (int i = 1; i <= n; i++) cdf *= i * (1.0 / n) * (2 * t - 1);
            }
            else cdf = Math.Exp(LogNFactorialOverNToTheN(n) + n * Math.Log(2 * t - 1));
            return Clip(1.0 - cdf);
        }
        if (t >= n - 1) return Clip(2 * Math.Pow(1.0 - x, n)); // Ruben-Gambino
        if (x >= 0.5) return Clip(2 * SmirnovSurvival(n, x)); // exact: the two one-sided tails cannot overlap
        double nxSquared = t * x;
        if (n <= 140)
        {
            if (nxSquared <= 0.754693) return Clip(1.0 - DurbinMatrixCdf(n, x));
            if (nxSquared <= 4) return Clip(1.0 - PomeranzCdf(n, x));
            return Clip(2 * SmirnovSurvival(n, x));
        }
        if (nxSquared >= 370.0) return 0.0;
        if (nxSquared >= 2.2) return Clip(2 * SmirnovSurvival(n, x));
        double cdfProb;
        if (nxSquared >= 18.0) cdfProb = 1.0;
        else if (n <= 100000 && n * Math.Pow(x, 1.5) <= 1.4) cdfProb = DurbinMatrixCdf(n, x);
        else cdfProb = PelzGoodCdf(n, x);
        return Clip(1.0 - cdfProb);
    }

    /// <summary>
    /// Pr(D+_n &gt;= x) for the one-sided statistic (scipy <c>special.smirnov(n, x)</c>): the Birnbaum-Tingey sum, each
    /// term in logarithms with the binomial coefficient kept as mantissa and binary exponent so n up to a million stays
    /// within about 1e-10 relative.
    /// </summary>
    public static double SmirnovSurvival(int n, double x)
    {
        if (n <= 0 || double.IsNaN(x) || x < 0 || x > 1) return double.NaN;
        if (n == 1) return 1 - x;
        if (x == 0.0) return 1.0;
        if (x == 1.0) return 0.0;
        // floor(n*x) and its remainder, exactly (the product's rounding error recovered with a fused multiply-add).
        double nx = n * x;
        double nxError = Math.FusedMultiplyAdd(n, x, -nx);
        double nxFloorD = Math.Floor(nx);
        double alpha = (nx - nxFloorD) + nxError;
        if (alpha < 0) { nxFloorD -= 1; alpha += 1; }
        int nxFloor = (int)nxFloorD;
        if (alpha >= 1) { nxFloor += 1; alpha = 0; }
        int lastLowerTerm = n - nxFloor - (alpha == 0 ? 0 : 1);
        if (alpha == 0) lastLowerTerm -= 1;

        if (nxFloor == 0 || (nxFloor == 1 && alpha == 0))
        {
            double cdf = x * Math.Pow(1 + x, n - 1); // x <= 1/n
            return Clip(1 - cdf);
        }
        if (-2 * n * x * x < MinLog) return 0.0;
        if (nxFloor >= n - 1) return Clip(Math.Pow(1 - x, n));
        if (n > 1_000_000)
        {
            // scipy's approximation for very large n: p ~ exp(-(6nx+1)^2 / 18n).
            double logp = -Math.Pow(6.0 * n * x + 1, 2) / 18.0 / n;
            if (logp < -Math.Log(2)) return Clip(Math.Exp(logp));
            double cdf = -ExpMinusOne(logp); // as scipy: the complement through expm1 when the tail is large
            return Clip(1 - cdf);
        }

        // sf = x * sum_{v=0}^{last} C(n,v) (x+v/n)^(v-1) (1-x-v/n)^(n-v), summed as exp(log term - running max).
        double logX = Math.Log(x);
        double binomialMantissa = 1.0; // C(n, v) = mantissa * 2^exponent, mantissa in [0.5, 1) after the first update
        long binomialExponent = 0;
        double runningMax = double.NegativeInfinity, scaledSum = 0;
        int nTerms = lastLowerTerm + 1;
        for (int v = 0; v < nTerms; v++)
        {
            double logTerm;
            if (v == 0) logTerm = n * LogOnePlus(-x) - logX; // (1-x)^n / x
            else
            {
                double upper = x + (double)v / n;
                double lower = (double)(n - v) / n - x;
                logTerm = Math.Log(binomialMantissa) + binomialExponent * Math.Log(2)
                          + (v - 1) * Math.Log(upper) + (n - v) * Math.Log(lower);
            }
            if (double.IsNegativeInfinity(logTerm))
            {
                // A term that underflows to nothing adds nothing (scipy skips it too).
            }
            else if (logTerm > runningMax)
            {
                scaledSum = scaledSum * Math.Exp(runningMax - logTerm) + 1.0;
                runningMax = logTerm;
            }
            else
            {
                double scaled = Math.Exp(logTerm - runningMax);
                scaledSum += scaled;
                // Stop as scipy does once the remaining terms cannot reach the last bit of the sum.
                if (v != nTerms - 1 && 4.0 * (nTerms - v) * scaled < DoubleEpsilon * scaledSum) break;
            }
            // C(n, v+1) = C(n, v) * (n - v) / (v + 1), renormalised.
            double m = binomialMantissa * ((double)(n - v) / (v + 1));
            int e = Math.ILogB(m) + 1;
            binomialMantissa = Math.ScaleB(m, -e);
            binomialExponent += e;
        }
        return Clip(Math.Exp(logX + runningMax + Math.Log(scaledSum)));
    }

    /// <summary>
    /// Pr(D_{n1,n2} &gt;= h / lcm(n1, n2)) for the two-sided two-sample statistic (scipy's exact <c>ks_2samp</c>), or NaN
    /// when the computation loses range (the caller then falls back to the asymptotic distribution, as scipy does).
    /// </summary>
    public static double TwoSampleExactSurvival(int n1, int n2, long h)
    {
        if (n1 <= 0 || n2 <= 0) throw new ArgumentOutOfRangeException(n1 <= 0 ? nameof(n1) : nameof(n2));
        if (h <= 0) return 1.0;
        double p = n1 == n2 ? OutsideSquare(n1, h) : OuterProbabilityInside(n1, n2, Gcd(n1, n2), h);
        return p is >= 0 and <= 1 ? p : double.NaN;
    }

    internal static long Gcd(long a, long b)
    {
        while (b != 0) (a, b) = (b, a % b);
        return a;
    }

    /// <summary>Pr(D_{n,n} &gt;= h/n): 2 * (A0 (1 - A1 (1 - A2 (...)))) with each ratio of binomials as a product.</summary>
    static double OutsideSquare(long n, long h)
    {
        double p = 0.0;
        long k = (long)Math.Floor((double)n / h);
        while (k >= 0)
        {
            double p1 = 1.0;
            for (long j = 0; j < h; j++) p1 = (n - k * h - j) * p1 / (n + k * h + j + 1);
            p = p1 * (1.0 - p);
            k--;
        }
        return 2 * p;
    }

    /// <summary>
    /// 1 - the share of lattice paths from (0,0) to (m,n) that stay strictly inside |x/m - y/n| &lt; h/lcm(m,n), by the
    /// recursion for the complement (Viehmann 2021), one sliding column at a time.
    /// </summary>
    static double OuterProbabilityInside(long m, long n, long g, long h)
    {
        if (m < n) (m, n) = (n, m);
        long mg = m / g, ng = n / g;
        long minj = 0, maxj = Math.Min((long)Math.Ceiling((double)h / mg), n + 1);
        long curlen = maxj - minj;
        long lenA = Math.Min(2 * maxj + 2, n + 1);
        var a = new double[lenA];
        Array.Fill(a, 1.0);
        for (long j = minj; j < maxj; j++) a[j] = 0.0;
        for (long i = 1; i <= m; i++)
        {
            long lastMinj = minj, lastLen = curlen;
            minj = Math.Max((long)Math.Floor((double)(ng * i - h) / mg) + 1, 0);
            minj = Math.Min(minj, n);
            maxj = Math.Min((long)Math.Ceiling((double)(ng * i + h) / mg), n + 1);
            if (maxj <= minj) return 1.0;
            double val = minj == 0 ? 0.0 : 1.0;
            for (long jj = 0; jj < maxj - minj; jj++)
            {
                long j = jj + minj;
                val = (a[jj + minj - lastMinj] * i + val * j) / (i + j);
                a[jj] = val;
            }
            curlen = maxj - minj;
            if (lastLen > curlen)
                for (long r = maxj - minj; r < maxj - minj + (lastLen - curlen); r++) a[r] = 1;
        }
        return a[maxj - minj - 1];
    }

    const double DoubleEpsilon = 2.220446049250313e-16; // C's DBL_EPSILON (.NET's double.Epsilon is the smallest subnormal)

    /// <summary>log(1 + y), accurate for small y.</summary>
    static double LogOnePlus(double y)
    {
        double u = 1.0 + y;
        return u == 1.0 ? y : Math.Log(u) * y / (u - 1.0);
    }

    /// <summary>exp(y) - 1, accurate for small y.</summary>
    static double ExpMinusOne(double y)
    {
        if (Math.Abs(y) >= 0.5) return Math.Exp(y) - 1.0;
        double u = Math.Exp(y);
        if (u == 1.0) return y;
        double um1 = u - 1.0;
        return um1 == -1.0 ? -1.0 : um1 * y / Math.Log(u);
    }

    static double Clip(double p) => p < 0 ? 0 : p > 1 ? 1 : p;

    static readonly double[] StirlingCoefficients =
    [
        -2.955065359477124183e-2, 6.4102564102564102564e-3, -1.9175269175269175269e-3, 8.4175084175084175084e-4,
        -5.952380952380952381e-4, 7.9365079365079365079e-4, -2.7777777777777777778e-3, 8.3333333333333333333e-2,
    ];

    /// <summary>log(n!/n^n) by Stirling's series.</summary>
    static double LogNFactorialOverNToTheN(int n)
    {
        double rn = 1.0 / n;
        double poly = 0;
        foreach (var c in StirlingCoefficients) poly = poly * (rn / n) + c;
        return Math.Log(n) / 2 - n + Math.Log(2 * Math.PI) / 2 + rn * poly;
    }

    /// <summary>Pr(D_n &lt;= d) by the Durbin matrix (Marsaglia, Tsang and Wang 2003): the (k,k) entry of H^n, scaled.</summary>
    static double DurbinMatrixCdf(int n, double d)
    {
        if (d >= 1.0) return 1.0;
        double nd = n * d;
        if (nd <= 0.5) return 0.0;
        int k = (int)Math.Ceiling(nd);
        double h = k - nd;
        int m = 2 * k - 1;
        var v = new double[m];
        var w = new double[m];
        double fac = 1.0;
        for (int j = 1; j <= m; j++)
        {
            v[j - 1] = 1.0 - Math.Pow(h, j);
            w[j - 1] = fac;
            fac /= j;
            v[j - 1] *= fac;
        }
        double tt = Math.Pow(Math.Max(2 * h - 1.0, 0), m) - 2 * Math.Pow(h, m);
        v[m - 1] = (1.0 + tt) * fac;
        var hm = new double[m * m];
        for (int i = 1; i < m; i++)
            for (int r = i - 1; r < m; r++) hm[r * m + i] = w[r - (i - 1)];
        for (int r = 0; r < m; r++) hm[r * m] = v[r];
        for (int c = 0; c < m; c++) hm[(m - 1) * m + c] = v[m - 1 - c];

        var power = new double[m * m];
        for (int i = 0; i < m; i++) power[i * m + i] = 1.0;
        var scratch = new double[m * m];
        int nn = n;
        long exponent = 0, hExponent = 0;
        while (nn > 0)
        {
            if (nn % 2 == 1)
            {
                Multiply(power, hm, scratch, m);
                (power, scratch) = (scratch, power);
                exponent += hExponent;
            }
            Multiply(hm, hm, scratch, m);
            (hm, scratch) = (scratch, hm);
            hExponent *= 2;
            if (Math.Abs(hm[(k - 1) * m + (k - 1)]) > Scale)
            {
                for (int i = 0; i < hm.Length; i++) hm[i] *= InverseScale;
                hExponent += ScaleExponent;
            }
            nn /= 2;
        }
        double p = power[(k - 1) * m + (k - 1)];
        for (int i = 1; i <= n; i++)
        {
            p = i * p / n;
            if (Math.Abs(p) < InverseScale)
            {
                p *= Scale;
                exponent -= ScaleExponent;
            }
        }
        if (exponent != 0) p = Math.ScaleB(p, (int)exponent);
        return Clip(p);
    }

    static void Multiply(double[] a, double[] b, double[] result, int m)
    {
        Array.Clear(result);
        for (int i = 0; i < m; i++)
            for (int l = 0; l < m; l++)
            {
                double ail = a[i * m + l];
                if (ail == 0) continue;
                int rowB = l * m, rowR = i * m;
                for (int j = 0; j < m; j++) result[rowR + j] += ail * b[rowB + j];
            }
    }

    static (int J1, int J2) PomeranzBounds(int i, int n, int ll, int ceilf, int roundf)
    {
        int j1, j2;
        if (i == 0) { j1 = -ll - ceilf - 1; j2 = ll + ceilf - 1; }
        else
        {
            int ip1div2 = (i + 1) / 2, ip1mod2 = (i + 1) % 2;
            if (ip1mod2 == 0)
            {
                if (ip1div2 == n + 1) { j1 = n - ll - ceilf - 1; j2 = n + ll + ceilf - 1; }
                else { j1 = ip1div2 - 1 - ll - roundf - 1; j2 = ip1div2 + ll - 1 + ceilf - 1; }
            }
            else { j1 = ip1div2 - 1 - ll - 1; j2 = ip1div2 + ll + roundf - 1; }
        }
        return (Math.Max(j1 + 2, 0), Math.Min(j2, n));
    }

    /// <summary>Pr(D_n &lt;= x) by Pomeranz's recursion (1974), for n &lt;= 140.</summary>
    static double PomeranzCdf(int n, double x)
    {
        double t = n * x;
        int ll = (int)Math.Floor(t);
        double f = t - ll;
        double g = Math.Min(f, 1.0 - f);
        int ceilf = f > 0 ? 1 : 0;
        int roundf = f > 0.5 ? 1 : 0;
        int npwrs = 2 * (ll + 1);
        var gpower = new double[npwrs];
        var twogpower = new double[npwrs];
        var onem2gpower = new double[npwrs];
        gpower[0] = twogpower[0] = onem2gpower[0] = 1.0;
        long expnt = 0;
        double gOverN = g / n, twoGOverN = 2 * g / n, oneMinusTwoGOverN = (1 - 2 * g) / n;
        for (int m = 1; m < npwrs; m++)
        {
            gpower[m] = gpower[m - 1] * gOverN / m;
            twogpower[m] = twogpower[m - 1] * twoGOverN / m;
            onem2gpower[m] = onem2gpower[m - 1] * oneMinusTwoGOverN / m;
        }
        var v0 = new double[npwrs];
        var v1 = new double[npwrs];
        v1[0] = 1;
        int v0s = 0, v1s = 0;
        var (j1, j2) = PomeranzBounds(0, n, ll, ceilf, roundf);
        for (int i = 1; i < 2 * n + 2; i++)
        {
            int k1 = j1;
            (v0, v1) = (v1, v0);
            (v0s, v1s) = (v1s, v0s);
            Array.Clear(v1);
            (j1, j2) = PomeranzBounds(i, n, ll, ceilf, roundf);
            double[] pwrs = i == 1 || i == 2 * n + 1 ? gpower : i % 2 == 1 ? twogpower : onem2gpower;
            int ln2 = j2 - k1 + 1;
            if (ln2 > 0)
            {
                int aStart = k1 - v0s;
                int aLen = Math.Min(ln2, npwrs - aStart);
                int bLen = Math.Min(ln2, npwrs);
                int convStart = j1 - k1, convLen = j2 - j1 + 1;
                for (int c = 0; c < convLen; c++)
                {
                    int index = convStart + c; // full convolution: sum over a[p] * b[index - p]
                    double sum = 0;
                    int pFrom = Math.Max(0, index - (bLen - 1)), pTo = Math.Min(aLen - 1, index);
                    for (int p = pFrom; p <= pTo; p++) sum += v0[aStart + p] * pwrs[index - p];
                    v1[c] = sum;
                }
                double max = v1.Max();
                if (max > 0 && max < InverseScale)
                {
                    for (int c = 0; c < v1.Length; c++) v1[c] *= Scale;
                    expnt -= ScaleExponent;
                }
                v1s = v0s + j1 - k1;
            }
        }
        double ans = v1[n - v1s];
        for (int m = 1; m <= n; m++)
        {
            if (Math.Abs(ans) > Scale)
            {
                ans *= InverseScale;
                expnt += ScaleExponent;
            }
            ans *= m;
        }
        if (expnt != 0) ans = Math.ScaleB(ans, (int)expnt);
        return Clip(ans);
    }

    /// <summary>Pr(D_n &lt;= x) by the Pelz-Good (1976) expansion in 1/sqrt(n), for large n.</summary>
    static double PelzGoodCdf(int n, double x)
    {
        if (x <= 0.0) return 0.0;
        if (x >= 1.0) return 1.0;
        const double PiSquared = Math.PI * Math.PI;
        double piFour = Math.Pow(Math.PI, 4), piSix = Math.Pow(Math.PI, 6);
        double sqrt2Pi = Math.Sqrt(2 * Math.PI);
        double z = Math.Sqrt((double)n) * x;
        double z2 = z * z, z3 = z * z * z, z4 = z2 * z2, z6 = z4 * z2;
        double qlog = -PiSquared / 8 / z2;
        if (qlog < -708) return 0.0;
        double q = Math.Exp(qlog);
        double k1a = -z2, k1b = PiSquared / 4;
        double k2a = 6 * z6 + 2 * z4;
        double k2b = (2 * z4 - 5 * z2) * PiSquared / 4;
        double k2c = piFour * (1 - 2 * z2) / 16;
        double k3d = piSix * (5 - 30 * z2) / 64;
        double k3c = piFour * (-60 * z2 + 212 * z4) / 16;
        double k3b = PiSquared * (135 * z4 - 96 * z6) / 4;
        double k3a = -30 * z6 - 90 * Math.Pow(z, 8);
        double k0 = 0, k1 = 0, k2 = 0, k3 = 0;
        int maxk = (int)Math.Ceiling(16 * z / Math.PI);
        for (int k = maxk; k > 0; k--)
        {
            double m = 2 * k - 1;
            double m2 = m * m, m4 = Math.Pow(m, 4), m6 = Math.Pow(m, 6);
            double qpower = Math.Pow(q, 8 * k);
            k0 = k0 * qpower + 1.0;
            k1 = k1 * qpower + (k1a + k1b * m2);
            k2 = k2 * qpower + (k2a + k2b * m2 + k2c * m4);
            k3 = k3 * qpower + (k3a + k3b * m2 + k3c * m4 + k3d * m6);
        }
        k0 = k0 * q * sqrt2Pi / z;
        k1 = k1 * q * sqrt2Pi / (6 * z4);
        k2 = k2 * q * sqrt2Pi / (72 * Math.Pow(z, 7));
        k3 = k3 * q * sqrt2Pi / (6480 * Math.Pow(z, 10));
        double q2 = Math.Exp(-PiSquared / 2 / z2);
        double sqrt3z = Math.Sqrt(3) * z;
        double k2extra = 0, k3extra = 0;
        for (int k = maxk; k > 0; k--)
        {
            double ksq = (double)k * k;
            double qp = Math.Pow(q2, ksq);
            double kspi = Math.PI * k;
            k2extra += ksq * qp;
            k3extra += (sqrt3z + kspi) * (sqrt3z - kspi) * ksq * qp;
        }
        k2 += k2extra * (PiSquared * sqrt2Pi / (-36 * z3));
        k3 += k3extra * (PiSquared * sqrt2Pi / (216 * z6));
        double sqrtN = Math.Pow(n, 0.5);
        return k0 + k1 / sqrtN + k2 / n + k3 / Math.Pow(n, 1.5);
    }
}
