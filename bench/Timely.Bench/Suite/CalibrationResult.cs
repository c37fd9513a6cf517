using System.Globalization;
using System.Text.Json.Serialization;

namespace Timely.Bench.Suite;

/// <summary>The hardware floors of this run, in nanoseconds per round trip (NaN: not calibrated, as in smoke runs).</summary>
public sealed class CalibrationResult
{
    /// <summary>
    /// A cache-line round trip at or above this says the host was overloaded. Two cores passing a
    /// line take ~50-300 ns on current CPUs and well under 1 µs even across sockets; 10 µs and more
    /// means a spinning thread was descheduled in every one of the calibration's batches (the best
    /// batch is kept), so the host could not give two threads two cores for even a few ms, and the
    /// run's timings measure the scheduler, not the code. Such a run is not saved (--save) and not
    /// compared (--baseline), and its ratios to the floors are not printed.
    /// </summary>
    public const double OverloadedCacheLineNs = 10_000;

    /// <summary>Two threads passing a value through two padded cache lines and back (best batch; +infinity: not one batch completed).</summary>
    public double CacheLineRoundTripNs { get; init; }

    /// <summary>An 8-byte message echoed over a TCP socket on 127.0.0.1 (best batch).</summary>
    public double SocketRoundTripNs { get; init; }

    /// <summary>Why these floors show an overloaded host (one line), or null when they do not (or were not measured).</summary>
    [JsonIgnore]
    public string? Overloaded => CacheLineRoundTripNs >= OverloadedCacheLineNs
        ? string.Create(CultureInfo.InvariantCulture, $"host overloaded: the cache-line round trip took {(double.IsPositiveInfinity(CacheLineRoundTripNs) ? "longer than the calibration budget" : $"{CacheLineRoundTripNs:0} ns")}, at or above the {OverloadedCacheLineNs / 1000:0} µs no cross-core hop needs")
        : null;
}
