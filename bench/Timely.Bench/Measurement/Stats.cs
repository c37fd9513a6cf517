namespace Timely.Bench.Measurement;

/// <summary>Order statistics and the bootstrap the comparison uses.</summary>
public static class Stats
{
    /// <summary>The median (mean of the middle two for an even count), NaN for none.</summary>
    public static double Median(IReadOnlyList<double> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        if (values.Count == 0)
        {
            return double.NaN;
        }

        var sorted = values.Order().ToArray();
        int mid = sorted.Length / 2;
        return sorted.Length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
    }

    /// <summary>The smallest value, NaN for none.</summary>
    public static double Min(IReadOnlyList<double> values) => values.Count == 0 ? double.NaN : values.Min();

    /// <summary>The largest value, NaN for none.</summary>
    public static double Max(IReadOnlyList<double> values) => values.Count == 0 ? double.NaN : values.Max();

    /// <summary>
    /// A percentile bootstrap interval of median(current) / median(baseline): both sides are
    /// resampled with replacement <paramref name="resamples"/> times (fixed seed: the same samples
    /// always give the same band), and the 2.5th and 97.5th percentiles of the ratio bound the band.
    /// With the 3-5 samples a suite run has, the band is close to the min-max spread of both sides
    /// (min(current)/max(baseline) .. max(current)/min(baseline)) but less driven by one outlier.
    /// </summary>
    public static (double Low, double High) BootstrapMedianRatio(IReadOnlyList<double> current, IReadOnlyList<double> baseline, int resamples = 2000, int seed = 7)
    {
        ArgumentNullException.ThrowIfNull(current);
        ArgumentNullException.ThrowIfNull(baseline);
        if (current.Count == 0 || baseline.Count == 0)
        {
            return (double.NaN, double.NaN);
        }

        var random = new Random(seed);
        var ratios = new double[resamples];
        var a = new double[current.Count];
        var b = new double[baseline.Count];
        for (int r = 0; r < resamples; r++)
        {
            for (int i = 0; i < a.Length; i++)
            {
                a[i] = current[random.Next(current.Count)];
            }

            for (int i = 0; i < b.Length; i++)
            {
                b[i] = baseline[random.Next(baseline.Count)];
            }

            ratios[r] = Median(a) / Median(b);
        }

        Array.Sort(ratios);
        return (ratios[(int)(0.025 * (resamples - 1))], ratios[(int)Math.Ceiling(0.975 * (resamples - 1))]);
    }
}
