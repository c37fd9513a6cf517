using Timely.Bench.Measurement;
using Timely.Bench.Suite;

namespace Timely.Bench.Tests;

public class ComparisonTests
{
    private static readonly double[] Baseline = [100, 102, 98, 101, 99];

    [Fact]
    public void A_shift_beyond_threshold_and_noise_is_a_regression_with_exit_code_1()
    {
        double[] slower = [130, 133, 128, 131, 129];
        var c = Comparison.Compare("row", slower, Baseline);
        Assert.Equal(Verdict.Regression, c.Verdict);
        Assert.InRange(c.Ratio, 1.29, 1.31);
        Assert.True(c.BandLow > 1, $"band {c.BandLow}..{c.BandHigh}");
        Assert.Equal(1, Comparison.ExitCode([c]));
    }

    [Fact]
    public void Noise_alone_is_within_noise_with_exit_code_0()
    {
        double[] same = [99, 103, 97, 100, 102];
        var c = Comparison.Compare("row", same, Baseline);
        Assert.Equal(Verdict.WithinNoise, c.Verdict);
        Assert.True(c.BandLow <= 1 && c.BandHigh >= 1, $"band {c.BandLow}..{c.BandHigh}");
        Assert.Equal(0, Comparison.ExitCode([c]));
    }

    [Fact]
    public void A_big_median_shift_inside_wide_noise_is_not_a_regression()
    {
        // Median +20%, but the samples overlap the baseline's fully: a noisy host, not a change.
        double[] noisyBaseline = [60, 100, 140, 70, 130];
        double[] noisyCurrent = [65, 120, 150, 75, 135];
        var c = Comparison.Compare("row", noisyCurrent, noisyBaseline);
        Assert.True(c.Ratio > 1.1);
        Assert.Equal(Verdict.WithinNoise, c.Verdict);
    }

    [Fact]
    public void A_shift_beyond_noise_but_below_threshold_is_not_a_regression()
    {
        double[] tight = [100, 100.5, 99.5, 100.2, 99.8];
        double[] fivePercent = [105, 105.5, 104.5, 105.2, 104.8];
        var c = Comparison.Compare("row", fivePercent, tight, threshold: 0.10);
        Assert.True(c.BandLow > 1);
        Assert.Equal(Verdict.WithinNoise, c.Verdict);
        Assert.Equal(Verdict.Regression, Comparison.Compare("row", fivePercent, tight, threshold: 0.02).Verdict);
    }

    [Fact]
    public void A_speed_up_beyond_noise_is_an_improvement_and_exits_0()
    {
        double[] faster = [70, 72, 69, 71, 70];
        var c = Comparison.Compare("row", faster, Baseline);
        Assert.Equal(Verdict.Improvement, c.Verdict);
        Assert.Equal(0, Comparison.ExitCode([c]));
    }

    [Fact]
    public void The_band_is_deterministic_for_the_same_samples()
    {
        double[] current = [110, 90, 120];
        Assert.Equal(Stats.BootstrapMedianRatio(current, Baseline), Stats.BootstrapMedianRatio(current, Baseline));
    }

    [Fact]
    public void Rows_without_samples_are_not_compared()
    {
        var c = Comparison.Compare("row", [], Baseline);
        Assert.Equal(Verdict.NotCompared, c.Verdict);
        Assert.Equal(0, Comparison.ExitCode([c]));
    }

    [Fact]
    public void Median_of_odd_and_even_counts()
    {
        Assert.Equal(2, Stats.Median([3, 1, 2]));
        Assert.Equal(2.5, Stats.Median([4, 1, 3, 2]));
        Assert.True(double.IsNaN(Stats.Median([])));
    }
}
