namespace Timely.Bench.Commands;

/// <summary>One sample of <see cref="MemorySampler"/>.</summary>
/// <param name="Seconds">Seconds since sampling started.</param>
/// <param name="RssMegabytes">Resident memory now, MB (10^6 bytes).</param>
/// <param name="PeakMegabytes">The process's resident high-water mark so far, MB.</param>
/// <param name="OverflowBytes">Bytes in this process's overflow queues now.</param>
public readonly record struct MemorySample(double Seconds, double RssMegabytes, double PeakMegabytes, long OverflowBytes);
