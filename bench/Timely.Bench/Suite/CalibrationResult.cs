namespace Timely.Bench.Suite;

/// <summary>The hardware floors of this run, in nanoseconds per round trip.</summary>
public sealed class CalibrationResult
{
    /// <summary>Two threads passing a value through two padded cache lines and back (best batch).</summary>
    public double CacheLineRoundTripNs { get; init; }

    /// <summary>An 8-byte message echoed over a TCP socket on 127.0.0.1 (best batch).</summary>
    public double SocketRoundTripNs { get; init; }
}
